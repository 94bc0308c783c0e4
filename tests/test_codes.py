from __future__ import annotations

import pytest

from cobrowse.codes import CodeBook, FailureThrottle, normalize_code
from cobrowse.errors import JoinError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("typed", ["123456", "123 456", " 123-456 ", "12.34.56", "000001"])
def test_normalize_accepts_what_people_type(typed: str) -> None:
    assert len(normalize_code(typed)) == 6


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456\x00"])
def test_normalize_rejects_malformed(typed: str) -> None:
    with pytest.raises(JoinError) as info:
        normalize_code(typed)
    assert info.value.kind == "malformed"


def test_codes_are_unique_six_digits() -> None:
    book = CodeBook(600)
    codes = {book.issue(f"s{i}")[0] for i in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_code_expires_when_nobody_joins() -> None:
    clock = Clock()
    book = CodeBook(600, clock)
    code, _ = book.issue("s1")
    clock.now += 601
    with pytest.raises(JoinError) as info:
        book.lookup(code)
    assert info.value.kind == "expired"


def test_joined_code_stays_valid_for_followers() -> None:
    clock = Clock()
    book = CodeBook(600, clock)
    code, _ = book.issue("s1")
    assert book.lookup(code) == "s1"
    clock.now += 3000
    assert book.lookup(code) == "s1"
    book.revoke(code)
    with pytest.raises(JoinError, match="expired"):
        book.lookup(code)


def test_unknown_code() -> None:
    with pytest.raises(JoinError, match="unknown"):
        CodeBook(600).lookup("999999")


def test_throttle_per_client_and_global() -> None:
    clock = Clock()
    throttle = FailureThrottle(per_client=3, global_limit=5, window_seconds=60, clock=clock)
    for _ in range(3):
        throttle.check("a")
        throttle.failed("a")
    with pytest.raises(JoinError, match="throttled"):
        throttle.check("a")
    throttle.check("b")  # another client is not affected yet
    throttle.failed("b")
    throttle.failed("c")
    with pytest.raises(JoinError, match="throttled"):
        throttle.check("d")  # the node-wide limit is reached
    clock.now += 61
    throttle.check("a")


def test_codes_cover_the_whole_range_evenly() -> None:
    """Every digit position is uniform (leading zeros included): a chi-square
    test over 50,000 fresh codes, far from the 0.1 % critical value."""
    book = CodeBook(600)
    codes = []
    for i in range(50_000):
        code, _ = book.issue(f"s{i}")
        codes.append(code)
        book.revoke(code)
    for position in range(6):
        counts = [0] * 10
        for code in codes:
            counts[int(code[position])] += 1
        expected = len(codes) / 10
        chi2 = sum((c - expected) ** 2 / expected for c in counts)
        assert chi2 < 27.9, (position, counts)  # 9 degrees of freedom, p = 0.001
    assert any(code.startswith("0") for code in codes)


def test_recently_expired_codes_are_not_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    book = CodeBook(600)
    draws = iter([123456, 123456, 654321])
    monkeypatch.setattr("cobrowse.codes.secrets.randbelow", lambda n: next(draws))
    first, _ = book.issue("old")
    book.revoke(first)
    second, _ = book.issue("new")
    assert (first, second) == ("123456", "654321")
    with pytest.raises(JoinError, match="expired"):
        book.lookup("123456")
