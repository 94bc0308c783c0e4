"""``<noscript>``: keep the fallback, drop the "JavaScript is off" warnings.

Participants' browsers run the relay's client, not the page's scripts, so a
browser shows ``<noscript>`` content in the mirror (the walk unwraps it).
Some of it is worth having: a fallback image or menu, a text alternative.
Much of it is false and alarming for a citizen on the phone: „JavaScript ist
in Ihrem Browser ausgeschaltet“. :func:`clean_noscript` decides by content,
on the parsed tree before the walk:

* a block whose text says JavaScript is off or needed (German or English,
  :data:`_JAVASCRIPT` plus :data:`_NEEDED`), that is short and holds no
  fallback content (images, forms, tables, lists, more than a link or two)
  is dropped — the whole ``<noscript>`` or only the warning
  paragraph inside a block that also has fallback content;
* tracking pixels (1×1 or hidden images, counter and analytics addresses)
  are dropped whatever the switch says: the relay must not count as a visitor;
* an image that repeats a lazy image of the page (``<img data-src=a.jpg>
  <noscript><img src=a.jpg></noscript>``) is dropped, since the lazy one is
  shown (:mod:`.lazy`), and so is a ``<style>`` that only hides lazy images.

Everything kept still goes through the walk like any other content.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from lxml.etree import _Element as Element

from cobrowse.pipeline.prune import drop_element

__all__ = ["clean_noscript", "is_javascript_warning", "is_tracking_pixel"]

_JAVASCRIPT: Final = re.compile(r"java\s?-?script|(?<![a-z])js(?![a-z])", re.IGNORECASE)
_NEEDED: Final = re.compile(
    r"aktivier|deaktivier|ausgeschaltet|abgeschaltet|ausgestellt|eingeschaltet|einschalten"
    r"|anschalten|erlaub|zulass|benötig|erforder|notwendig|voraussetz|nicht aktiv"
    r"|unterstütz|ohne|nur eingeschränkt|disabled|enable|turn(?:ed)? (?:on|off)|switched off"
    r"|requir|needs?\b|not (?:available|supported|enabled|active)|allow|without",
    re.IGNORECASE,
)
# A warning is a sentence or two; longer text is content that mentions JavaScript.
_MAX_WARNING_CHARS: Final = 600
# Elements that make a block fallback content rather than a warning.
_CONTENT_TAGS: Final = frozenset(
    "img picture video audio svg form input select textarea button table iframe object "
    "embed canvas map ul ol li dl nav".split()
)
# A short warning may link elsewhere in its sentence ("Please enable JavaScript
# to view the <a>comments powered by …</a>"); more links are a fallback menu.
_MAX_LINKS_IN_WARNING: Final = 2
_MAX_LINKED_WARNING_CHARS: Final = 300
# Blocks inside a <noscript> that may be a warning of their own.
_TEXT_BLOCKS: Final = frozenset(
    "p div span strong b em i u small font center h1 h2 h3 h4 h5 h6 li ul ol dl dd dt "
    "section article aside header footer blockquote address".split()
)
_TRACKER_URL: Final = re.compile(
    r"matomo|piwik|/pixel|pixel\.|beacon|/collect|/track|tracking|/tr[/?]|analytics"
    r"|googletagmanager|doubleclick|facebook\.com/tr|(?<![a-z])stats?[./]|counter|/count"
    r"|ivwbox|ioam\.de|szm\.de|vgwort|etracker|webtrekk|/wt[/?]|/ping|/hit[/?.]",
    re.IGNORECASE,
)
_TINY: Final = frozenset({"0", "1", "0px", "1px"})
_HIDDEN_STYLE: Final = re.compile(
    r"display:none|visibility:hidden|(?:width|height):[01](?:px)?(?:;|$)", re.IGNORECASE
)


def _text(el: Element) -> str:
    return " ".join("".join(el.itertext()).split())  # type: ignore[arg-type]


def is_javascript_warning(text: str) -> bool:
    """True if ``text`` (one block's text) says JavaScript is off or needed."""
    return (
        0 < len(text) <= _MAX_WARNING_CHARS
        and _JAVASCRIPT.search(text) is not None
        and _NEEDED.search(text) is not None
    )


def is_tracking_pixel(img: Element) -> bool:
    """True for an image that only counts a visit: 0/1 pixel, hidden, or a counter's address."""
    if (img.get("width") or "").strip().lower() in _TINY:
        return True
    if (img.get("height") or "").strip().lower() in _TINY:
        return True
    if _HIDDEN_STYLE.search("".join((img.get("style") or "").split())):
        return True
    return _TRACKER_URL.search(img.get("src") or "") is not None


def _help_link(link: Element) -> bool:
    """A link in a warning that explains how to switch JavaScript on."""
    return bool(_JAVASCRIPT.search(link.get("href") or "") or _JAVASCRIPT.search(_text(link)))


def _only_warning(el: Element) -> bool:
    """True if ``el`` is a JavaScript warning with no fallback content in it."""
    links = 0
    for inner in el.iter():
        tag = inner.tag
        if tag in _CONTENT_TAGS:
            return False
        if tag == "a" and not _help_link(inner):
            links += 1
    text = _text(el)
    if links and (links > _MAX_LINKS_IN_WARNING or len(text) > _MAX_LINKED_WARNING_CHARS):
        return False
    return is_javascript_warning(text)


def _prune_warnings(el: Element, removed: Counter[str]) -> None:
    """Drop the warning blocks inside ``el`` (which has fallback content too)."""
    if el.text and is_javascript_warning(" ".join(el.text.split())):
        el.text = None
        removed["element:noscript-warning"] += 1
    for child in list(el):
        if not isinstance(child.tag, str):
            continue
        if child.tail and is_javascript_warning(" ".join(child.tail.split())):
            child.tail = None
            removed["element:noscript-warning"] += 1
        if child.tag in _TEXT_BLOCKS and _only_warning(child):
            drop_element(child)
            removed["element:noscript-warning"] += 1
        else:
            _prune_warnings(child, removed)


def _lazy_addresses(root: Element, names: tuple[str, ...]) -> set[str]:
    """Every lazy address (``data-src`` …) of the page's images outside ``<noscript>``."""
    found: set[str] = set()
    for img in root.iter("img", "source"):
        for name in names:
            value = (img.get(name) or "").strip()
            if value:
                found.add(value)
                found.update(part.split()[0] for part in value.split(",") if part.split())
    return found


def clean_noscript(
    root: Element,
    removed: Counter[str],
    *,
    warnings: bool = True,
    lazy_names: tuple[str, ...] = (),
) -> None:
    """Clean every ``<noscript>`` under ``root`` in place (see the module docstring).

    ``warnings`` False keeps the JavaScript warnings (the operator turned
    that off); ``lazy_names`` are the lazy-image attribute names whose
    addresses a fallback image may repeat (empty: lazy images are not
    promoted, so fallback images stay). Counts ``element:noscript-…``.
    """
    blocks = list(root.iter("noscript"))
    if not blocks:
        return
    lazy: set[str] | None = None
    for block in blocks:
        if block.getparent() is None:
            continue
        for inner in list(block.iter("img", "style")):
            if inner.tag == "style":
                css = (inner.text or "").lower()
                if lazy_names and ("lazy" in css or any(n in css for n in lazy_names)):
                    drop_element(inner)
                    removed["element:noscript-lazy-style"] += 1
            elif is_tracking_pixel(inner):
                drop_element(inner)
                removed["element:noscript-pixel"] += 1
            elif lazy_names:
                if lazy is None:
                    lazy = _lazy_addresses(root, lazy_names)
                if (inner.get("src") or "").strip() in lazy:
                    drop_element(inner)
                    removed["element:noscript-lazy-copy"] += 1
        if not warnings:
            continue
        if _only_warning(block):
            drop_element(block)
            removed["element:noscript-warning"] += 1
        else:
            _prune_warnings(block, removed)
