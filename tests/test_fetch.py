from __future__ import annotations

import asyncio

import httpx
import pytest

from cobrowse.config import FetchConfig, HostPattern
from cobrowse.errors import FetchError
from cobrowse.fetch import Fetcher, canonical_host, is_public, normalize_url


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


# --- SSRF: every address class, odd spellings, ports, redirects --------------

ALL_ALLOWED = (HostPattern.parse("*.test"),)


def open_fetcher(seen: list[httpx.Request], dns: dict[str, list[str]], **kw: object) -> Fetcher:
    """A fetcher that allows every *.test host (and the hosts in ``kw``) and
    resolves names with ``dns``; the transport records what would be sent."""

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    allowed = ALL_ALLOWED + tuple(kw.pop("extra", ()))  # type: ignore[call-overload]
    config = FetchConfig(allowed_hosts=allowed, **kw)  # type: ignore[arg-type]
    return Fetcher(config, transport=httpx.MockTransport(record), resolver=resolver_for(dns))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.255.255.254",
        "10.1.2.3",  # private
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.169.254",  # link-local, cloud metadata
        "169.254.0.1",
        "0.0.0.0",  # unspecified
        "0.1.2.3",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "198.18.0.1",  # benchmarking
        "192.0.2.1",  # documentation
        "::1",  # IPv6 loopback
        "::",
        "fe80::1",  # IPv6 link-local
        "fc00::1",  # unique local
        "fd12:3456::1",
        "fec0::1",  # site-local (deprecated)
        "ff02::1",  # multicast
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001::1",  # Teredo
        "2001:db8::1",  # documentation
    ],
)
async def test_every_forbidden_address_class_is_refused(
    seen: list[httpx.Request], address: str
) -> None:
    fetcher = open_fetcher(seen, {"evil.test": [address]})
    with pytest.raises(FetchError) as info:
        await fetcher.fetch("https://evil.test/", max_bytes=100)
    assert info.value.kind == "not_allowed"
    assert seen == []
    assert not is_public(address)
    await fetcher.close()


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
async def test_public_addresses_are_fetched_at_the_checked_address(
    seen: list[httpx.Request], address: str
) -> None:
    fetcher = open_fetcher(seen, {"www.test": [address]})
    assert (await fetcher.fetch("https://www.test/x", max_bytes=100)).body == b"ok"
    assert seen[0].url.host == address
    assert seen[0].headers["host"] == "www.test"
    assert is_public(address)
    await fetcher.close()


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("WWW.Example.ORG.", "www.example.org"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_canonical_host(spelling: str, canonical: str) -> None:
    assert canonical_host(spelling) == canonical


@pytest.mark.parametrize("spelling", ["1.2.3.4.5", "256.1.1.1", "1.2.0x1g.4", "www.example.09"])
def test_bad_numeric_hosts_are_invalid(spelling: str) -> None:
    with pytest.raises(FetchError, match="invalid_url"):
        canonical_host(spelling)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://0/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/",
    ],
)
async def test_odd_ip_spellings_never_reach_a_private_address(
    seen: list[httpx.Request], url: str
) -> None:
    # Even an operator who allowed 127.0.0.1 and ::1 (without the private opt-in)
    # gets refused: the spelling is normalized, then the address is checked.
    extra = [HostPattern.parse(h) for h in ("127.0.0.1", "0.0.0.0", "169.254.169.254")]
    fetcher = open_fetcher(seen, {}, extra=extra)
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url, max_bytes=100)
    assert info.value.kind in ("not_allowed", "invalid_url")
    assert seen == []
    await fetcher.close()


