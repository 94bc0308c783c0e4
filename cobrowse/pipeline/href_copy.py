"""Links' original addresses, visible to CSS but never a live URL.

Every link in the mirror points to ``/link`` (the target stays on the
relay), so CSS that selects on the address — ``a[href$=".pdf"]::before``
for a PDF icon, ``a[href^="http"]`` for an external-link arrow,
``a[href^="mailto:"]`` — would stop matching. The walk therefore gives
every ``a``/``area`` with an ``href`` a copy of the address as written,
:data:`HREF_COPY_ATTR`, and the CSS walk rewrites attribute selectors on
``href`` to that name (:func:`rewrite_href_selectors`), in ``<style>`` and in
proxied stylesheets alike.

The copy is data, never a URL: no browser fetches or follows a ``data-``
attribute, the client never reads it, and CSS cannot load it
(``attr(… url)`` is refused by :mod:`cobrowse.pipeline.css`). It is still
sanitized (:func:`href_copy`): script and ``data:`` addresses, control
characters and overlong values leave an empty copy, which keeps
``a[href]``/``a:not([href])`` matching as before. A page's own attribute of
that name is stripped before the walk (``strip_page_marks``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from tinycss2.ast import FunctionBlock, IdentToken, SquareBracketsBlock

__all__ = ["HREF_COPY_ATTR", "href_copy", "rewrite_href_selectors"]

HREF_COPY_ATTR: Final = "data-cobrowse-href"
_MAX_CHARS: Final = 2048
_CONTROL: Final = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_KEPT_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})
_BANNED: Final = re.compile("javascript:|vbscript:|livescript:|data:")
_C0_AND_SPACE: Final = "".join(map(chr, range(0x21)))


def href_copy(raw: str) -> str:
    """The copy of a link's ``href`` as written, or ``""`` when it must not be kept.

    Runs for every link of every page: an address without a ``:`` (most of
    them: paths, fragments) has no scheme and none of the banned ones, so
    it skips those checks.
    """
    value = raw.strip(_C0_AND_SPACE)
    if len(value) > _MAX_CHARS:
        return ""
    if ":" not in value:  # every banned scheme and every scheme ends in ":"
        return _CONTROL.sub(" ", value)
    # What a URL parser would ignore must not hide a scheme from the checks.
    squeezed = _CONTROL.sub("", value).lower()
    if _BANNED.search(squeezed) is not None:
        return ""
    match = _SCHEME.match(squeezed)
    if match is not None and match.group(1) not in _KEPT_SCHEMES:
        return ""
    return _CONTROL.sub(" ", value)


def rewrite_href_selectors(prelude: list[Any]) -> list[Any]:
    """Selector tokens with ``[href…]`` turned into ``[data-cobrowse-href…]``, in place.

    Also inside functional pseudo-classes (``:not([href])``, ``:is()``,
    ``:has()``); the operator, value and ``i``/``s`` flag stay as they are.
    """
    for token in prelude:
        if isinstance(token, SquareBracketsBlock):
            _rename_attribute(token.content)
        elif isinstance(token, FunctionBlock):
            rewrite_href_selectors(token.arguments)
    return prelude


def _rename_attribute(content: list[Any]) -> None:
    for index, token in enumerate(content):
        if token.type in ("whitespace", "comment"):
            continue
        if isinstance(token, IdentToken) and token.lower_value == "href":
            line, column = token.source_line, token.source_column
            content[index] = IdentToken(line, column, HREF_COPY_ATTR)
        return  # only the first token names the attribute
