from __future__ import annotations

import re
from pathlib import Path

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobrowse import protocol
from cobrowse.errors import ProtocolError
from cobrowse.protocol import (
    CLIENT_BODIES,
    CLIENT_TYPES,
    MAX_INBOUND_BYTES,
    PROTOCOL_VERSION,
    Hello,
    Msg,
    PointerMove,
    decode,
    encode,
    parse,
    shape,
)
from cobrowse.session.commands import COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def test_js_mirror_agrees_with_python() -> None:
    text = (ROOT / "client_js" / "protocol.js").read_text()
    block = re.search(r"export const Msg = Object\.freeze\(\{(.*?)\}\);", text, re.S)
    assert block is not None
    js = {name: int(value) for name, value in re.findall(r"(\w+):\s*(\d+)", block.group(1))}
    assert js == {m.name: m.value for m in Msg}
    version = re.search(r"PROTOCOL_VERSION = (\d+);", text)
    assert version is not None and int(version.group(1)) == PROTOCOL_VERSION


def test_round_trip() -> None:
    frame = encode(Msg.NAVIGATE, 0, {"url": "https://example.org/"})
    assert decode(frame) == (Msg.NAVIGATE, 0, {"url": "https://example.org/"})


@pytest.mark.parametrize(
    "data",
    [
        b"\xc1",
        msgpack.packb([Msg.SNAPSHOT, 0, {}]),  # server type from a client
        msgpack.packb([999, 0, {}]),
        msgpack.packb([Msg.CLICK, "x", {}]),
        msgpack.packb([Msg.CLICK, 0, []]),
        msgpack.packb([Msg.CLICK, 0]),
        msgpack.packb({"type": 66}),
        msgpack.packb([Msg.CLICK, 0, {1: 2}]),
        b"\x00" * (MAX_INBOUND_BYTES + 1),
    ],
)
def test_bad_frames_are_rejected(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(data)


# Property tests: whatever a client sends, decoding either yields a valid
# client frame or raises ProtocolError — never anything else.

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_decoder_survives_arbitrary_bytes(data: bytes) -> None:
    try:
        kind, seq, body = decode(data)
    except ProtocolError:
        return
    assert kind >= 64 and isinstance(seq, int) and isinstance(body, dict)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_decoder_survives_arbitrary_msgpack(value: object) -> None:
    try:
        data = msgpack.packb(value, use_bin_type=True)
    except (OverflowError, ValueError, TypeError):
        return
    try:
        kind, _, body = decode(data)
    except ProtocolError:
        return
    assert isinstance(kind, Msg) and isinstance(body, dict)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(m for m in Msg if m >= 64)), st.integers(), _values)
def test_decoder_shapes(kind: int, seq: int, body: object) -> None:
    try:
        data = msgpack.packb([kind, seq, body], use_bin_type=True)
    except (OverflowError, ValueError, TypeError):
        return
    try:
        decoded = decode(data)
    except ProtocolError:
        assert not isinstance(body, dict) or not -(2**63) <= seq < 2**64
        return
    assert decoded[0] == kind and decoded[2] == body


# Typed bodies: the docstring cannot go stale, parse() checks every value once.


def test_docstring_lists_every_body_as_typed() -> None:
    doc = " ".join((protocol.__doc__ or "").split())
    listed = re.findall(r"``([A-Z_]+)`` ``(\{[^}]*\})``", doc)
    names = [name for name, _ in listed]
    assert sorted(names) == sorted(m.name for m in Msg), "each message listed exactly once"
    assert {name: body for name, body in listed} == {m.name: shape(m) for m in Msg}


