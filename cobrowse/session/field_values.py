"""Form field values: one typed into the relay's copy, and a page's carried to it loaded again.

:func:`set_field` is the one place a typed value (``INPUT_SET``) goes into
the relay's copy of the page (:mod:`cobrowse.session.moves` for the
advisor's typing). The rest is for a page the relay loads again behind the
participants' backs: a new owner of a cluster session reloads a rendered
page (``render = "browser"``) in its own browser, since the page's scripts
cannot move (:mod:`cobrowse.cluster.ownership`), and what was typed into it
lives only in the tree the frames brought back. :func:`typed_values` takes
the fields' values from that tree (without holding on to it);
:func:`typed_again` matches them to the fields of the page loaded again and
says, as ``INPUT_SET`` bodies, what to type where a field differs;
:func:`type_again` types them like the advisor's typing: into the page's
own scripts (``session.live``) and the relay's copy, one ``MUTATIONS`` batch.

A field is matched by its form (id, name, or its place among the forms) and
its name, the n-th of equal ones in document order (a checkbox or radio
button also by its ``value``); a field without a name by its element path.
Only on the same address: a reload that led elsewhere gets nothing, and a
page that changed so that nothing matches gets nothing typed. Private
(masked) fields and password fields have no value in the tree and are
never taken.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urldefrag

from cobrowse.errors import ProtocolError
from cobrowse.pipeline.page import Node, Page
from cobrowse.pipeline.site_rules import MASK_ATTR
from cobrowse.protocol import InputSet
from cobrowse.session.edits import MAX_VALUE_CHARS, TEXT_INPUT_TYPES, PageEdit, input_type
from cobrowse.session.model import CoSession
from cobrowse.session.publish import FIELD_TAGS, page_state, publish_edit

__all__ = [
    "FieldValue",
    "FieldValues",
    "set_field",
    "type_again",
    "typed_again",
    "typed_values",
]

log = logging.getLogger(__name__)

_BOXES: Final = ("checkbox", "radio")
Key = tuple[str | int, ...]


def set_field(edit: PageEdit, node: Node, body: InputSet) -> bool:
    """Apply an ``INPUT_SET`` to a field of the relay's copy; False (and
    nothing changed) if refused. Raises :class:`ProtocolError` when the body
    lacks what the field needs."""
    tag, attrs = node[1], node[2]
    if tag not in FIELD_TAGS:
        return False
    if MASK_ATTR in attrs or (tag == "input" and input_type(node) == "password"):
        # The advisor's client never sends these; a tampered or buggy one did.
        log.warning("refused a value for a masked field")
        return False
    if "disabled" in attrs:
        return False  # nobody can type there (e.g. a form the relay will not send)
    kind = input_type(node) if tag == "input" else tag
    if kind in _BOXES:
        edit.set_checked(node, bool(body.checked))
    elif kind == "select":
        if body.selected is None:
            raise ProtocolError("selected is not a list of positions")
        edit.select_options(node, list(body.selected))
    elif kind in TEXT_INPUT_TYPES or kind == "textarea":
        if body.value is None:
            raise ProtocolError("value is not a string")
        value = body.value[:MAX_VALUE_CHARS]
        if kind == "textarea":
            edit.set_text(node, value)
        else:
            edit.set(node, "value", value)
    else:
        return False  # hidden, file, buttons: nothing to type
    return True


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field's state: ``kind`` "text" (``value``; a textarea too), "box"
    (``checked``) or "select" (``chosen``: the selected options' values)."""

    key: Key
    kind: str
    value: str = ""
    checked: bool = False
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldValues:
    """The field values of the page at ``url`` (without its fragment)."""

    url: str
    fields: tuple[FieldValue, ...]


def _text(node: Node) -> str:
    return "".join(str(c[1]) if len(c) == 2 else _text(c) for c in node[3])


def _options(select: Node) -> list[Node]:
    """The options of a select in document order (in optgroups too)."""
    found: list[Node] = []
    for child in select[3]:
        if len(child) == 4 and child[1] == "option":
            found.append(child)
        elif len(child) == 4 and child[1] == "optgroup":
            found.extend(c for c in child[3] if len(c) == 4 and c[1] == "option")
    return found


