"""The bus messages between cluster nodes (cobrowse.cluster.wire)."""

from __future__ import annotations

import msgpack
import pytest

from cobrowse.bus import session_channel
from cobrowse.bus.memory import MemoryBroker, MemoryBus
from cobrowse.cluster.wire import (
    Broadcast,
    BusKind,
    ChannelRelay,
    ControlOp,
    Envelope,
    Latest,
    PageCopy,
    Resync,
    Roster,
    RosterEntry,
    SendTo,
    WireError,
    announce_owner,
    control_channel,
    frame_head,
    frames_channel,
    pack,
    pack_control,
    unpack,
    unpack_control,
)
from cobrowse.protocol import Msg, encode
from tests.bus.test_contract import Inbox


def test_every_kind_survives_pack_and_unpack() -> None:
    frame = encode(Msg.MUTATIONS, 42, {"page": 1})
    for kind in BusKind:
        message = unpack(pack(kind, 2**40, "c-7", frame))
        assert message == Envelope(kind, 2**40, "c-7", frame)


def test_the_kinds_keep_their_numbers() -> None:
    """Nodes of two versions share a bus during a rolling update."""
    assert {k.name: int(k) for k in BusKind} == {
        "ORDERED": 1,
        "LATEST": 2,
        "TO": 3,
        "CONTROL": 4,
        "RESYNC": 5,
        "OWNER": 6,
        "TO_LATEST": 7,
    }


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"\x01\x00\x00",  # shorter than the header
        bytes([1]) + (5).to_bytes(8, "big") + bytes([9]) + b"abc",  # id cut short
        bytes([1]) + (5).to_bytes(8, "big") + bytes([2]) + "é".encode(),  # not ASCII
        bytes([0]) + (5).to_bytes(8, "big") + bytes([0]),  # no such kind
        bytes([200]) + (5).to_bytes(8, "big") + bytes([0]),
    ],
)
def test_malformed_messages_unpack_to_none(message: bytes) -> None:
    assert unpack(message) is None


def test_frame_head_reads_type_and_seq_only() -> None:
    assert frame_head(encode(Msg.SNAPSHOT, 7, {"tree": [1, "html", {}, [[2, "x" * 2000]]]})) == (
        int(Msg.SNAPSHOT),
        7,
    )
    assert frame_head(b"\xc1") == (0, 0)
    assert frame_head(msgpack.packb(["a", 1, {}])) == (0, 0)


OPS: list[ControlOp] = [
    Roster(
        "node-b",
        (
            RosterEntry("c1", "citizen", "active", None, (800, 600)),
            RosterEntry("c2", "guest", "pending", "Apfel Birne", None),
        ),
    ),
    Roster("node-b", ()),
    Broadcast(Msg.NOTICE, {"key": "extended"}, None),
    Broadcast(Msg.NOTICE, {"key": "x"}, "c1"),
    Latest(Msg.POINTER, {"x": 0.5}, "c1"),
    SendTo("advisor", Msg.CODE, {"code": None}),
    Resync(),
]


@pytest.mark.parametrize("op", OPS)
def test_every_control_op_survives_pack_and_unpack(op: ControlOp) -> None:
    assert unpack_control(pack_control(op)) == op


@pytest.mark.parametrize(
    "fields",
    [
        {"op": "launch"},
        {"no": "op"},
        ["op", "resync"],
        {"op": "broadcast", "msg": 9999, "body": {}},  # no such message type
        {"op": "broadcast", "msg": True, "body": {}},  # a bool is no message type
        {"op": "broadcast", "msg": int(Msg.NOTICE), "body": ["not", "a", "map"]},
        {"op": "latest", "msg": int(Msg.POINTER), "body": {}, "exclude": 5},
        {"op": "to", "participant": "", "msg": int(Msg.CODE), "body": {}},
        {"op": "roster", "node": "b", "participants": "everyone"},
        {"op": "roster", "node": "b", "participants": [{"id": "c1", "role": "citizen"}]},
        {"op": "roster", "node": 3, "participants": []},
        {
            "op": "roster",
            "node": "b",
            "participants": [
                {"id": "c1", "role": "citizen", "state": "active", "viewport": [1, "tall"]}
            ],
        },
        {
            "op": "roster",
            "node": "b",
            "participants": [{"id": "c1", "role": "citizen", "state": "active", "phrase": ["x"]}],
        },
    ],
)
def test_bad_control_ops_are_one_clear_error(fields: object) -> None:
    with pytest.raises(WireError):
        unpack_control(msgpack.packb(fields))


def test_garbage_control_data_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        unpack_control(b"\xc1\xc1")


def test_a_page_copy_survives_pack_and_unpack() -> None:
    snapshot = encode(Msg.SNAPSHOT, 3, {"tree": [1, "html", {}, []]})
    later = [encode(Msg.MUTATIONS, 4, {"page": 1})]
    page = PageCopy(4, 3, snapshot, later)
    assert PageCopy.unpack(page.pack()) == page


@pytest.mark.parametrize(
    "data",
    [
        b"\xc1",
        msgpack.packb([1, 2, 3]),
        msgpack.packb([4, 3, None, []]),
        msgpack.packb([4, 3, b"snap", ["not a frame"]]),
        msgpack.packb(["4", 3, b"snap", []]),
    ],
)
def test_a_bad_page_copy_is_a_wire_error(data: bytes) -> None:
    with pytest.raises(WireError):
        PageCopy.unpack(data)


async def test_the_channel_relay_publishes_what_the_hub_hands_it() -> None:
    broker = MemoryBroker()
    owner, replica = MemoryBus(broker, "a"), MemoryBus(broker, "b")
    await owner.start()
    await replica.start()
    inbox = Inbox()
    await replica.subscribe(session_channel("s1"), inbox)
    relay = ChannelRelay(owner, session_channel("s1"))
    frame = encode(Msg.POINTER, 0, {"x": 0.1})
    relay.ordered(12, "c1", frame)
    relay.latest(Msg.POINTER, "", frame)
    relay.to("c2", frame)
    relay.to_latest("c2", Msg.POINTER, "c1", frame)
    relay.control(Resync())
    got = [unpack((await inbox.next()).data) for _ in range(5)]
    assert got == [
        Envelope(BusKind.ORDERED, 12, "c1", frame),
        Envelope(BusKind.LATEST, int(Msg.POINTER), "", frame),
        Envelope(BusKind.TO, 0, "c2", frame),
        Envelope(BusKind.TO_LATEST, int(Msg.POINTER), "c2/c1", frame),
        Envelope(BusKind.CONTROL, 0, "", pack_control(Resync())),
    ]
    await owner.close()
    await replica.close()


def test_a_session_has_a_frames_and_a_control_channel() -> None:
    assert frames_channel("s1") == session_channel("s1")
    assert control_channel("s1") not in (frames_channel("s1"), frames_channel("s2"))
    assert control_channel("s1") != control_channel("s2")


async def test_an_owner_announcement_reaches_both_channels() -> None:
    broker = MemoryBroker()
    new_owner, listener = MemoryBus(broker, "a"), MemoryBus(broker, "b")
    await new_owner.start()
    await listener.start()
    frames, control = Inbox(), Inbox()
    await listener.subscribe(frames_channel("s1"), frames)
    await listener.subscribe(control_channel("s1"), control)
    announce_owner(new_owner, "s1", 1 << 20)
    for inbox in (frames, control):
        assert unpack((await inbox.next()).data) == Envelope(BusKind.OWNER, 1 << 20, "", b"")
    await new_owner.close()
    await listener.close()
