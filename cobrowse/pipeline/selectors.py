"""CSS selectors of the operator's rules and the widget presets, compiled once.

lxml's ``cssselect`` support turns a selector into XPath; the compiled
selector is cached, so a rule costs one compilation per process.
"""

from __future__ import annotations

from functools import lru_cache

from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import _Element as Element

__all__ = ["select", "selector_problem"]


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
