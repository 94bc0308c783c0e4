from __future__ import annotations

import httpx
import pytest

from cobrowse.config import FetchConfig, HostPattern
from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, normalize_url


def resolver_for(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


def config(**kw: object) -> FetchConfig:
    hosts = tuple(
        HostPattern.parse(h) for h in ("www.example.org", "intranet.example", "*.example.net")
    )
    return FetchConfig(allowed_hosts=hosts, **kw)  # type: ignore[arg-type]


@pytest.fixture
def seen() -> list[httpx.Request]:
    return []


def make(seen: list[httpx.Request], handler, **kw: object) -> Fetcher:  # type: ignore[no-untyped-def]
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    dns = {
        "www.example.org": ["93.184.215.14"],
        "intranet.example": ["10.0.0.5"],
        "a.example.net": ["127.0.0.1"],
        "b.example.net": ["93.184.215.15", "169.254.169.254"],
    }
    return Fetcher(config(**kw), transport=httpx.MockTransport(record), resolver=resolver_for(dns))


async def test_fetch_connects_to_checked_address_with_host_header(
    seen: list[httpx.Request],
) -> None:
    fetcher = make(seen, lambda r: httpx.Response(200, html="<p>Hallo</p>"))
    result = await fetcher.fetch("https://www.example.org/a?b=1", max_bytes=1000)
    assert result.body == b"<p>Hallo</p>"
    assert result.url == "https://www.example.org/a?b=1"
    request = seen[0]
    assert request.url.host == "93.184.215.14"
    assert request.headers["host"] == "www.example.org"
    assert request.extensions["sni_hostname"] == "www.example.org"
    await fetcher.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/",
        "https://www.example.org:8443/",
        "https://intranet.example/",  # resolves to a private address
        "https://a.example.net/",  # loopback
        "https://b.example.net/",  # one of its addresses is link-local (metadata)
        "https://127.0.0.1/",
        "https://[::1]/",
    ],
)
async def test_ssrf_targets_are_refused(seen: list[httpx.Request], url: str) -> None:
    fetcher = make(seen, lambda r: httpx.Response(200))
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url, max_bytes=1000)
    assert info.value.kind == "not_allowed"
    assert seen == []
    await fetcher.close()


async def test_private_host_needs_explicit_opt_in(seen: list[httpx.Request]) -> None:
    fetcher = make(
        seen,
        lambda r: httpx.Response(200, text="ok"),
        private_hosts=(HostPattern.parse("intranet.example"),),
    )
    assert (await fetcher.fetch("https://intranet.example/", max_bytes=100)).body == b"ok"
    await fetcher.close()


async def test_redirects_are_rechecked(seen: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": "/next"})
        if request.url.path == "/next":
            return httpx.Response(301, headers={"Location": "https://intranet.example/secret"})
        return httpx.Response(200)

    fetcher = make(seen, handler)
    with pytest.raises(FetchError, match="not_allowed"):
        await fetcher.fetch("https://www.example.org/start", max_bytes=100)
    assert [r.url.path for r in seen] == ["/start", "/next"]
    await fetcher.close()


async def test_redirect_loop_stops(seen: list[httpx.Request]) -> None:
    fetcher = make(
        seen, lambda r: httpx.Response(302, headers={"Location": "/again"}), max_redirects=3
    )
    with pytest.raises(FetchError, match="too_many_redirects"):
        await fetcher.fetch("https://www.example.org/", max_bytes=100)
    assert len(seen) == 4
    await fetcher.close()


async def test_size_limit(seen: list[httpx.Request]) -> None:
    fetcher = make(seen, lambda r: httpx.Response(200, content=b"x" * 5000))
    with pytest.raises(FetchError, match="too_large"):
        await fetcher.fetch("https://www.example.org/", max_bytes=1000)
    await fetcher.close()


async def test_network_error_is_unreachable(seen: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    fetcher = make(seen, handler)
    with pytest.raises(FetchError, match="unreachable"):
        await fetcher.fetch("https://www.example.org/", max_bytes=100)
    await fetcher.close()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("www.example.org", "https://www.example.org/"),
        ("  https://WWW.Example.org/a?b#frag ", "https://www.example.org/a?b"),
        ("http://127.0.0.1:8081/x", "http://127.0.0.1:8081/x"),
        ("localhost:8081/x", "https://localhost:8081/x"),
    ],
)
def test_normalize_url(typed: str, expected: str) -> None:
    assert normalize_url(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "javascript:alert(1)",
        "mailto:a@b.de",
        "ftp://x.org/",
        "https://user:pw@x.org/",
        "https://x.org/a\nb",
        "https://",
        "http://[::1/",
    ],
)
def test_normalize_url_rejects(typed: str) -> None:
    with pytest.raises(FetchError, match="invalid_url"):
        normalize_url(typed)
