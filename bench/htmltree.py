"""Serialize a snapshot node tree back to HTML (what the sanitized page is as HTML).

Used to compare the snapshot frame's size with the sanitized document's. The
tree format is the one in :mod:`cobrowse.protocol`: ``[id, tag, attrs,
children]`` and ``[id, text]``; ``svg:``/``math:`` prefixes are dropped as
the HTML parser would infer the namespace.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["to_html"]

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
RAW_TEXT = frozenset({"style", "script", "xmp", "iframe", "noembed", "noframes", "plaintext"})


def to_html(root: list[Any]) -> str:
    """``<!DOCTYPE html>`` plus the tree as HTML text."""
    out: list[str] = ["<!DOCTYPE html>"]
    _emit(root, out, raw=False)
    return "".join(out)


def _emit(node: list[Any], out: list[str], raw: bool) -> None:
    if len(node) == 2:
        out.append(node[1] if raw else escape(node[1], quote=False))
        return
    _, tag, attrs, children = node
    name = tag.split(":", 1)[1] if ":" in tag else tag
    out.append("<" + name)
    for key, value in attrs.items():
        out.append(f' {key}="{escape(value)}"')
    out.append(">")
    if name in VOID and not children:
        return
    inner_raw = name in RAW_TEXT
    for child in children:
        _emit(child, out, inner_raw)
    out.append(f"</{name}>")
