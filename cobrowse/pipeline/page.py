"""The pipeline's types: one sanitized page as a node-id tree (a leaf module).

The tree format is the one in :mod:`cobrowse.protocol`: elements
``[id, tag, attrs, children]``, texts ``[id, text]``, ids from 1 in document
order. :class:`Page` is what :func:`cobrowse.pipeline.build.build_page`
returns; everything that reads or changes pages (diff, widgets, the session)
imports these types from here, and this module imports nothing of cobrowse.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "LINK_TARGET",
    "RESOURCE_KINDS",
    "FormInfo",
    "Node",
    "Page",
    "ResourceUrl",
]

# One node of the tree: ``[id, tag, attrs, children]`` for an element (``tag``
# with a wire prefix for foreign content: ``svg:path``, ``math:mi``; ``attrs``
# a dict of str to str; ``children`` a list of nodes) or ``[id, text]`` for a
# text. Lists, not classes: this is the msgpack shape, built and sent as is.
Node = list[Any]

# ``resource_url(absolute_url, kind)`` returns the relay URL (``/r/…``) that
# serves ``absolute_url`` through the resource proxy, or None if it must not be
# fetched (not allowed, not http(s), …); the caller then drops the attribute or
# declaration. ``kind`` is one of RESOURCE_KINDS and tells the proxy what to
# expect (and, for "style", to sanitize the CSS it serves).
# The returned URL must contain no whitespace (it is also used in srcset).
# During one build_page it must answer the same (url, kind) the same way: the
# pipeline asks once per distinct pair and reuses the answer for the page.
ResourceUrl = Callable[[str, str], str | None]

RESOURCE_KINDS: Final = frozenset({"image", "media", "style", "font"})

# Relay page every outbound link and form points to; the click itself is sent
# to the relay as a CLICK/SUBMIT frame and resolved via Page.links/Page.forms.
LINK_TARGET: Final = "/link"


@dataclass(frozen=True, slots=True)
class FormInfo:
    """Where a form submits: ``method`` "get" or "post", ``action`` absolute http(s).

    ``enabled`` is False for a POST form the host rules do not allow: it is
    shown with its controls disabled and must not be sent.
    """

    method: str
    action: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Page:
    """One sanitized page, ready to be sent as a SNAPSHOT.

    ``tree`` is the root ``html`` node; ``links`` maps the node id of every
    ``a``/``area`` with an http(s) target to its absolute URL, ``forms`` the
    node id of every ``form`` (and of every submit button with a
    ``formmethod``/``formaction`` of its own) to its :class:`FormInfo`; ``removed`` counts
    what the sanitizer dropped (``element:script``, ``attr:onclick``,
    ``url:javascript``, ``css:expression``, ``rule:remove:<selector>`` …)
    for ``preview`` and metrics.
    """

    url: str
    title: str
    tree: Node
    links: dict[int, str]
    forms: dict[int, FormInfo]
    removed: Counter[str]
