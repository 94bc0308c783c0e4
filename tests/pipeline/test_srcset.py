"""srcset parsing like the HTML standard, and rewriting with descriptors kept."""

from __future__ import annotations

import pytest

from cobrowse.pipeline.srcset import parse_srcset, rewrite_srcset

from .helpers import r, sanitize_body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.png", [("a.png", [])]),
        ("a.png 1x, b.png 2x", [("a.png", ["1x"]), ("b.png", ["2x"])]),
        ("a,b.png 100w,c.png 200w", [("a,b.png", ["100w"]), ("c.png", ["200w"])]),
        ("a.png,, ,b.png", [("a.png", []), ("b.png", [])]),
        (" a.png  1.5x ,\n b.png\t2x ", [("a.png", ["1.5x"]), ("b.png", ["2x"])]),
        ("a.png x(1, 2), b.png", [("a.png", ["x(1,", "2)"]), ("b.png", [])]),
    ],
)
def test_parse_srcset(value: str, expected: list[tuple[str, list[str]]]) -> None:
    assert parse_srcset(value) == expected


def test_rewrite_srcset_drops_bad_candidates() -> None:
    def up(url: str) -> str | None:
        return None if url.startswith("bad") else url.upper()

    assert rewrite_srcset("a.png 1x, bad.png 2x, c.png junk, d.png 3x", up) == "A.PNG 1x, D.PNG 3x"
    assert rewrite_srcset("bad.png", up) is None


def test_cdn_urls_with_commas_keep_their_descriptors() -> None:
    html = '<img srcset="/i/a.jpg,w_480 480w, /i/a.jpg,w_960 960w" sizes="50vw">'
    assert sanitize_body(html) == (
        f'<img srcset="{r("https://example.org/i/a.jpg,w_480")} 480w, '
        f'{r("https://example.org/i/a.jpg,w_960")} 960w" sizes="50vw">'
    )


def test_every_candidate_scheme_is_checked() -> None:
    html = (
        '<img srcset="javascript:alert(1) 1x, data:image/svg+xml,<svg onload=x> 2x, '
        ' //evil.example/x.png 3x, ok.png 4x">'
    )
    out = sanitize_body(html)
    assert out == (
        f'<img srcset="{r("https://evil.example/x.png")} 3x, '
        f'{r("https://example.org/dir/ok.png")} 4x">'
    )


def test_srcset_without_any_usable_candidate_is_dropped() -> None:
    assert sanitize_body('<img src=a.png srcset="javascript:x 1x">') == (
        f'<img src="{r("https://example.org/dir/a.png")}">'
    )