def test_odd_spelling_matches_the_allowlist_entry_of_its_address() -> None:
    config = FetchConfig(allowed_hosts=(HostPattern.parse("127.0.0.1:8081"),))
    fetcher = Fetcher(config)
    assert fetcher.check_allowed("http://2130706433:8081/")[1] == "127.0.0.1"
    with pytest.raises(FetchError, match="not_allowed"):
        fetcher.check_allowed("http://2130706433/")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.org:8443/",
        "http://www.example.org:22/",
        "http://www.example.org:443/",  # https's port with http
        "https://www.example.org:80/",
        "http://www.example.org:6379/",
    ],
)
async def test_only_default_ports_unless_named(seen: list[httpx.Request], url: str) -> None:
    fetcher = make(seen, lambda r: httpx.Response(200))
    with pytest.raises(FetchError, match="not_allowed"):
        await fetcher.fetch(url, max_bytes=100)
    assert seen == []
    await fetcher.close()


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "https://a.example.net/",  # allowed name, loopback address
        "https://www.example.org:8443/",  # allowed host, other port
        "file:///etc/passwd",
        "gopher://www.example.org/",
    ],
)
async def test_redirect_to_a_forbidden_target_is_refused(
    seen: list[httpx.Request], location: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": location})

    fetcher = make(seen, handler)
    with pytest.raises(FetchError) as info:
        await fetcher.fetch("https://www.example.org/start", max_bytes=100)
    assert info.value.kind in ("not_allowed", "invalid_url")
    assert len(seen) == 1
    await fetcher.close()


async def test_whole_fetch_has_one_deadline(seen: list[httpx.Request]) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    config = FetchConfig(allowed_hosts=ALL_ALLOWED, timeout_seconds=0.05)
    resolve = resolver_for({"slow.test": ["93.184.215.14"]})
    fetcher = Fetcher(config, transport=httpx.MockTransport(slow), resolver=resolve)
    with pytest.raises(FetchError, match="unreachable: timeout"):
        await fetcher.fetch("https://slow.test/", max_bytes=100)
    await fetcher.close()


async def test_no_cookie_is_kept_between_requests(seen: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Set-Cookie": "sid=secret; Path=/"}, text="x")

    fetcher = make(seen, handler)
    await fetcher.fetch("https://www.example.org/a", max_bytes=100)
    await fetcher.fetch("https://www.example.org/b", max_bytes=100)
    assert "cookie" not in seen[1].headers
    await fetcher.close()


async def test_post_sends_the_form_and_a_303_continues_with_get(
    seen: list[httpx.Request],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(303, headers={"Location": "/danke"})
        return httpx.Response(200, text="danke")

    fetcher = make(seen, handler)
    result = await fetcher.fetch(
        "https://www.example.org/send",
        max_bytes=100,
        method="POST",
        form=[("a", "1 2"), ("a", "ü")],
    )
    assert result.url == "https://www.example.org/danke" and result.body == b"danke"
    assert seen[0].method == "POST" and seen[0].content == b"a=1+2&a=%C3%BC"
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen[1].method == "GET" and seen[1].content == b""
    await fetcher.close()


async def test_body_is_only_read_for_the_wanted_types(seen: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "application/pdf"}, content=b"%PDF" * 1000
        )

    fetcher = make(seen, handler)
    result = await fetcher.fetch(
        "https://www.example.org/a.pdf", max_bytes=100, read_body_for=("text/html",)
    )
    assert (result.body, result.body_read, result.content_type) == (b"", False, "application/pdf")
    await fetcher.close()


async def test_response_headers_and_validators(seen: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, headers={"ETag": '"v1"'}, text="x")

    fetcher = make(seen, handler)
    first = await fetcher.fetch("https://www.example.org/", max_bytes=100)
    assert first.headers["etag"] == '"v1"'
    again = await fetcher.fetch(
        "https://www.example.org/", max_bytes=100, headers={"If-None-Match": '"v1"'}
    )
    assert again.status == 304
    await fetcher.close()


async def test_an_overlong_url_is_refused_before_any_dns_lookup(
    seen: list[httpx.Request],
) -> None:
    looked_up: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["93.184.215.14"]

    fetcher = Fetcher(
        config(), transport=httpx.MockTransport(lambda r: httpx.Response(200)), resolver=resolve
    )
    for length in (8193, 70_000):  # over our cap; over httpx's own cap
        url = "https://www.example.org/" + "a" * (length - len("https://www.example.org/"))
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url, max_bytes=100)
        assert info.value.kind == "invalid_url"
    assert looked_up == []
    url = "https://www.example.org/" + "a" * (8192 - len("https://www.example.org/"))
    assert (await fetcher.fetch(url, max_bytes=100)).status == 200  # 8 KiB is still fine
    await fetcher.close()


@pytest.mark.parametrize(
    "location",
    ["http:\\\\x\\", "https:x", "http:x/y"],  # a scheme, but no host and no "/" path
)
async def test_a_redirect_httpx_cannot_follow_is_a_fetch_error(
    seen: list[httpx.Request], location: str
) -> None:
    fetcher = make(seen, lambda r: httpx.Response(302, headers={"Location": location}))
    with pytest.raises(FetchError) as info:
        await fetcher.fetch("https://www.example.org/start", max_bytes=100)
    assert info.value.kind == "bad_redirect"
    assert "Weiterleitung" in info.value.user_message
    assert len(seen) == 1
    await fetcher.close()


class HeldSite:
    """A transport that never answers the paths in ``hold`` until :attr:`release`
    is set; counts the requests in flight (``running``, ``most``)."""

    def __init__(self, hold: set[str]) -> None:
        self.hold = hold
        self.release = asyncio.Event()
        self.started = asyncio.Event()  # a request is in flight
        self.running = self.most = 0

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.set()
        try:
            for _ in range(3):
                await asyncio.sleep(0)  # let the other fetches try to run meanwhile
            if request.url.path in self.hold:
                await self.release.wait()
            return httpx.Response(200, text=request.url.path)
        finally:
            self.running -= 1

    def fetcher(self, **settings: object) -> Fetcher:
        config = FetchConfig(allowed_hosts=ALL_ALLOWED, **settings)  # type: ignore[arg-type]
        resolve = resolver_for({"busy.test": ["93.184.215.14"]})
        return Fetcher(config, transport=httpx.MockTransport(self.handler), resolver=resolve)


async def test_a_burst_queues_for_a_connection_instead_of_failing() -> None:
    site = HeldSite(set())
    fetcher = site.fetcher(max_connections=3)
    urls = [f"https://busy.test/{i}" for i in range(20)]
    results = await asyncio.gather(*(fetcher.fetch(u, max_bytes=100) for u in urls))
    assert [r.body.decode() for r in results] == [f"/{i}" for i in range(20)]
    assert (site.running, site.most) == (0, 3)
    await fetcher.close()


async def test_waiting_in_the_queue_does_not_count_against_the_fetch_timeout() -> None:
    # two fetches ahead hold the only connection for their whole timeout each:
    # the third waits twice the timeout and still gets its page
    site = HeldSite({"/a", "/b"})
    fetcher = site.fetcher(max_connections=1, timeout_seconds=0.1)
    first = asyncio.ensure_future(fetcher.fetch("https://busy.test/a", max_bytes=100))
    await site.started.wait()
    second = asyncio.ensure_future(fetcher.fetch("https://busy.test/b", max_bytes=100))
    await asyncio.sleep(0)  # queued before the third
    third = await fetcher.fetch("https://busy.test/c", max_bytes=100)
    assert third.body == b"/c"
    for held in (first, second):
        with pytest.raises(FetchError, match="unreachable: timeout"):
            await held
    site.release.set()
    await fetcher.close()


async def test_a_fetch_that_finds_no_free_connection_in_time_fails_as_busy() -> None:
    site = HeldSite({"/a"})
    fetcher = site.fetcher(max_connections=1, queue_seconds=0.05)
    first = asyncio.ensure_future(fetcher.fetch("https://busy.test/a", max_bytes=100))
    await site.started.wait()
    with pytest.raises(FetchError, match="unreachable: busy"):
        await fetcher.fetch("https://busy.test/b", max_bytes=100)
    site.release.set()
    assert (await first).body == b"/a"
    await fetcher.close()
