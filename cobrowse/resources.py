"""Resource proxy state: signed tokens and the shared resource cache.

Every resource URL in a mirrored page is replaced by a signed token bound to
the co-browsing session, so participants' browsers only ever talk to the
relay (``/r/<token>``, served by :mod:`cobrowse.resource_route`). A token names the
session, the kind of resource (which content types may come back) and the
absolute URL; it cannot be forged or moved to another session.

What the proxy fetched is kept in one :class:`ResourceCache` for all
participants and sessions of the node: bounded in bytes, least recently used
out first, honouring the origin's caching headers as a shared cache must
(``no-store``/``private`` are never stored, ``s-maxage``/``max-age``/
``Expires`` set the lifetime, stale entries are revalidated with
``ETag``/``Last-Modified``). Concurrent requests for the same resource share
one fetch.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Final

from cobrowse.errors import CobrowseError
from cobrowse.fetch import FetchResult

__all__ = [
    "ALLOWED_TYPES",
    "BadToken",
    "CachedResource",
    "ResourceCache",
    "ResourceSigner",
    "ResourceToken",
    "freshness_lifetime",
]

# kind → content types the proxy will serve for it (by media type prefix);
# "download" serves anything, always as an attachment.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image": ("image/",),
    "style": ("text/css",),
    "font": (
        "font/",
        "application/font",
        "application/x-font",
        "application/vnd.ms-fontobject",
        "application/octet-stream",
    ),
    "media": ("video/", "audio/"),
    "download": ("",),
}

# Lifetime for a response without any freshness information (RFC 9111 §4.2.2
# allows a heuristic): long enough that everyone of a session loading the
# same page shares one fetch.
HEURISTIC_SECONDS: Final = 60.0
MAX_LIFETIME_SECONDS: Final = 24 * 3600.0


class BadToken(CobrowseError):
    """A resource token was forged, truncated or is for another kind."""


@dataclass(frozen=True, slots=True)
class ResourceToken:
    session_id: str
    kind: str
    url: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ResourceSigner:
    """Signs and verifies resource tokens with the relay's secret key (HMAC-SHA256)."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"cobrowse-resource:" + secret.encode("utf-8")).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()[:18])

    def url_for(self, session_id: str, kind: str, url: str) -> str:
        """The relay path that serves ``url`` to participants of ``session_id``."""
        payload = _b64(json.dumps([session_id, kind, url], separators=(",", ":")).encode("utf-8"))
        return f"/r/{payload}.{self._mac(payload)}"

    def verify(self, token: str) -> ResourceToken:
        """Decode a token from the path; raises :class:`BadToken` unless it is genuine."""
        payload, _, mac = token.partition(".")
        if not payload or not hmac.compare_digest(
            mac.encode("ascii", "replace"), self._mac(payload).encode("ascii")
        ):
            raise BadToken("bad signature")
        try:
            session_id, kind, url = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            raise BadToken("bad payload") from None
        if kind not in ALLOWED_TYPES or not all(isinstance(v, str) for v in (session_id, url)):
            raise BadToken("bad payload")
        return ResourceToken(session_id, kind, url)


def _directives(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in headers.get("cache-control", "").lower().split(","):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value.strip().strip('"')
    return out


def _seconds(value: str | None) -> float | None:
    try:
        return float(int(value)) if value is not None else None
    except ValueError:
        return None


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def freshness_lifetime(headers: Mapping[str, str]) -> float | None:
    """Seconds a shared cache may serve this response without asking again.

    None means "do not store" (``no-store``, ``private``, ``Vary: *``);
    0 means "store, but revalidate before every use" (``no-cache``).
    ``headers`` must have lower-case names.
    """
    cc = _directives(headers)
    if "no-store" in cc or "private" in cc or headers.get("vary", "").strip() == "*":
        return None
    if "no-cache" in cc:
        return 0.0
    lifetime = _seconds(cc.get("s-maxage")) if "s-maxage" in cc else None
    if lifetime is None and "max-age" in cc:
        lifetime = _seconds(cc.get("max-age"))
    if lifetime is None and "expires" in headers:
        expires, date = _date(headers.get("expires")), _date(headers.get("date"))
        lifetime = max(0.0, expires - (date or time.time())) if expires is not None else 0.0
    if lifetime is None:
        modified, date = _date(headers.get("last-modified")), _date(headers.get("date"))
        if modified is not None:
            lifetime = 0.1 * max(0.0, (date or time.time()) - modified)
        else:
            lifetime = HEURISTIC_SECONDS
    age = _seconds(headers.get("age")) or 0.0
    return max(0.0, min(lifetime, MAX_LIFETIME_SECONDS) - age)


@dataclass(frozen=True, slots=True)
class CachedResource:
    """A fetched resource as the cache keeps it (and the proxy serves it)."""

    url: str  # final URL after redirects (the base for a stylesheet's URLs)
    status: int
    content_type: str | None
    body: bytes
    headers: Mapping[str, str]  # the origin's headers, lower-case names
    expires: float  # monotonic time until which it is fresh

    @property
    def validators(self) -> dict[str, str]:
        out = {}
        if "etag" in self.headers:
            out["If-None-Match"] = self.headers["etag"]
        if "last-modified" in self.headers:
            out["If-Modified-Since"] = self.headers["last-modified"]
        return out


Loader = Callable[[Mapping[str, str]], Awaitable[FetchResult]]


class ResourceCache:
    """Shared LRU cache of proxied resources, bounded in bytes."""

    def __init__(self, max_bytes: int = 64_000_000, max_entry_bytes: int = 8_000_000) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple[str, str], CachedResource] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[tuple[str, str], asyncio.Task[CachedResource]] = {}
        self.hits = self.misses = self.revalidated = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._bytes

    async def get(self, url: str, kind: str, load: Loader) -> CachedResource:
        """The resource for (``url``, ``kind``): from the cache, revalidated, or loaded.

        ``load(extra_headers)`` fetches it (raising ``FetchError``); one load
        runs per key at a time, concurrent callers wait for it.
        """
        key = (url, kind)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > time.monotonic():
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        task = self._inflight.get(key)
        if task is None:
            # A task of its own: a requester that goes away does not cancel
            # the fetch the others wait for.
            task = asyncio.create_task(self._load(key, entry, load), name="resource-fetch")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    def _finished(self, key: tuple[str, str], task: asyncio.Task[CachedResource]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too: every waiter may have gone

    async def _load(
        self, key: tuple[str, str], stale: CachedResource | None, load: Loader
    ) -> CachedResource:
        validators = stale.validators if stale is not None else {}
        result = await load(validators)
        headers = {k.lower(): v for k, v in result.headers.items()}
        now = time.monotonic()
        if stale is not None and result.status == 304:
            self.revalidated += 1
            headers = {**stale.headers, **headers}  # the stored response, updated
            lifetime = freshness_lifetime(headers)
            entry = replace(stale, headers=headers, expires=now + (lifetime or 0.0))
        else:
            lifetime = freshness_lifetime(headers)
            self.misses += 1
            entry = CachedResource(
                result.url, result.status, result.content_type, result.body, headers, 0.0
            )
            entry = replace(entry, expires=now + (lifetime or 0.0))
        self._drop(key)
        if lifetime is not None and entry.status == 200 and result.body_read:
            self._store(key, entry)
        return entry

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)

    def _store(self, key: tuple[str, str], entry: CachedResource) -> None:
        if len(entry.body) > self.max_entry_bytes:
            return
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while self._bytes > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
