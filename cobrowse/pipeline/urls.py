"""URL resolution and rewriting for one page: links, form targets, resources.

Every URL-bearing attribute value goes through :class:`PageUrls`: it is
cleaned as browsers clean it (C0 controls and spaces at the ends, tab/LF/CR
anywhere, so ``java\tscript:`` and ``&#10;javascript:`` are seen for what
they are), resolved against the page's own URL (``<base>`` is ignored),
and then either becomes a relay URL or is dropped. Links to other pages
become ``/link`` and their target is recorded by node id; resources become
what ``resource_url`` returns (a signed ``/r/`` token), or stay inline if
they are small raster ``data:`` images. Resolution is cached per page, and
so is ``resource_url``'s answer per (URL, kind): :meth:`PageUrls.resource_url`
is what the rest of the page's walk (srcset, CSS) calls.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Final
from urllib.parse import urldefrag, urljoin, urlsplit

from cobrowse.pipeline.page import LINK_TARGET, ResourceUrl

__all__ = ["MAX_DATA_URL_BYTES", "PageUrls", "clean_url", "fragment_only", "small_data_image"]

_URL_STRIP: Final = "".join(map(chr, range(0x21)))  # C0 controls and space
_URL_REMOVE: Final = {9: None, 10: None, 13: None}  # ignored anywhere by URL parsers
_KEEP_LINK_SCHEMES: Final = frozenset({"mailto", "tel"})  # shown as "/link", not followed
_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_HTTP: Final = ("http", "https")
_HTTP_ABSOLUTE: Final = ("https://", "http://")
# Inline raster images that may stay as they are (no request, no script).
_DATA_IMAGE_TYPES: Final = (
    "data:image/png",
    "data:image/gif",
    "data:image/jpeg",
    "data:image/webp",
)
MAX_DATA_URL_BYTES: Final = 32 * 1024


def small_data_image(url: str) -> bool:
    """True for a cleaned ``data:`` URL of a PNG/GIF/JPEG/WebP image of at most
    :data:`MAX_DATA_URL_BYTES`: kept inline (in attributes and CSS) instead of
    being dropped."""
    low = url[:32].lower()
    if not low.startswith(_DATA_IMAGE_TYPES):
        return False
    head, _, payload = url.partition(",")
    size = len(payload) * 3 // 4 if head.lower().endswith(";base64") else len(payload)
    return size <= MAX_DATA_URL_BYTES


def clean_url(raw: str) -> str:
    """What URL parsers see: no C0/space at the ends, no tab/LF/CR anywhere."""
    value = raw.strip(_URL_STRIP)
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.translate(_URL_REMOVE)
    return value


def fragment_only(value: str) -> str | None:
    """``value`` if it is a same-document reference (``#id``), else None."""
    value = value.strip(_URL_STRIP)
    return value if value.startswith("#") and len(value) > 1 else None


@lru_cache(maxsize=1024)
def _page_bases(url: str) -> tuple[str, str, str, str]:
    """(URL without fragment, lower-case scheme, origin, directory) of a page URL."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    return urldefrag(url)[0], parts.scheme.lower(), origin, origin + path[: path.rfind("/") + 1]


class PageUrls:
    """The URLs of one page: resolution cache, recorded links, removal counts."""

    __slots__ = (
        "_abs",
        "_dir",
        "_origin",
        "_page",
        "_relayed",
        "_resource_url",
        "_scheme",
        "links",
        "removed",
        "url",
    )

    def __init__(self, url: str, resource_url: ResourceUrl, removed: Counter[str]) -> None:
        self.url = url
        self._page, self._scheme, self._origin, self._dir = _page_bases(url)
        self._resource_url = resource_url
        self._abs: dict[str, tuple[str, str] | None] = {}
        self._relayed: dict[tuple[str, str], str | None] = {}
        self.links: dict[int, str] = {}
        self.removed = removed

    def resource_url(self, url: str, kind: str) -> str | None:
        """The page's ``resource_url``, asked once per distinct (URL, kind).

        Pages repeat resources (icons, spacers, the same background); the
        answer for one page's build is the same each time (see ResourceUrl).
        """
        key = (url, kind)
        if key in self._relayed:
            return self._relayed[key]
        new = self._relayed[key] = self._resource_url(url, kind)
        return new

    def resolve(self, raw: str) -> tuple[str, str] | None:
        """(absolute URL, lower-case scheme) for an attribute value, cached per page."""
        if raw in self._abs:  # no try/except: most values are seen once, and raising is slow
            return self._abs[raw]
        value = clean_url(raw)
        result: tuple[str, str] | None
        if value.startswith(_HTTP_ABSOLUTE) and "[" not in value:
            # What the "absolute already" branch below returns, without the regex.
            result = (value, "https" if value[4] == "s" else "http")
            self._abs[raw] = result
            return result
        # A scheme starts with a letter: root-relative paths need no regex.
        match = None if value[:1] == "/" else _SCHEME.match(value)
        if match is None and "/." not in value and "\\" not in value and value[:1] not in "?#.":
            # The common relative forms, without urljoin's cost (same result).
            if value[:1] != "/":
                result = (self._dir + value, self._scheme)
            elif value[1:2] != "/":
                result = (self._origin + value, self._scheme)
            else:
                result = self._join(value, self._scheme)
        else:
            scheme = match.group(1).lower() if match else self._scheme
            end = match.end() if match else 0
            if end and scheme in _HTTP and value.startswith("//", end) and "[" not in value:
                result = (scheme + value[end - 1 :], scheme)  # absolute already
            else:
                result = self._join(value, scheme)
        self._abs[raw] = result
        return result

    def _join(self, value: str, scheme: str) -> tuple[str, str] | None:
        try:
            return (urljoin(self.url, value), scheme)
        except ValueError:  # e.g. a broken IPv6 host
            return None

    def resource(self, raw: str, kind: str) -> str | None:
        """The relay URL for a resource (or a small inline raster image); None drops it."""
        if kind == "image" and raw[:40].lstrip(_URL_STRIP)[:5].lower() == "data:":
            value = clean_url(raw)
            if small_data_image(value) and "," in value:
                return value  # PNG/GIF/JPEG/WebP up to 32 KiB: no request, no script
            self.removed["url:data"] += 1
            return None
        resolved = self.resolve(raw)
        if resolved is None or resolved[1] not in _HTTP:
            self.removed["url:" + (resolved[1] if resolved else "invalid")[:20]] += 1
            return None
        new = self.resource_url(resolved[0], kind)
        if new is None:
            self.removed["url:refused"] += 1
        return new

    def link(self, raw: str, node_id: int) -> str | None:
        """``#fragment`` stays; an http(s) target becomes ``/link`` (recorded for
        ``node_id``), as do mailto:/tel: (not followed); anything else is dropped."""
        if raw[:1] == "#":
            return clean_url(raw)
        if raw[:1] <= " " and clean_url(raw)[:1] == "#":
            return clean_url(raw)
        resolved = self.resolve(raw)
        if resolved is None:
            self.removed["url:invalid"] += 1
            return None
        absolute, scheme = resolved
        if scheme in _HTTP:
            if "#" in absolute:
                try:
                    target, fragment = urldefrag(absolute)
                except ValueError:  # e.g. "]" in the host: no URL to follow
                    self.removed["url:invalid"] += 1
                    return None
                if fragment and target == self._page:
                    return "#" + fragment
            self.links[node_id] = absolute
            return LINK_TARGET
        if scheme in _KEEP_LINK_SCHEMES:
            return LINK_TARGET
        self.removed["url:" + scheme[:20]] += 1
        return None

    def form_action(self, raw: str) -> str | None:
        """The absolute http(s) URL a form submits to (fragment dropped), else None."""
        resolved = self.resolve(raw)
        if resolved is None or resolved[1] not in _HTTP:
            self.removed["url:" + (resolved[1] if resolved else "invalid")[:20]] += 1
            return None
        try:
            return urldefrag(resolved[0])[0]
        except ValueError:  # e.g. "]" in the host
            self.removed["url:invalid"] += 1
            return None
