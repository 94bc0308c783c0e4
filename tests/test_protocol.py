from __future__ import annotations

import re
from pathlib import Path

import msgpack
import pytest

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
