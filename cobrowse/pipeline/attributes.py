"""Attribute handling of the sanitizing walk: which attributes an element keeps.

Each attribute is kept, rewritten or dropped by the tables in
:mod:`cobrowse.pipeline.tables` (as patched by the page's
:class:`~cobrowse.pipeline.site_rules.PageRules`): plain names are kept,
``data-*``/``aria-*`` names the client can set are kept unless the host
forbids them, links become ``/link`` targets, resource URLs, ``srcset`` and
styles are rewritten, clobbering ids/names and everything else are dropped
and counted. Lazy-loading images get their real ``src``/``srcset`` first.

:class:`AttributeRewriter` is a mixin of the walk
(:class:`cobrowse.pipeline.sanitize._Walk`) rather than a separate object, so
the hot loop calls these as plain methods of the walk, with no extra layer.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from lxml.etree import _Element as Element

from cobrowse.pipeline.href_copy import HREF_COPY_ATTR, href_copy
from cobrowse.pipeline.lazy import promote_lazy
from cobrowse.pipeline.page import ResourceUrl
from cobrowse.pipeline.site_rules import PageRules
from cobrowse.pipeline.srcset import rewrite_srcset
from cobrowse.pipeline.style_cache import cached_style_attr
from cobrowse.pipeline.tables import CLOBBER_IDS, CLOBBER_NAMES, SVG_ATTR_NAMES, AttrKind, TagRule
from cobrowse.pipeline.urls import PageUrls, fragment_only

__all__ = ["AttributeRewriter"]

_DATA_ARIA: Final = ("data-", "aria-")
# data-*/aria-* names the client's setAttribute() accepts (it throws on e.g. '"').
_DATA_ARIA_NAME: Final = re.compile(r"(?:data|aria)-[a-z0-9_.\-]+\Z")
_RESOURCE_KINDS: Final = frozenset({AttrKind.IMAGE, AttrKind.MEDIA, AttrKind.STYLESHEET})


class AttributeRewriter:
    """The attribute methods of the walk; the walk's ``__init__`` sets the state below."""

    __slots__ = ()

    # Set by the walk (slots of the subclass): the page URL, its rules, the
    # URL rewriter, the per-page style cache and the removal counts.
    url: str
    _rules: PageRules
    urls: PageUrls
    _resource_url: ResourceUrl
    _styles: dict[str, str]
    removed: Counter[str]

    def attributes(
        self, el: Element, tag: str, items: list[tuple[str, str]], rule: TagRule, node_id: int
    ) -> dict[str, str]:
        """The emitted attributes of one element; records links for ``a``/``area``."""
        allowed = rule.attrs
        kinds = rule.kinds
        svg = rule.ns == "svg"
        if tag == "img" or tag == "source":
            items = self.promote_lazy(items)
        attrs: dict[str, str] = {}
        href: str | None = None
        for name, value in items:
            if name in allowed:
                kind = kinds.get(name)
                if kind is None:
                    pass  # plain: kept as it is
                elif kind == AttrKind.NAV:  # the most common kind by far (a href)
                    href = value
                    new = self.urls.link(value, node_id)
                    if new is None:
                        continue
                    value = new
                else:
                    new = self.special(kind, value, tag, el)
                    if new is None:
                        continue
                    value = new
                if svg:
                    # "url(" in the lower-cased value implies "(" in the value.
                    if (
                        kind is None
                        and "(" in value
                        and "url(" in value.lower()
                        and not _fragment_urls_only(value)
                    ):
                        self.removed["url:svg-paint"] += 1
                        continue
                    name = SVG_ATTR_NAMES.get(name, name)
                attrs[name] = value
            elif (
                name.startswith(_DATA_ARIA)
                and _DATA_ARIA_NAME.match(name)
                and name not in self._rules.forbid_attributes
            ):
                attrs[name] = value
            else:
                self.removed["attr:" + name[:40]] += 1
        if href is not None:  # CSS may select on the address (see .href_copy)
            attrs[HREF_COPY_ATTR] = href_copy(href)
        if tag == "input" and attrs.get("type", "").strip().lower() == "password":
            attrs.pop("value", None)
        return attrs

    def rewrite_attributes(
        self,
        el: Element,
        tag: str,
        items: list[tuple[str, str]],
        attrs: dict[str, str],
        rule: TagRule,
        node_id: int,
    ) -> None:
        """attributes() for an element with ``rule.plain``: ``attrs`` is ``dict(items)``,
        and the names in it that are not plain are rewritten or dropped in place."""
        plain = rule.plain
        allowed = rule.attrs
        kinds = rule.kinds
        for name, value in items:
            if name in plain:
                continue
            if name not in allowed:
                if not (
                    name.startswith(_DATA_ARIA)
                    and _DATA_ARIA_NAME.match(name)
                    and name not in self._rules.forbid_attributes
                ):
                    self.removed["attr:" + name[:40]] += 1
                    del attrs[name]
                continue
            kind = kinds[name]  # allowed but not plain: it has a kind
            if kind == AttrKind.NAV:
                new = self.urls.link(value, node_id)
                attrs[HREF_COPY_ATTR] = href_copy(value)  # after the others, as attributes() does
            else:
                new = self.special(kind, value, tag, el)
            if new is None:
                del attrs[name]
            else:
                attrs[name] = new

    def special(self, kind: str, value: str, tag: str, el: Element) -> str | None:
        """Rewrite one attribute value of a special kind but NAV (links); None drops it."""
        if kind == AttrKind.ID or kind == AttrKind.NAME:
            if value in (CLOBBER_IDS if kind == AttrKind.ID else CLOBBER_NAMES):
                self.removed["attr:clobber"] += 1
                return None
            return value
        if kind == AttrKind.CSS:
            return self.style(value)
        if kind == AttrKind.FORM:
            return None  # handled by form(), which also records the target
        if kind == AttrKind.SRCSET:
            return rewrite_srcset(value, lambda raw: self.urls.resource(raw, "image"))
        if kind == AttrKind.FRAGMENT:
            return fragment_only(value)
        if kind in _RESOURCE_KINDS:
            if tag == "input" and (el.get("type") or "").strip().lower() != "image":
                return None  # only image buttons load their src
            return self.urls.resource(value, kind)
        return None  # a kind this walk does not know is never emitted

    def promote_lazy(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Lazy-loading images: their real address becomes src/srcset (:mod:`.lazy`)."""
        rules = self._rules
        if not rules.promote_lazy_images:
            return items
        return promote_lazy(items, rules.lazy_src, rules.lazy_srcset)

    def style(self, value: str) -> str | None:
        css = self._styles.get(value)
        if css is None:
            css = cached_style_attr(value, self.url, self._resource_url, self.removed)
            self._styles[value] = css
        return css or None


def _fragment_urls_only(value: str) -> bool:
    """True if every ``url(`` in an SVG attribute value is a same-document reference."""
    parts = value.lower().split("url(")[1:]
    return all(part.lstrip(" \t\n\"'").startswith("#") for part in parts)