def test_every_client_message_has_a_body_type_and_a_command() -> None:
    assert set(CLIENT_BODIES) == CLIENT_TYPES
    assert set(COMMANDS) == CLIENT_TYPES - {Msg.HELLO}  # HELLO is the WebSocket's
    for kind, command in COMMANDS.items():
        assert command.body is CLIENT_BODIES[kind]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (Msg.CLICK, {"node": True}),
        (Msg.POINTER_MOVE, {"node": 1, "x": True, "y": 0}),
        (Msg.POINTER_MOVE, {"node": 1, "x": 0.5}),
        (Msg.SCROLL_TO, {"page": True, "node": 1}),
        (Msg.SCROLL_TO, {"page": 1, "node": 1, "offset": float("inf")}),
        (Msg.HOVER_AT, {"page": 1, "ring": 1}),
        (Msg.INPUT_SET, {"page": 1, "node": 2, "selected": [0, False]}),
        (Msg.INPUT_SET, {"page": 1, "node": 2, "checked": None}),
        (Msg.VIEWPORT, {"viewport": [True, 600]}),
        (Msg.VIEWPORT, {"viewport": [800, 20001]}),
        (Msg.SUBMIT, {"node": 1, "fields": [["a", 1]]}),
        (Msg.HISTORY_GO, {"step": 1.0}),
        (Msg.ADMIT, {"participant": "", "phrase": None}),
        (Msg.ADMIT, {"participant": "p", "phrase": "x" * 201}),
        (Msg.NAVIGATE, {"url": b"https://example.org/"}),
        (Msg.HELLO, {"version": PROTOCOL_VERSION, "last_seq": True}),
        (Msg.HELLO, {"version": True}),
        (Msg.HELLO, {"version": 1.0}),
    ],
)
def test_parse_refuses_wrong_types(kind: Msg, body: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        parse(kind, body)


def test_parse_gives_typed_clamped_bodies() -> None:
    assert parse(Msg.POINTER_MOVE, {"node": 3, "x": 2, "y": -1}) == PointerMove(3, 1.0, 0.0)
    assert parse(Msg.POINTER_MOVE, {"node": None, "x": "ignored"}) == PointerMove(None)
    assert parse(Msg.HELLO, {"version": 0, "viewport": "old shape"}).version == 0  # reload
    hello = parse(Msg.HELLO, {"version": PROTOCOL_VERSION, "viewport": [800, 600]})
    assert hello == Hello(PROTOCOL_VERSION, (800, 600), 0)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CLIENT_TYPES)), st.dictionaries(st.text(max_size=8), _values))
def test_parse_survives_arbitrary_bodies(kind: Msg, body: dict[str, object]) -> None:
    try:
        parsed = parse(kind, body)
    except ProtocolError:
        return
    assert type(parsed) is CLIENT_BODIES[kind]


# client_js/protocol.js mirrors the bodies as JSDoc types (checked by tsc in
# `make lint`); here their keys are compared with the Python types. Optional
# keys may differ: a sender may omit what the receiver defaults.


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside any brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "{[(<" else -1 if char in "}])>" else 0
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def _braced(text: str, start: int) -> str:
    depth = 0
    for at in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        if depth == 0:
            return text[start + 1 : at]
    raise ValueError("unbalanced braces")


def js_body_keys(source: str) -> dict[int, set[str]]:
    """Msg number → the keys of its body type in protocol.js's JSDoc."""
    text = re.sub(r"^\s*\*(?!/)\s?", "", source, flags=re.M)  # JSDoc line prefixes
    types: dict[str, str] = {}
    properties: dict[str, set[str]] = {}
    for match in re.finditer(r"@typedef \{", text):
        body = _braced(text, match.end() - 1)
        rest = text[match.end() + len(body) :]
        found = re.match(r"\}\s*(\w+)", rest)
        assert found is not None, body
        types[found.group(1)] = body.strip()
        if body.strip() == "object":
            block = rest.split("*/", 1)[0]
            properties[found.group(1)] = set(re.findall(r"@property \{[^\n]*\} \[?(\w+)", block))

    def keys(expr: str) -> set[str]:
        if expr in properties:
            return properties[expr]
        if expr in types:
            return keys(types[expr])
        if expr == "Record<string, never>":
            return set()
        if expr.startswith("{") and expr.endswith("}"):
            return {p.split(":", 1)[0].strip().rstrip("?") for p in _split(expr[1:-1], ",")}
        parts = _split(expr, "&")
        assert len(parts) > 1, f"not a body type: {expr}"
        return set().union(*(keys(p) for p in parts))

    table = {}
    for name in ("ServerBodies", "ClientBodies"):
        for entry in _split(types[name][1:-1], ","):
            number, body_type = (s.strip() for s in entry.split(":"))
            table[int(number)] = keys(body_type)
    return table


def test_js_body_types_have_the_keys_of_the_python_ones() -> None:
    js = js_body_keys((ROOT / "client_js" / "protocol.js").read_text())
    python = {int(m): {k.rstrip("?") for k in shape(m)[1:-1].split(", ") if k} for m in Msg}
    assert js == python


def test_the_js_body_check_sees_a_missing_key() -> None:
    source = (ROOT / "client_js" / "protocol.js").read_text()
    tampered = source.replace("{{url: string}} NavigateBody", "{{href: string}} NavigateBody")
    assert tampered != source
    assert js_body_keys(tampered)[Msg.NAVIGATE] == {"href"}
