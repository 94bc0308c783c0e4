from __future__ import annotations

import re
from pathlib import Path

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobrowse.errors import ProtocolError
from cobrowse.protocol import MAX_INBOUND_BYTES, PROTOCOL_VERSION, Msg, decode, encode

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
