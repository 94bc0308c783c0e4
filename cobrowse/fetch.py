"""SSRF-safe fetching of pages and resources with httpx.

Only hosts on the operator's allowlist are fetched, on the default port of
the scheme unless the allowlist names another. Host names are first brought
into the form browsers use (``http://2130706433/``, ``http://0x7f.1/`` and
``http://127.1/`` all are ``127.0.0.1``; Unicode names become punycode), so
no spelling slips past the allowlist. Every address the host resolves to is
checked (no loopback, private, link-local, metadata, multicast, reserved,
IPv6 unique-local or site-local address, nor an IPv6 address that embeds a
forbidden IPv4 one — mapped, compatible, NAT64, 6to4 — unless the operator
opted in for that host), and the request then goes to the checked address
itself — with the original ``Host`` header and TLS server name — so a DNS
answer cannot change between check and connect. Redirects are followed by
hand and re-checked; bodies are read in chunks and cut at the size limit;
the whole fetch, redirects included, has one deadline. No cookie is ever
stored (sessions must not see each other's cookies). Every failure becomes
a :class:`FetchError` with a ``kind``; nothing here logs URLs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx

from cobrowse.config import FetchConfig
from cobrowse.errors import FetchError

__all__ = [
    "FetchResult",
    "Fetcher",
    "Resolver",
    "canonical_host",
    "check_allowed",
    "is_public",
    "normalize_url",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_URL_LENGTH = 8192  # longer URLs are refused before any DNS lookup (httpx's cap is 65,536)
# httpx exceptions outside its ``HTTPError`` tree: a malformed redirect target
# (``InvalidURL``, raised inside ``send()`` even without following), cookie
# and stream misuse. None of them may escape as an unexpected exception.
_OTHER_HTTPX_ERRORS = (httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 ranges that carry an IPv4 address in their last 32 bits.
_V4_IN_V6 = (
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64
)
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, still routed by some


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str | None
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    body_read: bool = True  # False when the media type was not one to read
    # the method of the request this answers: "POST" for a form's answer (also
    # through a 307/308), "GET" once a 301/302/303 redirect turned it into one
    method: str = "GET"


def normalize_url(text: str) -> str:
    """Turn what an advisor typed into an absolute http(s) URL.

    ``example.org/x`` becomes ``https://example.org/x``. Raises
    ``FetchError("invalid_url")`` for anything else (other schemes, no host,
    credentials in the URL, control characters).
    """
    text = text.strip()
    if not text or len(text) > 4096 or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        raise FetchError("invalid_url")
    if "://" not in text:
        if ":" in text.split("/", 1)[0] and not text.split(":", 1)[1][:1].isdigit():
            raise FetchError("invalid_url")  # mailto:, javascript: …
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise FetchError("invalid_url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("invalid_url")
    if parts.username is not None or parts.password is not None:
        raise FetchError("invalid_url")
    del port
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _ipv4_number(part: str) -> int | None:
    """One part of a WHATWG IPv4 address: decimal, ``0x`` hex or leading-zero octal."""
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part[0] == "0":
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def canonical_host(host: str) -> str:
    """The host as a browser sees it: lower case, no trailing dot, IPs canonical.

    A name whose last label is a number is an IPv4 address in one of the odd
    spellings (``2130706433``, ``0x7f.1``, ``127.1``, ``0177.0.0.1``) and
    becomes dotted-decimal, or ``invalid_url`` if it is no valid address.
    Unicode names become punycode. Raises :class:`FetchError`.
    """
    host = host.strip().lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise FetchError("invalid_url")
    if ":" in host:  # IPv6 literal (brackets already gone)
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise FetchError("invalid_url") from None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError("invalid_url") from None
    parts = host.split(".")
    last = parts[-1]
    if not (
        last.isdigit() or (last[:2] == "0x" and all(c in "0123456789abcdef" for c in last[2:]))
    ):
        return host
    numbers = [_ipv4_number(p) for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise FetchError("invalid_url")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise FetchError("invalid_url")
    address = values[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(values[:-1]))
    return str(ipaddress.IPv4Address(address))


def is_public(address: str) -> bool:
    """True if ``address`` is a globally routed unicast address (and embeds no other)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # the connection goes to the IPv4 address
            return is_public(str(ip.ipv4_mapped))
        if ip.teredo is not None or ip in _SITE_LOCAL:
            return False
        embedded = ip.sixtofour
        if embedded is None and any(ip in net for net in _V4_IN_V6):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def check_allowed(config: FetchConfig, url: str) -> tuple[str, str, int]:
    """(scheme, canonical host, port) of ``url`` if ``config`` allows its host and port.

    Raises ``FetchError`` ``invalid_url`` (also for URLs longer than
    ``MAX_URL_LENGTH``) or ``not_allowed``; resolves nothing.
    """
    if len(url) > MAX_URL_LENGTH:
        raise FetchError("invalid_url", "URL too long")
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        raise FetchError("invalid_url") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise FetchError("invalid_url")
    if parts.username is not None or parts.password is not None:
        raise FetchError("invalid_url")
    host = canonical_host(parts.hostname)
    if not config.is_allowed(host, port, parts.scheme):
        raise FetchError("not_allowed", "host not on the allowlist")
    return parts.scheme, host, port


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("unreachable", "name resolution failed") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Fetcher:
    """Fetches allowed URLs; one instance (one connection pool) per relay.

    At most ``max_connections`` fetches run at once, each with one
    connection; the others wait their turn in arrival order for up to
    ``queue_seconds``. Only a running fetch is timed (``timeout_seconds``):
    a burst of navigations queues instead of timing out in the pool.
    """

    def __init__(
        self,
        config: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.config = config
        self._resolve = resolver or _system_resolve
        self._slots = asyncio.Semaphore(config.max_connections)
        limits = httpx.Limits(
            max_connections=config.max_connections,
            max_keepalive_connections=min(100, config.max_connections),
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            limits=limits,
            follow_redirects=False,
            trust_env=False,  # never route through proxies from the environment
            # a fetch holds a slot, so the pool has a connection for it: its
            # pool timeout is only a backstop
            timeout=httpx.Timeout(config.timeout_seconds, pool=config.queue_seconds),
            headers={"User-Agent": config.user_agent, "Accept-Language": "de,en;q=0.5"},
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),  # stores nothing
        )

    async def close(self) -> None:
        await self._client.aclose()

    def check_allowed(self, url: str) -> tuple[str, str, int]:
        """(scheme, canonical host, port) of ``url`` if its host is on the allowlist."""
        return check_allowed(self.config, url)

    async def _address(self, scheme: str, host: str, port: int) -> str:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = await self._resolve(host, port)
        if not addresses:
            raise FetchError("unreachable", "no address")
        if not self.config.may_be_private(host, port, scheme):
            if not all(is_public(a) for a in addresses):
                raise FetchError("not_allowed", "resolves to a non-public address")
        return addresses[0]

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        accept: str = "*/*",
        method: str = "GET",
        form: list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        read_body_for: Collection[str] | None = None,
        content: bytes | None = None,
    ) -> FetchResult:
        """Fetch ``url`` (absolute http/https), following checked redirects.

        ``method`` "POST" sends ``form`` urlencoded (a 301/302/303 redirect
        then continues with GET, as browsers do). ``headers`` are added to
        the request (e.g. validators); ``content`` is a raw POST body (with its
        Content-Type in ``headers``) when there is no ``form``. With
        ``read_body_for`` the body is only read for those media types;
        otherwise ``body`` is empty and
        ``body_read`` False. Raises :class:`FetchError` with kind
        ``not_allowed``, ``invalid_url``, ``unreachable``, ``too_large``,
        ``too_many_redirects`` or ``bad_redirect`` (a ``Location`` httpx
        cannot even parse into a request). Waits for a free slot first (see
        the class); ``unreachable`` with detail "busy" when none came free
        within ``queue_seconds``.
        """
        try:
            async with asyncio.timeout(self.config.queue_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise FetchError("unreachable", "busy") from None
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                return await self._fetch(
                    url, max_bytes, accept, method, form, headers or {}, read_body_for, content
                )
        except TimeoutError:
            raise FetchError("unreachable", "timeout") from None
        finally:
            self._slots.release()

    async def _fetch(
        self,
        url: str,
        max_bytes: int,
        accept: str,
        method: str,
        form: list[tuple[str, str]] | None,
        extra: Mapping[str, str],
        read_body_for: Collection[str] | None,
        raw: bytes | None = None,
    ) -> FetchResult:
        for _ in range(self.config.max_redirects + 1):
            scheme, host, port = self.check_allowed(url)
            address = await self._address(scheme, host, port)
            parts = urlsplit(url)
            ip_host = f"[{address}]" if ":" in address else address
            target = urlunsplit((scheme, f"{ip_host}:{port}", parts.path or "/", parts.query, ""))
            headers = {**extra, "Accept": accept}
            headers["Host"] = host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
            content = None
            if method == "POST" and form is None and raw is not None:
                content = raw
            elif method == "POST":
                content = urlencode(form or []).encode("utf-8")
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = self._client.build_request(
                method, target, headers=headers, content=content, extensions={"sni_hostname": host}
            )
            try:
                response = await self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError("unreachable", type(exc).__name__) from None
            except httpx.InvalidURL:
                # send() builds the redirect request even though we follow by hand
                raise FetchError("bad_redirect", "unusable Location") from None
            except _OTHER_HTTPX_ERRORS as exc:
                raise FetchError("unreachable", type(exc).__name__) from None
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    if response.status_code in (301, 302, 303) and method != "GET":
                        method, form, raw = "GET", None, None
                    continue
                content_type = response.headers.get("content-type")
                media = (content_type or "").split(";")[0].strip().lower()
                if read_body_for is not None and media not in read_body_for:
                    body, read = b"", False
                else:
                    body, read = await self._read(response, max_bytes), True
            finally:
                await response.aclose()
            return FetchResult(
                url, response.status_code, content_type, body, dict(response.headers), read, method
            )
        raise FetchError("too_many_redirects")

    @staticmethod
    async def _read(response: httpx.Response, max_bytes: int) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError("too_large")
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large")
                chunks.append(chunk)
        except (httpx.HTTPError, *_OTHER_HTTPX_ERRORS) as exc:
            raise FetchError("unreachable", type(exc).__name__) from None
        return b"".join(chunks)
