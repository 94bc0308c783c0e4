"""SSRF-safe fetching of pages and resources with httpx.

Only hosts on the operator's allowlist are fetched. Every address the host
resolves to is checked (no loopback, private, link-local, multicast or
reserved address unless the operator opted in for that host), and the
request then goes to the checked address itself — with the original
``Host`` header and TLS server name — so a DNS answer cannot change between
check and connect. Redirects are followed by hand and re-checked; bodies are
read in chunks and cut at the size limit. Every failure becomes a
:class:`FetchError` with a ``kind``; nothing here logs URLs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from cobrowse.config import FetchConfig
from cobrowse.errors import FetchError

__all__ = ["FetchResult", "Fetcher", "Resolver", "normalize_url"]

Resolver = Callable[[str, int], Awaitable[list[str]]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str | None
    body: bytes


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


async def _system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("unreachable", "name resolution failed") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Fetcher:
    """Fetches allowed URLs; one instance (one connection pool) per relay."""

    def __init__(
        self,
        config: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.config = config
        self._resolve = resolver or _system_resolve
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # never route through proxies from the environment
            timeout=httpx.Timeout(config.timeout_seconds),
            headers={"User-Agent": config.user_agent, "Accept-Language": "de,en;q=0.5"},
        )

    async def close(self) -> None:
        await self._client.aclose()

    def check_allowed(self, url: str) -> tuple[str, str, int]:
        """(scheme, host, port) of ``url`` if its host is on the allowlist."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("invalid_url") from None
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            raise FetchError("invalid_url")
        if not self.config.is_allowed(host, port, parts.scheme):
            raise FetchError("not_allowed", "host not on the allowlist")
        return parts.scheme, host, port

    async def _address(self, scheme: str, host: str, port: int) -> str:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = await self._resolve(host, port)
        if not addresses:
            raise FetchError("unreachable", "no address")
        if not self.config.may_be_private(host, port, scheme):
            if not all(_is_public(a) for a in addresses):
                raise FetchError("not_allowed", "resolves to a non-public address")
        return addresses[0]

    async def fetch(self, url: str, *, max_bytes: int, accept: str = "*/*") -> FetchResult:
        """GET ``url`` (absolute http/https), following checked redirects.

        Raises :class:`FetchError` with kind ``not_allowed``, ``invalid_url``,
        ``unreachable``, ``too_large`` or ``too_many_redirects``.
        """
        for _ in range(self.config.max_redirects + 1):
            scheme, host, port = self.check_allowed(url)
            address = await self._address(scheme, host, port)
            parts = urlsplit(url)
            ip_host = f"[{address}]" if ":" in address else address
            target = urlunsplit((scheme, f"{ip_host}:{port}", parts.path or "/", parts.query, ""))
            default = {"http": 80, "https": 443}[scheme]
            headers = {"Host": host if port == default else f"{host}:{port}", "Accept": accept}
            request = self._client.build_request(
                "GET", target, headers=headers, extensions={"sni_hostname": host}
            )
            try:
                response = await self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError("unreachable", type(exc).__name__) from None
            try:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                body = await self._read(response, max_bytes)
            finally:
                await response.aclose()
            return FetchResult(
                url, response.status_code, response.headers.get("content-type"), body
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
        except httpx.HTTPError as exc:
            raise FetchError("unreachable", type(exc).__name__) from None
        return b"".join(chunks)
