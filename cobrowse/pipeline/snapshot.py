"""The pipeline's result: one sanitized page as a node-id tree.

:func:`build_page` is the entry point the session hub calls for every fetched
HTML document: bytes in, :class:`Page` out (parse, then one sanitizing walk).
The tree format is the one in :mod:`cobrowse.protocol`: elements
``[id, tag, attrs, children]``, texts ``[id, text]``, ids from 1 in document
order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from cobrowse.pipeline.parse import parse_html

__all__ = ["LINK_TARGET", "RESOURCE_KINDS", "FormInfo", "Page", "ResourceUrl", "build_page"]

# ``resource_url(absolute_url, kind)`` returns the relay URL (``/r/…``) that
# serves ``absolute_url`` through the resource proxy, or None if it must not be
# fetched (not allowed, not http(s), …); the caller then drops the attribute or
# declaration. ``kind`` is one of RESOURCE_KINDS and tells the proxy what to
# expect (and, for "style", to sanitize the CSS it serves).
# The returned URL must contain no whitespace (it is also used in srcset).
ResourceUrl = Callable[[str, str], str | None]

RESOURCE_KINDS: Final = frozenset({"image", "media", "style", "font"})

# Relay page every outbound link and form points to; the click itself is sent
# to the relay as a CLICK/SUBMIT frame and resolved via Page.links/Page.forms.
LINK_TARGET: Final = "/link"


@dataclass(frozen=True, slots=True)
class FormInfo:
    """Where a form submits: ``method`` is "get" or "post", ``action`` absolute http(s)."""

    method: str
    action: str


@dataclass(frozen=True, slots=True)
class Page:
    """One sanitized page, ready to be sent as a SNAPSHOT.

    ``tree`` is the root ``html`` node; ``links`` maps the node id of every
    ``a``/``area`` with an http(s) target to its absolute URL, ``forms`` the
    node id of every ``form`` to its :class:`FormInfo`; ``removed`` counts
    what the sanitizer dropped (``element:script``, ``attr:onclick``,
    ``url:javascript``, ``css:expression`` …) for ``preview`` and metrics.
    """

    url: str
    title: str
    tree: list[Any]
    links: dict[int, str]
    forms: dict[int, FormInfo]
    removed: Counter[str]


def build_page(body: bytes, content_type: str | None, url: str, resource_url: ResourceUrl) -> Page:
    """Parse and sanitize one fetched HTML document.

    ``body`` is the raw response body, ``content_type`` the response's
    Content-Type header (charset is honoured), ``url`` the final URL after
    redirects (relative URLs resolve against it; ``<base>`` is ignored).
    Never raises for any input bytes; broken markup yields a best-effort page.
    """
    # Imported here: sanitize needs this module's types, this module needs it.
    from cobrowse.pipeline.sanitize import sanitize_document

    return sanitize_document(parse_html(body, content_type), url, resource_url)
