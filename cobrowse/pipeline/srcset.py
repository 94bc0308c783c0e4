"""``srcset``/``imagesrcset`` candidate lists: parsed like the HTML standard.

A ``srcset`` is a comma-separated list of image candidates, each a URL and
optional descriptors (``2x``, ``480w``). URLs may themselves contain commas,
so a plain ``split(",")`` breaks real pages (CDN URLs such as
``/img/a.jpg,w_480``); this module follows the standard's algorithm
("parse a srcset attribute") closely enough that every candidate the browser
would request is seen — and rewritten — here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

__all__ = ["parse_srcset", "rewrite_srcset"]

# The standard's ASCII whitespace; a candidate starts after it and commas.
_SKIP: Final = re.compile(r"[ \t\n\r\f,]*")
_URL: Final = re.compile(r"[^ \t\n\r\f]*")
# Only the descriptors browsers accept: <number>w, <number>x, (legacy) <number>h.
_DESCRIPTOR: Final = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[wxh]\Z")


def parse_srcset(value: str) -> list[tuple[str, list[str]]]:
    """Split a ``srcset`` value into ``(url, descriptors)`` pairs.

    URLs may contain commas (only a trailing comma ends one); descriptors run
    to the next comma outside parentheses. Empty candidates are skipped.
    Never raises.
    """
    candidates: list[tuple[str, list[str]]] = []
    pos, end = 0, len(value)
    while pos < end:
        pos = _SKIP.match(value, pos).end()  # type: ignore[union-attr]  # always matches
        start = pos
        pos = _URL.match(value, pos).end()  # type: ignore[union-attr]
        url = value[start:pos]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            start = pos
            comma = value.find(",", pos)
            stop = end if comma < 0 else comma
            if value.find("(", pos, stop) < 0:
                pos = stop  # no parenthesis before the comma: it ends the descriptors
            else:
                parens = 0
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

    Descriptors are kept as they are. Candidates whose URL ``rewrite``
    refuses (None), or whose descriptors are not plain ``<number>w|x|h``, are
    left out; None if no candidate is left. ``rewrite`` must return URLs
    without whitespace or commas at their ends (relay paths are safe).
    """
    out: list[str] = []
    for url, descriptors in parse_srcset(value):
        if not all(_DESCRIPTOR.match(d) for d in descriptors):
            continue
        new = rewrite(url)
        if new is not None:
            out.append(" ".join([new, *descriptors]))
    return ", ".join(out) or None