def _option_value(option: Node) -> str:
    value = option[2].get("value")
    return str(value) if value is not None else " ".join(_text(option).split())


def _state(node: Node) -> tuple[str, str, bool, tuple[str, ...]] | None:
    """(kind, value, checked, chosen) of a field that takes typing; None for
    anything else (hidden, buttons, files, private fields)."""
    tag, attrs = node[1], node[2]
    if MASK_ATTR in attrs:
        return None
    if tag == "textarea":
        return "text", _text(node), False, ()
    if tag == "select":
        chosen = tuple(_option_value(o) for o in _options(node) if "selected" in o[2])
        return "select", "", False, chosen
    kind = input_type(node)
    if kind in TEXT_INPUT_TYPES:
        return "text", str(attrs.get("value", "")), False, ()
    if kind in _BOXES:
        return "box", str(attrs.get("value", "on")), "checked" in attrs, ()
    return None


def _fields(root: Node) -> Iterator[tuple[Node, FieldValue]]:
    """Every field of the tree that takes typing, in document order, with its key."""
    forms = 0
    seen: Counter[Key] = Counter()
    stack: list[tuple[Node, tuple[int, ...], str]] = [(root, (), "")]
    while stack:
        node, path, form = stack.pop()
        tag, attrs = node[1], node[2]
        if tag == "form":
            forms += 1
            form = str(attrs.get("id") or attrs.get("name") or f"#{forms}")
        elif tag in FIELD_TAGS and (state := _state(node)) is not None:
            kind, value, checked, chosen = state
            name = str(attrs.get("name", ""))
            key: Key
            if name:  # a box's value names it within its group; a text's is what was typed
                own = value if kind == "box" else ""
                key = ("name", str(attrs.get("form") or form), kind, name, own)
                seen[key] += 1
                key = (*key, seen[key])
            else:
                key = ("path", kind, *path)
            typed = "" if kind == "box" else value
            yield node, FieldValue(key, kind, typed, checked, chosen)
            continue
        elements = [child for child in node[3] if len(child) == 4]
        stack.extend((child, (*path, i), form) for i, child in reversed(list(enumerate(elements))))


def _address(url: str) -> str:
    return urldefrag(url)[0]


def typed_values(page: Page) -> FieldValues:
    """The values of ``page``'s fields as its tree holds them now."""
    return FieldValues(_address(page.url), tuple(field for _, field in _fields(page.tree)))


def typed_again(values: FieldValues, page: Page, page_no: int) -> list[InputSet]:
    """``INPUT_SET`` bodies (for page ``page_no``, ``page`` as published) that
    give ``page``'s fields the ``values`` of the same page before it was
    loaded again; only for fields that match and differ. Empty when ``page``
    is at another address."""
    if _address(page.url) != values.url:
        return []
    now = {field.key: (node, field) for node, field in _fields(page.tree)}
    bodies: list[InputSet] = []
    for before in values.fields:
        found = now.get(before.key)
        if found is None or found[1] == before:
            continue
        node, _ = found
        if before.kind == "text":
            bodies.append(InputSet(page_no, int(node[0]), value=before.value))
        elif before.kind == "box":
            bodies.append(InputSet(page_no, int(node[0]), checked=before.checked))
        elif before.chosen:  # a select: the same options, wherever they are now
            options = [_option_value(o) for o in _options(node)]
            if all(value in options for value in before.chosen):
                positions = tuple(i for i, v in enumerate(options) if v in before.chosen)
                bodies.append(InputSet(page_no, int(node[0]), selected=positions))
    return bodies


def type_again(session: CoSession, bodies: Sequence[InputSet]) -> None:
    """Type ``bodies`` (from :func:`typed_again`) into the session's page as
    the advisor's typing would be: into the live page's own fields (its
    scripts see them) and the relay's copy, sent as one ``MUTATIONS`` batch."""
    found = page_state(session)
    if found is None:
        return
    state, index = found
    edit = PageEdit(index, state.hidden_switch, state.originals)
    for body in bodies:
        node = index.element(body.node)
        if body.page == session.page_no and node is not None and set_field(edit, node, body):
            if session.live is not None:
                session.live.replay(body)
    publish_edit(session, edit)
