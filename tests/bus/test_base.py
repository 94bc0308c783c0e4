"""Envelopes and the public surface of the bus package."""

from __future__ import annotations

import pytest

import cobrowse.bus
from cobrowse.bus.base import decode_envelope, encode_envelope, new_node_id
from cobrowse.bus.memory import MemoryBus


def test_public_surface() -> None:
    assert set(cobrowse.bus.__all__) == {
        "Bus",
        "BusMessage",
        "BusState",
        "BusStats",
        "Handler",
        "StateListener",
        "Subscription",
        "create_bus",
        "new_node_id",
        "session_channel",
    }
    for name in cobrowse.bus.__all__:
        assert hasattr(cobrowse.bus, name)


def test_envelope_round_trip_keeps_the_bytes() -> None:
    data = b"\x93\x02\x05\x80" + bytes(range(256))
    payload = encode_envelope(b"node-1", data)
    assert payload.endswith(data)
    assert decode_envelope(payload) == ("node-1", data)
    assert decode_envelope(encode_envelope(b"n", b"")) == ("n", b"")


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x01", b"\x00\x01a", b"\x01\x05abc", b"\x01\x01\xff", b"\x01\x02\xc3\xa4rest"],
)
def test_malformed_envelopes_are_rejected(payload: bytes) -> None:
    assert decode_envelope(payload) is None


def test_node_ids_are_random_and_ascii() -> None:
    ids = {new_node_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.isascii() and len(i) == 16 for i in ids)


@pytest.mark.parametrize("node_id", ["", "ä", "x" * 256])
def test_node_id_must_fit_the_envelope(node_id: str) -> None:
    with pytest.raises(ValueError):
        MemoryBus(node_id=node_id)
