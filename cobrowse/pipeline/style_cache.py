"""A bounded, shared cache of sanitized stylesheets, stored as templates.

Sanitizing CSS with tinycss2 is the slowest step of the pipeline (pure
Python), and the same stylesheets come back all the time: every page of a
site carries the same inline ``<style>``, every participant's browser asks
the proxy for the same ``site.css``. The sanitized text differs per
co-browsing session only in the resource URLs (signed, session-bound
tokens), so the cache stores a *template*: the sanitized text with
placeholders where resource URLs go, and the absolute URLs and kinds that
belong there. A hit asks the caller's ``resource_url`` for each URL again,
so tokens are always the current session's.

A hit is only used when ``resource_url`` accepts every URL it accepted when
the template was made; otherwise the stylesheet is sanitized afresh (a
refused URL drops its whole declaration, which a template cannot replay).
The cache is keyed by (kind of text, hash of the text, base URL), bounded in
entries and in characters, least recently used out first, and safe to use
from the executor threads ``build_page`` runs in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Final

from cobrowse.pipeline.css import css_string, sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.page import ResourceUrl

__all__ = ["StyleCache", "cached_style_attr", "cached_stylesheet"]

# Private-use characters around a per-process random nonce: page CSS cannot
# contain a placeholder it could not know, and tinycss2 keeps them verbatim.
_NONCE: Final = secrets.token_hex(8)
_MARK: Final = re.compile("\ue000" + _NONCE + r"(\d+)\ue001")
# Sheets shorter than this share the cache of the many small style attributes.
# Even they are worth caching: a 120-character <style> costs ~160 µs in
# tinycss2, a hit ~3.5 µs.
_SMALL_SHEET_CHARS: Final = 256


@dataclass(frozen=True, slots=True)
class _Template:
    parts: tuple[str, ...]  # len(urls) + 1 pieces of sanitized text
    urls: tuple[tuple[str, str], ...]  # (absolute URL, kind) between the pieces
    removed: tuple[tuple[str, int], ...]
    size: int


class StyleCache:
    """LRU of sanitized stylesheet templates, bounded in entries and characters."""

    def __init__(self, max_entries: int = 2048, max_chars: int = 32_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[tuple[bool, bytes, str], _Template] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def sanitize(
        self,
        text: str,
        base_url: str,
        resource_url: ResourceUrl,
        removed: Counter[str] | None,
        *,
        attr: bool,
    ) -> str:
        """Sanitize ``text`` (a stylesheet, or a style attribute if ``attr``).

        The result is exactly what ``sanitize_stylesheet``/``sanitize_style_attr``
        return for the same arguments; ``removed`` gets the same counts.
        """
        key = (
            attr,
            hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
            base_url,
        )
        with self._lock:
            template = self._entries.get(key)
            if template is not None:
                self._entries.move_to_end(key)
        if template is not None:
            result = _fill(template, resource_url)
            if result is not None:
                self.hits += 1
                if removed is not None:
                    removed.update(dict(template.removed))
                return result
        self.misses += 1
        template, result = _make(text, base_url, resource_url, attr=attr)
        if removed is not None:
            removed.update(dict(template.removed))
        if template.size <= self.max_chars // 8:
            self._store(key, template)
        return result

    def _store(self, key: tuple[bool, bytes, str], template: _Template) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._chars -= old.size
            self._entries[key] = template
            self._chars += template.size
            while self._entries and (
                len(self._entries) > self.max_entries or self._chars > self.max_chars
            ):
                _, dropped = self._entries.popitem(last=False)
                self._chars -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


def _make(
    text: str, base_url: str, resource_url: ResourceUrl, *, attr: bool
) -> tuple[_Template, str]:
    """Sanitize once with placeholders recorded; returns the template and the real text."""
    urls: list[tuple[str, str]] = []
    real: list[str] = []

    def record(url: str, kind: str) -> str | None:
        new = resource_url(url, kind)
        if new is None:
            return None
        real.append(new)
        urls.append((url, kind))
        return f"\ue000{_NONCE}{len(urls) - 1}\ue001"

    removed: Counter[str] = Counter()
    sanitize = sanitize_style_attr if attr else sanitize_stylesheet
    marked = sanitize(text, base_url, record, removed=removed)
    pieces = _MARK.split(marked)
    # split() alternates text and captured indices: text, i, text, i, ..., text
    parts = tuple(pieces[0::2])
    order = [int(i) for i in pieces[1::2]]
    ordered = tuple(urls[i] for i in order)
    result = parts[0] + "".join(_escape(real[i]) + p for i, p in zip(order, parts[1:], strict=True))
    size = sum(map(len, parts)) + sum(len(u) for u, _ in ordered)
    return _Template(parts, ordered, tuple(removed.items()), size), result


def _fill(template: _Template, resource_url: ResourceUrl) -> str | None:
    out = [template.parts[0]]
    for (url, kind), part in zip(template.urls, template.parts[1:], strict=True):
        new = resource_url(url, kind)
        if new is None:
            return None
        out.append(_escape(new))
        out.append(part)
    return "".join(out)


def _escape(url: str) -> str:
    """The URL as it appears inside the quoted CSS string css.py writes."""
    return css_string(url)[1:-1]


# Two caches, so that the many small texts of a page (style attributes, short
# <style> elements) never push the few big stylesheets out.
_SHEETS: Final = StyleCache()
_SMALL: Final = StyleCache(max_entries=20_000, max_chars=4_000_000)


def cached_stylesheet(
    text: str, base_url: str, resource_url: ResourceUrl, removed: Counter[str] | None = None
) -> str:
    """``sanitize_stylesheet`` through the process-wide cache."""
    cache = _SHEETS if len(text) >= _SMALL_SHEET_CHARS else _SMALL
    return cache.sanitize(text, base_url, resource_url, removed, attr=False)


def cached_style_attr(
    text: str, base_url: str, resource_url: ResourceUrl, removed: Counter[str] | None = None
) -> str:
    """``sanitize_style_attr`` through the process-wide cache."""
    return _SMALL.sanitize(text, base_url, resource_url, removed, attr=True)
