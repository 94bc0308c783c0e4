"""Taking elements out of the parsed tree before the walk, without losing text.

The automatic passes (:mod:`.consent`, :mod:`.noscript`) and the operator's
``remove`` rules drop whole elements; the text that follows an element (its
``tail`` in lxml) belongs to the parent and must stay.
"""

from __future__ import annotations

from lxml.etree import _Element as Element

__all__ = ["drop_element"]


def drop_element(el: Element) -> bool:
    """Remove ``el`` and its content, keeping the text after it; False if it has no parent."""
    parent = el.getparent()
    if parent is None:
        return False
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
    return True
