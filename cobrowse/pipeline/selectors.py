"""CSS selectors of the operator's rules and the widget presets, compiled once.

lxml's ``cssselect`` support turns a selector into XPath; the compiled
selector is cached, so a rule costs one compilation per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cssselect import HTMLTranslator, SelectorError, parse
from cssselect.parser import Attrib, Class, CombinedSelector, Hash
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from lxml.etree import _Element as Element

__all__ = ["Candidate", "select", "select_among", "selector_problem"]

# An element and its attribute names (``el.keys()``), as one search found it.
Candidate = tuple[Element, Sequence[str]]


@lru_cache(maxsize=512)
def _compile(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def selector_problem(text: str) -> str | None:
    """Why ``text`` is not a usable CSS selector (English, for the config error), or None."""
    if not text.strip():
        return "an empty selector"
    try:
        _compile(text)
    except SelectorError as exc:
        return f"not a CSS selector lxml understands ({exc})"
    return None


def select(selector: str, root: Element) -> list[Element]:
    """The elements under ``root`` (itself included) that match ``selector``."""
    result = _compile(selector)(root)
    return [el for el in result if isinstance(el, Element)] if isinstance(result, list) else []


@lru_cache(maxsize=128)
def _split(selector: str) -> tuple[XPath | None, XPath | None, frozenset[str] | None]:
    """``selector``'s simple parts as one test of the context element itself,
    and its parts with combinators as one search from the root; and for the
    simple parts, attribute names of which a matching element has at least
    one (None: no such name for some part, test every element)."""
    translator = HTMLTranslator()
    own, deep = [], []
    needs: set[str] | None = set()
    for part in parse(selector):
        xpath = translator.selector_to_xpath(part, prefix="self::")
        if "/" in xpath:  # a combinator (or a "/" in a value): search the tree
            deep.append(translator.selector_to_xpath(part))
            continue
        own.append(xpath)
        name = _needed_attribute(part.parsed_tree)
        if name is None or needs is None:
            needs = None
        else:
            needs.add(name)
    return (
        XPath(" | ".join(own)) if own else None,
        XPath(" | ".join(deep)) if deep else None,
        frozenset(needs) if needs is not None else None,
    )


def _needed_attribute(tree: Any) -> str | None:
    """An attribute every element matching the compound selector ``tree`` has:
    ``[name…]`` (but ``!=``, which also matches its absence), ``class`` for
    ``.x``, ``id`` for ``#x``; None if there is none (or a combinator)."""
    node = tree
    while node is not None and not isinstance(node, CombinedSelector):
        if isinstance(node, Attrib) and node.namespace is None and node.operator != "!=":
            name: str = node.attrib
            return name.lower()  # HTML attribute names are lower-case in the tree
        if isinstance(node, Class):
            return "class"
        if isinstance(node, Hash):
            return "id"
        node = getattr(node, "selector", None)  # the compound's next simple selector
    return None


def select_among(selector: str, candidates: list[Candidate], root: Element) -> list[Element]:
    """The elements that match ``selector``, when its simple parts can only
    match elements in ``candidates`` (found by one cheaper search): a page
    is searched once for all the presets instead of once per preset. A
    candidate without any attribute the simple parts need is not tested."""
    own, deep, needs = _split(selector)
    found: list[Element] = []
    if own is not None:
        if needs is None:
            found = [el for el, _ in candidates if own(el)]
        else:
            found = [el for el, keys in candidates if not needs.isdisjoint(keys) and own(el)]
    if deep is not None:
        seen = {id(el) for el in found}
        result = deep(root)
        if isinstance(result, list):
            found += [el for el in result if isinstance(el, Element) and id(el) not in seen]
    return found
