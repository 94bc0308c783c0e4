"""Lazy-loading images: the address the page's script would have put in ``src``.

No page script runs in the mirror, so an image whose real address waits in
``data-src`` (lazysizes, vanilla-lazyload, WordPress plugins, blur-up
placeholders) would stay a grey box or a blurred thumbnail for everyone.
:func:`promote_lazy` does what those scripts do: the lazy attribute becomes
``src`` (``srcset``) when

* ``src`` is missing, empty, ``about:blank`` or a ``data:`` URL, or names a
  placeholder file (``placeholder.svg``, ``blank.gif``, ``tiny-placeholder.jpg``,
  ``spacer.png``, ``lqip``, ``1x1`` …: :data:`_PLACEHOLDER_NAME`); or
* the image says it is lazy: ``loading="lazy"`` or a class with ``lazy``,
  ``blur-up`` or ``lqip`` in it.

An image with a real-looking ``src`` and no such mark keeps it (some sites
use ``data-src`` or ``data-original`` for other things, such as the large
version a zoom script shows). The promoted value is an ordinary URL from
then on: the walk rewrites it like any ``src``/``srcset`` (or drops it).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["promote_lazy"]

_PLACEHOLDER_SCHEMES: Final = ("data:", "about:blank")
# File names (the last path segment, without query) that placeholders have.
_PLACEHOLDER_NAME: Final = re.compile(
    r"placeholder|blank|spacer|transparent|empty|dummy|loading|loader|lazy|lqip|blur"
    r"|tiny|(?<![0-9])1x1(?![0-9])|pixel\.(?:gif|png)",
    re.IGNORECASE,
)
_LAZY_CLASS: Final = re.compile(r"lazy|blur-?up|lqip", re.IGNORECASE)


def _placeholder(src: str) -> bool:
    """True if ``src`` (stripped) is no image of its own: empty, data:, or a placeholder file."""
    if not src or src[:12].lower().startswith(_PLACEHOLDER_SCHEMES):
        return True
    name = src.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return _PLACEHOLDER_NAME.search(name) is not None


def _marked_lazy(attrs: dict[str, str]) -> bool:
    if attrs.get("loading", "").strip().lower() == "lazy":
        return True
    return _LAZY_CLASS.search(attrs.get("class", "")) is not None


def promote_lazy(
    items: list[tuple[str, str]], lazy_src: tuple[str, ...], lazy_srcset: tuple[str, ...]
) -> list[tuple[str, str]]:
    """The attributes of an ``img``/``source`` with lazy addresses moved into place.

    ``lazy_src``/``lazy_srcset`` are the attribute names to look at, first
    wins (:data:`cobrowse.pipeline.tables.LAZY_SRC_ATTRS` plus the host's
    ``lazy_image_attributes``). A promoted attribute is removed under its old
    name. Returns ``items`` itself when nothing changes.
    """
    attrs = dict(items)
    if not any(name in attrs for name in lazy_src) and not any(
        name in attrs for name in lazy_srcset
    ):
        return items
    lazy = _marked_lazy(attrs)
    if lazy or _placeholder(attrs.get("src", "").strip()):
        for name in lazy_src:
            if attrs.get(name, "").strip():
                attrs["src"] = attrs.pop(name)
                break
    if lazy or _placeholder(attrs.get("srcset", "").strip()):
        for name in lazy_srcset:
            if attrs.get(name, "").strip():
                attrs["srcset"] = attrs.pop(name)
                break
    return list(attrs.items())
