"""The pipeline's result: one sanitized page as a node-id tree.

:func:`build_page` is the entry point the session hub calls for every fetched
HTML document: bytes in, :class:`Page` out (parse, host rules, then one
sanitizing walk). The tree format is the one in :mod:`cobrowse.protocol`:
elements ``[id, tag, attrs, children]``, texts ``[id, text]``, ids from 1 in
document order. :func:`tree_to_html` and :func:`describe_removed` are for
people (``cobrowse preview``), never for participants: the client builds the
tree node by node and never parses HTML.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Final

from cobrowse.pipeline.parse import parse_html

if TYPE_CHECKING:
    from cobrowse.pipeline.host_rules import PageRules

__all__ = [
    "LINK_TARGET",
    "RESOURCE_KINDS",
    "FormInfo",
    "Page",
    "ResourceUrl",
    "build_page",
    "describe_removed",
    "tree_to_html",
]

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
    node id of every ``form`` to its :class:`FormInfo`; ``removed`` counts
    what the sanitizer dropped (``element:script``, ``attr:onclick``,
    ``url:javascript``, ``css:expression``, ``rule:remove:<selector>`` …)
    for ``preview`` and metrics.
    """

    url: str
    title: str
    tree: list[Any]
    links: dict[int, str]
    forms: dict[int, FormInfo]
    removed: Counter[str]


def build_page(
    body: bytes,
    content_type: str | None,
    url: str,
    resource_url: ResourceUrl,
    rules: PageRules | None = None,
) -> Page:
    """Parse and sanitize one fetched HTML document.

    ``body`` is the raw response body, ``content_type`` the response's
    Content-Type header (charset is honoured), ``url`` the final URL after
    redirects (relative URLs resolve against it; ``<base>`` is ignored),
    ``rules`` the host's admin rules (see :func:`host_rules.rules_for`).
    Never raises for any input bytes; broken markup yields a best-effort page.
    Safe to call from several threads at once.
    """
    # Imported here: sanitize needs this module's types, this module needs it.
    from cobrowse.pipeline.host_rules import NO_RULES
    from cobrowse.pipeline.sanitize import sanitize_document

    with _COLLECTOR_PAUSED:
        root = parse_html(body, content_type)
        return sanitize_document(root, url, resource_url, rules or NO_RULES)


_gc_lock = threading.Lock()
_gc_builds = 0  # builds running now (in any thread)
_gc_restore = False  # whether the collector was on before the first of them


class _CollectorPause:
    """Pause Python's cycle collector while pages are built (``with _COLLECTOR_PAUSED``).

    A build allocates hundreds of thousands of lists, which triggers
    collections that scan every live object — in a relay, every session's
    page tree. The new tree has no cycles; pausing halves the build time
    with many sessions alive. The collector runs again when the last
    concurrent build is done (unless it was off before). A class, not a
    generator: cheaper to enter, which shows on small pages.
    """

    __slots__ = ()

    def __enter__(self) -> None:
        global _gc_builds, _gc_restore
        with _gc_lock:
            if _gc_builds == 0:
                _gc_restore = gc.isenabled()
                gc.disable()
            _gc_builds += 1

    def __exit__(self, *exc_info: object) -> None:
        global _gc_builds
        with _gc_lock:
            _gc_builds -= 1
            if _gc_builds == 0 and _gc_restore:
                gc.enable()


_COLLECTOR_PAUSED: Final = _CollectorPause()

_VOID: Final = frozenset("area br col embed hr img input link meta source track wbr".split())
_RAW_TEXT: Final = frozenset({"style", "svg:style"})


def tree_to_html(node: list[Any]) -> str:
    """Serialize an emitted node (and its subtree) as HTML, for people to read.

    Namespaced tags keep their wire prefix (``svg:path``, ``math:mi``).
    """
    out: list[str] = []
    _serialize(node, out, raw=False)
    return "".join(out)


def _serialize(node: list[Any], out: list[str], *, raw: bool) -> None:
    if len(node) == 2:
        out.append(node[1] if raw else escape(node[1], quote=False))
        return
    _, tag, attrs, children = node
    out.append("<" + tag)
    for name, value in attrs.items():
        out.append(f' {name}="{escape(value)}"')
    out.append(">")
    if tag in _VOID and not children:
        return
    for child in children:
        _serialize(child, out, raw=tag in _RAW_TEXT)
    out.append(f"</{tag}>")


# What each kind of removal key means, for people (German, like all UI text).
_REASONS: Final = {
    "element": "Element entfernt",
    "unwrap": "unbekanntes Element ausgepackt (Inhalt bleibt)",
    "attr": "Attribut entfernt",
    "url": "Adresse entfernt",
    "css": "CSS entfernt",
    "form": "Formular gesperrt",
    "rule": "Regel aus der Konfiguration",
    "depth": "zu tief verschachtelt, entfernt",
}


def describe_removed(removed: Counter[str]) -> list[str]:
    """One line per removal key, most frequent first: ``count  key  (reason)``."""
    lines = []
    for key, count in sorted(removed.items(), key=lambda item: (-item[1], item[0])):
        reason = _REASONS.get(key.partition(":")[0], "entfernt")
        lines.append(f"{count:6d}  {key}  ({reason})")
    return lines
