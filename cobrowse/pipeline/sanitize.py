"""The sanitizing walk: lxml tree in, snapshot tree out, in one pass.

The walk applies the tables in :mod:`cobrowse.pipeline.rules` and emits the
node-id tree directly. Elements are kept (allowed), unwrapped (unknown: the
children take their place) or dropped with their content; attributes are
kept, rewritten (URLs, styles) or dropped. No element, attribute or URL that
could run script or make the browser contact anything but the relay
survives: links become ``/link`` (the target is kept server-side in
``Page.links``), resources become what ``resource_url`` returns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any, Final, cast
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml.etree import _Element as Element

from cobrowse.pipeline.css import sanitize_style_attr, sanitize_stylesheet
from cobrowse.pipeline.rules import (
    CLOBBER_IDS,
    CLOBBER_NAMES,
    DROP_WITH_CONTENT,
    HOISTED_VOID,
    HTML_TAGS,
    LAZY_SRC_ATTRS,
    LAZY_SRCSET_ATTRS,
    MAX_DEPTH,
    SVG_ATTR_NAMES,
    SVG_TAGS,
    AttrKind,
    TagRule,
)
from cobrowse.pipeline.snapshot import LINK_TARGET, FormInfo, Page, ResourceUrl

__all__ = ["parse_srcset", "rewrite_srcset", "sanitize_document"]

_URL_STRIP: Final = "".join(map(chr, range(0x21)))  # C0 controls and space
_URL_REMOVE: Final = {9: None, 10: None, 13: None}  # ignored anywhere by URL parsers
_KEEP_LINK_SCHEMES: Final = frozenset({"mailto", "tel"})  # shown as "/link", not followed
_PLACEHOLDER_SRC: Final = ("data:", "about:blank")
_DATA_ARIA: Final = ("data-", "aria-")
# data-*/aria-* names the client's setAttribute() accepts (it throws on e.g. '"').
_DATA_ARIA_NAME: Final = re.compile(r"(?:data|aria)-[a-z0-9_.\-]+\Z")
_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_HTML: Final = dict(HTML_TAGS)  # plain dicts: the hot loop looks up every tag
_SVG: Final = dict(SVG_TAGS)
_SRCSET_SPACE: Final = " \t\n\r\f"
_DESCRIPTOR: Final = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[wxh]\Z")


def sanitize_document(root: Element, url: str, resource_url: ResourceUrl) -> Page:
    """Walk the parsed document ``root`` (an ``html`` element) once.

    ``url`` is the page's own URL: relative URLs resolve against it, and
    links to it with only a ``#fragment`` stay ``#fragment``. Returns the
    :class:`Page` with tree, title, links, forms and the removal counts.
    """
    walk = _Walk(url, resource_url)
    out: list[Any] = []
    walk.element(root, "html", HTML_TAGS["html"], out, 0, svg=False)
    return Page(url, walk.title or "", out[0], walk.links, walk.forms, walk.removed)


class _Walk:
    """State of one page's walk: id counter, caches, and what it recorded."""

    __slots__ = (
        "_abs",
        "_next_id",
        "_page",
        "_resource_url",
        "_scheme",
        "_styles",
        "forms",
        "links",
        "removed",
        "title",
        "url",
    )

    def __init__(self, url: str, resource_url: ResourceUrl) -> None:
        self.url = url
        self._page = urldefrag(url)[0]
        self._scheme = urlsplit(url).scheme.lower()
        self._resource_url = resource_url
        self._next_id = 1
        self._abs: dict[str, tuple[str, str] | None] = {}
        self._styles: dict[str, str] = {}
        self.links: dict[int, str] = {}
        self.forms: dict[int, FormInfo] = {}
        self.removed: Counter[str] = Counter()
        self.title: str | None = None

    # --- tree ---------------------------------------------------------------

    def content(self, el: Element, out: list[Any], depth: int, svg: bool, ws: bool) -> None:
        """Append the nodes for ``el``'s text and children to ``out``."""
        text = el.text
        if text and (ws or not text.isspace()):
            self.text(out, text)
        for child in el:
            tag = child.tag
            if type(tag) is str:  # comments/PIs/entities have non-str tags
                rule = (_SVG if svg else _HTML).get(tag)
                if rule is not None:
                    self.element(child, tag, rule, out, depth, svg)
                elif tag in DROP_WITH_CONTENT:
                    self.removed["element:" + tag] += 1
                    if tag in HOISTED_VOID:
                        self.content(child, out, depth, svg, ws)
                else:
                    self.removed["unwrap:" + tag[:40]] += 1
                    self.content(child, out, depth, svg, ws)
            tail = child.tail
            if tail and (ws or not tail.isspace()):
                self.text(out, tail)

    def text(self, out: list[Any], text: str) -> None:
        if out and len(out[-1]) == 2:  # merge with a preceding text node
            out[-1][1] += text
        else:
            out.append([self._next_id, text])
            self._next_id += 1

    def element(
        self, el: Element, tag: str, rule: TagRule, out: list[Any], depth: int, svg: bool
    ) -> None:
        """Append the node for an allowed element to ``out`` (unless dropped after all)."""
        if depth >= MAX_DEPTH:
            self.removed["depth"] += 1
            return
        if tag == "link" and not svg and not self.stylesheet_link(el):
            self.removed["element:link"] += 1
            return
        node_id = self._next_id
        self._next_id += 1
        # Parsed from str, names and values are str (the stubs also allow bytes).
        items = cast("list[tuple[str, str]]", el.items())
        attrs = self.attributes(el, tag, items, rule, node_id) if items else {}
        if tag == "form" and not svg:
            self.form(el, node_id, attrs)
        elif tag == "link":
            attrs["rel"] = "stylesheet"  # stylesheet_link() checked it is one
        children: list[Any] = []
        out.append([node_id, rule.name, attrs, children])
        if rule.void:
            self.content(el, out, depth, svg, True)
        elif tag == "style":
            css = sanitize_stylesheet(
                el.text or "", self.url, self._resource_url, removed=self.removed
            )
            if css:
                children.append([self._next_id, css])
                self._next_id += 1
        else:
            if tag == "title" and not svg and self.title is None:
                self.title = " ".join("".join(cast("list[str]", el.itertext())).split())
            self.content(el, children, depth + 1, rule.svg, not rule.skip_ws)

    # --- attributes ---------------------------------------------------------

    def attributes(
        self, el: Element, tag: str, items: list[tuple[str, str]], rule: TagRule, node_id: int
    ) -> dict[str, str]:
        """The emitted attributes of one element; records links for ``a``/``area``."""
        allowed = rule.attrs
        kinds = rule.kinds
        if tag in ("img", "source"):
            items = self.promote_lazy(items)
        attrs: dict[str, str] = {}
        for name, value in items:
            if name in allowed:
                kind = kinds.get(name)
                if kind is not None:
                    new = self.special(kind, name, value, tag, el, node_id)
                    if new is None:
                        continue
                    value = new
                elif rule.svg and "url(" in value.lower() and not _fragment_urls_only(value):
                    self.removed["url:svg-paint"] += 1
                    continue
                if rule.svg:
                    name = SVG_ATTR_NAMES.get(name, name)
                attrs[name] = value
            elif name.startswith(_DATA_ARIA) and _DATA_ARIA_NAME.match(name):
                attrs[name] = value
            else:
                self.removed["attr:" + name[:40]] += 1
        if tag == "input" and attrs.get("type", "").strip().lower() == "password":
            attrs.pop("value", None)
        return attrs

    def special(
        self, kind: str, name: str, value: str, tag: str, el: Element, node_id: int
    ) -> str | None:
        """Rewrite one attribute value of a special kind; None drops it."""
        if kind == AttrKind.CSS:
            return self.style(value)
        if kind == AttrKind.ID or kind == AttrKind.NAME:
            if value in (CLOBBER_IDS if kind == AttrKind.ID else CLOBBER_NAMES):
                self.removed["attr:clobber"] += 1
                return None
            return value
        if kind == AttrKind.NAV:
            return self.link(value, node_id)
        if kind == AttrKind.FORM:
            return None  # handled by form(), which also records the target
        if kind == AttrKind.SRCSET:
            return rewrite_srcset(value, lambda raw: self.resource(raw, "image"))
        if kind == AttrKind.FRAGMENT:
            return _fragment(value)
        # What is left are resource kinds (image, media, style).
        if tag == "input" and (el.get("type") or "").strip().lower() != "image":
            return None  # only image buttons load their src
        return self.resource(value, kind)

    def promote_lazy(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Lazy-loading images: data-src/data-srcset become src/srcset when needed."""
        attrs = dict(items)
        src = attrs.get("src", "").strip()
        if not src or src.lower().startswith(_PLACEHOLDER_SRC):
            for lazy in LAZY_SRC_ATTRS:
                if attrs.get(lazy):
                    attrs["src"] = attrs.pop(lazy)
                    break
        if not attrs.get("srcset", "").strip():
            for lazy in LAZY_SRCSET_ATTRS:
                if attrs.get(lazy):
                    attrs["srcset"] = attrs.pop(lazy)
                    break
        return list(attrs.items())

    def style(self, value: str) -> str | None:
        css = self._styles.get(value)
        if css is None:
            css = sanitize_style_attr(value, self.url, self._resource_url, removed=self.removed)
            self._styles[value] = css
        return css or None

    # --- URLs ---------------------------------------------------------------

    def resolve(self, raw: str) -> tuple[str, str] | None:
        """(absolute URL, lower-case scheme) for an attribute value, cached per page."""
        try:
            return self._abs[raw]
        except KeyError:
            pass
        value = raw.strip(_URL_STRIP).translate(_URL_REMOVE)
        # A relative URL inherits the page's scheme; no need to split the result.
        match = _SCHEME.match(value)
        scheme = match.group(1).lower() if match else self._scheme
        result: tuple[str, str] | None
        end = match.end() if match else 0
        if end and scheme in ("http", "https") and value.startswith("//", end) and "[" not in value:
            result = (scheme + value[end - 1 :], scheme)  # absolute already (IPv6 goes urljoin)
        else:
            try:
                result = (urljoin(self.url, value), scheme)
            except ValueError:
                result = None
        self._abs[raw] = result
        return result

    def resource(self, raw: str, kind: str) -> str | None:
        resolved = self.resolve(raw)
        if resolved is None or resolved[1] not in ("http", "https"):
            self.removed["url:" + (resolved[1] if resolved else "invalid")[:20]] += 1
            return None
        new = self._resource_url(resolved[0], kind)
        if new is None:
            self.removed["url:refused"] += 1
        return new

    def link(self, raw: str, node_id: int) -> str | None:
        value = raw.strip(_URL_STRIP).translate(_URL_REMOVE)
        if value.startswith("#"):
            return value
        resolved = self.resolve(raw)
        if resolved is None:
            self.removed["url:invalid"] += 1
            return None
        absolute, scheme = resolved
        if scheme in ("http", "https"):
            if "#" in absolute:
                target, fragment = urldefrag(absolute)
                if fragment and target == self._page:
                    return "#" + fragment
            self.links[node_id] = absolute
            return LINK_TARGET
        if scheme in _KEEP_LINK_SCHEMES:
            return LINK_TARGET
        self.removed["url:" + scheme[:20]] += 1
        return None

    def form(self, el: Element, node_id: int, attrs: dict[str, str]) -> None:
        """Record where a form submits; its action becomes ``/link``."""
        method = "post" if (el.get("method") or "").strip().lower() == "post" else "get"
        attrs["method"] = method
        resolved = self.resolve(el.get("action") or "")
        if resolved is None or resolved[1] not in ("http", "https"):
            self.removed["url:" + (resolved[1] if resolved else "invalid")[:20]] += 1
            return
        self.forms[node_id] = FormInfo(method, urldefrag(resolved[0])[0])
        attrs["action"] = LINK_TARGET

    def stylesheet_link(self, el: Element) -> bool:
        """Only ``<link rel=stylesheet href=…>`` is kept (rewritten in attributes())."""
        rel = (el.get("rel") or "").lower().split()
        return rel == ["stylesheet"] and bool((el.get("href") or "").strip())


def _fragment(value: str) -> str | None:
    value = value.strip(_URL_STRIP)
    return value if value.startswith("#") and len(value) > 1 else None


def _fragment_urls_only(value: str) -> bool:
    """True if every ``url(`` in an SVG attribute value is a same-document reference."""
    parts = value.lower().split("url(")[1:]
    return all(part.lstrip(" \t\n\"'").startswith("#") for part in parts)


def parse_srcset(value: str) -> list[tuple[str, list[str]]]:
    """Split a ``srcset`` value into (URL, descriptors) like the HTML standard.

    URLs may contain commas (only a trailing comma ends one); descriptors run
    to the next comma outside parentheses.
    """
    candidates: list[tuple[str, list[str]]] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos] in _SRCSET_SPACE or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and value[pos] not in _SRCSET_SPACE:
            pos += 1
        url = value[start:pos]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start, parens = pos, 0
            while pos < end and (value[pos] != "," or parens):
                if value[pos] == "(":
                    parens += 1
                elif value[pos] == ")" and parens:
                    parens -= 1
                pos += 1
            descriptors = value[start:pos].split()
            pos += 1
        if url:
            candidates.append((url, descriptors))
    return candidates


def rewrite_srcset(value: str, rewrite: Callable[[str], str | None]) -> str | None:
    """Rewrite every candidate URL of a ``srcset`` with ``rewrite``.

    Candidates whose URL ``rewrite`` refuses (None) or whose descriptors are
    not plain ``<number>w|x|h`` are left out; None if no candidate is left.
    """
    out: list[str] = []
    for url, descriptors in parse_srcset(value):
        if not all(_DESCRIPTOR.match(d) for d in descriptors):
            continue
        new = rewrite(url)
        if new is not None:
            out.append(" ".join([new, *descriptors]))
    return ", ".join(out) or None
