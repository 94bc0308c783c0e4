"""CSS selectors of the operator's rules and the widget presets, compiled once.

lxml's ``cssselect`` support turns a selector into XPath; the compiled
selector is cached, so a rule costs one compilation per process.
"""

from __future__ import annotations

from functools import lru_cache

from cssselect import HTMLTranslator, SelectorError, parse
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from lxml.etree import _Element as Element

__all__ = ["select", "select_among", "selector_problem"]


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
def _split(selector: str) -> tuple[XPath | None, XPath | None]:
    """``selector``'s simple parts as one test of the context element itself,
    and its parts with combinators as one search from the root."""
    translator = HTMLTranslator()
    own, deep = [], []
    for part in parse(selector):
        xpath = translator.selector_to_xpath(part, prefix="self::")
        if "/" in xpath:  # a combinator (or a "/" in a value): search the tree
            deep.append(translator.selector_to_xpath(part))
        else:
            own.append(xpath)
    return (
        XPath(" | ".join(own)) if own else None,
        XPath(" | ".join(deep)) if deep else None,
    )


def select_among(selector: str, candidates: list[Element], root: Element) -> list[Element]:
    """The elements that match ``selector``, when its simple parts can only
    match elements in ``candidates`` (found by one cheaper search): a page
    is searched once for all the presets instead of once per preset."""
    own, deep = _split(selector)
    found = [el for el in candidates if own is not None and own(el)]
    if deep is not None:
        seen = {id(el) for el in found}
        result = deep(root)
        if isinstance(result, list):
            found += [el for el in result if isinstance(el, Element) and id(el) not in seen]
    return found
