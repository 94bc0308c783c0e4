"""A page for people to read: the tree as HTML, and what the sanitizer removed.

Used by ``cobrowse preview`` (HTML to stdout, the removals to stderr), the
tests (golden files) and the benchmarks (HTML size against frame size);
never for participants: the client builds the tree node by node and never
parses HTML.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Final

from cobrowse.pipeline.page import Node

__all__ = ["describe_removed", "document_html", "tree_to_html"]

_VOID: Final = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Elements whose text the HTML parser reads raw (it must not be escaped).
_RAW_TEXT: Final = frozenset(
    {"style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext"}
)


def tree_to_html(node: Node, *, wire_prefixes: bool = True) -> str:
    """Serialize an emitted node (and its subtree) as HTML.

    With ``wire_prefixes`` namespaced tags keep their wire prefix
    (``svg:path``, ``math:mi``), which shows people where foreign content
    is; without, they are bare names as an HTML parser would read them
    (it infers the namespace).
    """
    out: list[str] = []
    _serialize(node, out, raw=False, prefixes=wire_prefixes)
    return "".join(out)


def document_html(root: Node) -> str:
    """``<!DOCTYPE html>`` plus the tree as the HTML document a browser would
    parse back into it (no wire prefixes): the sanitized page as HTML."""
    return "<!DOCTYPE html>" + tree_to_html(root, wire_prefixes=False)


def _serialize(node: Node, out: list[str], *, raw: bool, prefixes: bool) -> None:
    if len(node) == 2:
        out.append(node[1] if raw else escape(node[1], quote=False))
        return
    _, tag, attrs, children = node
    bare = tag.rpartition(":")[2]
    name = tag if prefixes else bare
    out.append("<" + name)
    for key, value in attrs.items():
        out.append(f' {key}="{escape(value)}"')
    out.append(">")
    if name in _VOID and not children:
        return
    inner_raw = bare in _RAW_TEXT
    for child in children:
        _serialize(child, out, raw=inner_raw, prefixes=prefixes)
    out.append(f"</{name}>")


# What each kind of removal key means, for people (German, like all UI text).
_REASONS: Final = {
    "element": "Element entfernt",
    "unwrap": "unbekanntes Element ausgepackt (Inhalt bleibt)",
    "attr": "Attribut entfernt",
    "url": "Adresse entfernt",
    "css": "CSS entfernt",
    "form": "Formular gesperrt",
    "rule": "Regel aus der Konfiguration",
    "preset": "eingebaute Widget-Vorlage, wird nachgebildet",
    "depth": "zu tief verschachtelt, entfernt",
}


def describe_removed(removed: Counter[str]) -> list[str]:
    """One line per removal key, most frequent first: ``count  key  (reason)``."""
    lines = []
    for key, count in sorted(removed.items(), key=lambda item: (-item[1], item[0])):
        reason = _REASONS.get(key.partition(":")[0], "entfernt")
        lines.append(f"{count:6d}  {key}  ({reason})")
    return lines
