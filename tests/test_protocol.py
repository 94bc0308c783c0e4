from __future__ import annotations

import base64
import copy
import json
import pickle
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobrowse import protocol
from cobrowse.errors import ProtocolError
from cobrowse.pipeline.diff import apply_batch, diff_trees
from cobrowse.protocol import (
    CLIENT_BODIES,
    CLIENT_TYPES,
    DEFLATE_MIN,
    MAX_INBOUND_BYTES,
    PROTOCOL_VERSION,
    Hello,
    Msg,
    PointerMove,
    decode,
    encode,
    expand_tree,
    pack_tree,
    parse,
    read_frame,
    shape,
    wire_tree,
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


# --- server frames: compact trees, deflated bodies --------------------------------

PAGE: list[Any] = [
    1,
    "html",
    {"lang": "de"},
    [
        [2, "head", {}, [[3, "title", {}, [[4, "Wohngeld"]]]]],
        [
            5,
            "body",
            {"class": "page"},
            [
                [6, "p", {"class": "hint"}, [[7, "Wohngeld"], [8, "br", {}, []], [9, "\n  "]]],
                [10, "p", {"class": "hint"}, [[11, "\n  "]]],
                [12, "svg:svg", {"viewBox": "0 0 1 1"}, []],
            ],
        ],
    ],
]


def _snapshot(tree: list[Any]) -> bytes:
    return encode(
        Msg.SNAPSHOT, 3, {"page": 1, "url": "https://a.example/", "title": "", "tree": tree}
    )


def test_a_fresh_tree_goes_out_without_ids_and_with_shared_strings() -> None:
    wire = wire_tree(PAGE)
    packed = msgpack.packb(wire)
    assert not any(isinstance(v, int) and v < 0 for v in _leaves(wire))  # no id at all
    assert packed.count(b"Wohngeld") == 1 and packed.count(b"hint") == 1  # the table
    assert len(packed) < len(msgpack.packb(PAGE)) * 0.75
    assert expand_tree(wire) == PAGE
    kind, seq, body = read_frame(_snapshot(PAGE))
    assert (kind, seq, body["tree"]) == (Msg.SNAPSHOT, 3, PAGE)


def test_ids_that_do_not_follow_go_out_explicitly() -> None:
    tree = copy.deepcopy(PAGE)
    tree[3][1][3][0][0] = 40  # a node renumbered by a same-site diff …
    tree[3][1][3][0][3][0][0] = 41  # … with its subtree counting on from it
    tree[3][1][3][0][3][1][0] = 42
    tree[3][1][3][0][3][2][0] = 43
    wire = wire_tree(tree)
    assert [v for v in _leaves(wire) if isinstance(v, int) and v < 0] == [-40, -10]
    assert expand_tree(wire) == tree
    assert read_frame(_snapshot(tree))[2]["tree"] == tree


def test_mutation_adds_carry_their_ids_and_round_trip() -> None:
    old, new = copy.deepcopy(PAGE), copy.deepcopy(PAGE)
    new[3][1][3].insert(1, [13, "ul", {"class": "hint"}, [[14, "li", {}, [[15, "Rente"]]]]])
    diff = diff_trees(old, new, 13)
    assert diff.mutations["adds"]
    body = {"page": 1, **diff.mutations, "navigate": {"page": 2, "url": "u", "title": "t"}}
    frame = encode(Msg.MUTATIONS, 7, body)
    kind, _, got = read_frame(frame)
    assert kind == Msg.MUTATIONS and got == body
    wire_adds = msgpack.unpackb(frame)[2]["adds"]
    assert wire_adds[0][2][0] == -13  # the add's root names its id, its children count on
    apply_batch(old, got)
    assert old == new


def test_the_body_is_deflated_once_when_large_and_left_as_it_was() -> None:
    tree = [1, "html", {}, [[2 + i, "p", {"class": "x"}, []] for i in range(DEFLATE_MIN)]]
    body = {"page": 1, "url": "https://a.example/", "title": "", "tree": tree}
    before = copy.deepcopy(body)
    frame = encode(Msg.SNAPSHOT, 9, body)
    assert body == before  # the relay's copy keeps its ids
    kind, seq, raw = msgpack.unpackb(frame)
    assert (kind, seq) == (Msg.SNAPSHOT, 9) and isinstance(raw, bytes)
    assert len(frame) < DEFLATE_MIN
    assert read_frame(frame) == (Msg.SNAPSHOT, 9, before)
    inflated = read_frame(frame, expand=False)[2]  # inflated, the tree left compact
    assert inflated["tree"] == wire_tree(tree) != tree
    small = encode(Msg.POINTER, 0, {"node": 3, "x": 0.5, "y": 0.5})
    assert isinstance(msgpack.unpackb(small)[2], dict)  # pointers stay plain


def test_clients_cannot_send_deflated_frames() -> None:
    frame = encode(Msg.NAVIGATE, 0, {"url": "https://example.org/" + "a" * DEFLATE_MIN})
    assert isinstance(msgpack.unpackb(frame)[2], bytes)
    with pytest.raises(ProtocolError, match="body is not a map"):
        decode(frame)


def test_read_frame_refuses_a_body_that_inflates_beyond_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = encode(Msg.NOTICE, 1, {"text": "x" * 100_000})
    assert read_frame(frame)[2]["text"] == "x" * 100_000
    monkeypatch.setattr("cobrowse.protocol.MAX_INFLATED_BYTES", 50_000)
    with pytest.raises(ValueError, match="too large"):
        read_frame(frame)
    cut = msgpack.packb([Msg.NOTICE, 1, msgpack.unpackb(frame)[2][:50]])
    with pytest.raises(ValueError, match="not a server frame"):
        read_frame(cut)


@pytest.mark.parametrize(
    "wire",
    [
        5,  # a string index before any string
        [],
        ["p", ["class"]],  # a name without value
        ["p", "class"],  # attributes not a list
        [-3, "x", "y"],  # a wrapper of three
        [None],
    ],
)
def test_malformed_wire_trees_are_value_errors(wire: Any) -> None:
    with pytest.raises(ValueError):
        expand_tree(wire)


def test_node_ids_must_be_positive_and_nodes_well_formed() -> None:
    with pytest.raises(ValueError, match="positive"):
        wire_tree([0, "html", {}, []])
    with pytest.raises(ValueError, match="a node is"):
        wire_tree([])
    with pytest.raises(ValueError, match="a node is"):
        encode(Msg.SNAPSHOT, 1, {"tree": [1, "html", {}, [[2, "p", {}]]]})


_texts = st.text(alphabet="ab \n<&é😀", max_size=4)


@st.composite
def _trees(draw: st.DrawFn) -> list[Any]:
    """Trees with ids in document order, some renumbered (as after a diff)."""
    ids = iter(draw(st.lists(st.integers(1, 300), min_size=60, max_size=60)))
    counter = [0]

    def node(depth: int) -> list[Any]:
        counter[0] += 1
        node_id = next(ids) if draw(st.booleans()) and draw(st.booleans()) else counter[0]
        counter[0] = node_id
        if depth > 2 or draw(st.booleans()):
            return [node_id, draw(_texts)]
        attrs = draw(st.dictionaries(_texts, _texts, max_size=3))
        width = draw(st.integers(0, 3))
        return [
            node_id,
            draw(st.sampled_from(["p", "div", "svg:g"])),
            attrs,
            [node(depth + 1) for _ in range(width)],
        ]

    return [1, "html", {}, [node(0) for _ in range(draw(st.integers(0, 4)))]]


@settings(max_examples=300, deadline=None)
@given(_trees())
def test_any_tree_survives_the_wire(tree: list[Any]) -> None:
    assert expand_tree(msgpack.unpackb(msgpack.packb(wire_tree(tree)))) == tree
    assert read_frame(_snapshot(tree))[2]["tree"] == tree


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_a_tree_packed_in_the_worker_gives_the_same_frame_content() -> None:
    big = [1, "html", {}, [[2 + i, "p", {"class": f"c{i % 7}"}, []] for i in range(300)]]
    for tree in (PAGE, big):
        packed = pack_tree(tree)
        body = {"page": 4, "url": "https://a.example/", "title": "T", "tree": packed}
        frame = encode(Msg.SNAPSHOT, 11, body)
        assert body["tree"] is packed  # left as it was
        inline = encode(Msg.SNAPSHOT, 11, {**body, "tree": tree})
        assert read_frame(frame) == read_frame(inline) == (Msg.SNAPSHOT, 11, {**body, "tree": tree})
    assert isinstance(msgpack.unpackb(frame)[2], bytes)  # the big one went out deflated
    assert len(frame) < len(inline) * 1.05


def test_a_packed_tree_travels_to_a_worker_and_back() -> None:
    packed = pack_tree(PAGE)
    assert pickle.loads(pickle.dumps(packed)) == packed


NODE_DECODE = """
import { readFileSync } from "node:fs";
import { decode } from "./client_js/protocol.js";
const frames = JSON.parse(readFileSync(process.argv[1], "utf8"));
const out = [];
for (const b64 of frames) {
  const frame = decode(new Uint8Array(Buffer.from(b64, "base64")).buffer);
  out.push([frame.type, frame.seq, await frame.body]);
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node (needed for the client bundle) missing"
)
def test_the_client_decodes_what_the_relay_encodes(tmp_path: Path) -> None:
    """client_js/protocol.js and read_frame agree on every kind of server frame."""
    renumbered = copy.deepcopy(PAGE)
    renumbered[3][1][3][0][0] = 40
    odd = [1, "html", {"__proto__": "x", "constructor": "y"}, [[2, "p", {}, [[3, ""]]]]]
    big = [
        1,
        "html",
        {},
        [[2 + i, "p", {"class": f"c{i % 9}"}, [[9000 + i, "😀 é"]]] for i in range(400)],
    ]
    old, new = copy.deepcopy(PAGE), copy.deepcopy(PAGE)
    new[3][1][3].append([13, "ul", {}, [[14, "li", {}, [[15, "neu"]]]]])
    diff = diff_trees(old, new, 13)
    frames = [
        _snapshot(PAGE),
        _snapshot(renumbered),
        _snapshot(odd),
        _snapshot(big),
        encode(Msg.SNAPSHOT, 5, {"page": 2, "url": "u", "title": "t", "tree": pack_tree(big)}),
        encode(Msg.MUTATIONS, 6, {"page": 2, **diff.mutations}),
        encode(Msg.POINTER, 0, {"node": 3, "x": 0.25, "y": 1.0}),
        encode(Msg.NOTICE, 7, {"key": "k", "text": "ä" * 3000, "level": "info"}),
    ]
    assert sum(isinstance(msgpack.unpackb(f)[2], bytes) for f in frames) == 3  # deflated ones
    path = tmp_path / "frames.json"
    path.write_text(json.dumps([base64.b64encode(f).decode() for f in frames]))
    done = subprocess.run(
        ["node", "--input-type=module", "-e", NODE_DECODE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = [[int(k), s, b] for k, s, b in map(read_frame, frames)]
    assert json.loads(done.stdout) == json.loads(json.dumps(expected))
