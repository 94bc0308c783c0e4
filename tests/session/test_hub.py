"""The per-session fan-out: one encoding for everyone, bounded queues,
latest-wins pointer frames, resync of a participant that fell behind."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack

from cobrowse.bus import session_channel
from cobrowse.bus.memory import MemoryBroker, MemoryBus
from cobrowse.cluster.wire import BusKind, ChannelRelay, unpack
from cobrowse.protocol import Msg
from cobrowse.session.hub import QUEUE_LIMIT, Connection, SessionHub
from tests.bus.test_contract import Inbox


class FakeSocket:
    """Stands in for a WebSocketResponse: records bytes; can be held back."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self.gate = asyncio.Event()
        self.gate.set()

    async def send_bytes(self, data: bytes) -> None:
        await self.gate.wait()
        self.sent.append(data)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        self.closed = True


def kinds(sock: FakeSocket) -> list[int]:
    return [msgpack.unpackb(frame)[0] for frame in sock.sent]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_everyone_gets_the_same_bytes_in_order() -> None:
    hub = SessionHub()
    socks = [FakeSocket() for _ in range(3)]
    for i, sock in enumerate(socks):
        hub.attach(Connection(sock, f"p{i}", "citizen", hub.current_frames))  # type: ignore[arg-type]
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": [1, "html", {}, []]})
    hub.broadcast(Msg.NOTICE, {"key": "x", "text": "t", "level": "info"})
    await settle()
    assert socks[0].sent == socks[1].sent == socks[2].sent
    assert kinds(socks[0]) == [Msg.SNAPSHOT, Msg.NOTICE]
    assert [msgpack.unpackb(f)[1] for f in socks[0].sent] == [1, 2]


async def test_latest_wins_for_pointer_frames_of_a_busy_participant() -> None:
    hub = SessionHub()
    slow = FakeSocket()
    slow.gate.clear()  # the participant's network is stuck for a while
    hub.attach(Connection(slow, "slow", "citizen", hub.current_frames))  # type: ignore[arg-type]
    hub.broadcast(Msg.NOTICE, {"key": "x", "text": "t", "level": "info"})
    await settle()
    for x in range(50):
        hub.broadcast_latest(Msg.POINTER, {"node": 1, "x": x / 100, "y": 0.5}, exclude=None)
    slow.gate.set()
    await settle()
    pointers = [msgpack.unpackb(f)[2] for f in slow.sent if msgpack.unpackb(f)[0] == Msg.POINTER]
    assert len(pointers) == 1 and pointers[0]["x"] == 0.49  # only the newest position


async def test_latest_wins_per_citizen_for_the_advisor() -> None:
    """Two citizens point while the advisor's socket is stuck: each one's newest
    position arrives (one citizen's "pointer gone" must not be lost to another's move)."""
    hub = SessionHub()
    slow = FakeSocket()
    slow.gate.clear()
    hub.attach(Connection(slow, "advisor", "advisor", hub.current_frames))  # type: ignore[arg-type]
    hub.broadcast(Msg.NOTICE, {"key": "x", "text": "t", "level": "info"})
    await settle()
    hub.send_latest_to("advisor", Msg.CITIZEN_POINTER, {"participant": "c1", "node": None}, "c1")
    for x in range(20):
        body = {"participant": "c2", "node": 1, "x": x / 100, "y": 0.5}
        hub.send_latest_to("advisor", Msg.CITIZEN_POINTER, body, "c2")
    slow.gate.set()
    await settle()
    frames = [msgpack.unpackb(f) for f in slow.sent]
    pointers = {b["participant"]: b for k, _, b in frames if k == Msg.CITIZEN_POINTER}
    assert pointers["c1"]["node"] is None
    assert pointers["c2"]["x"] == 0.19
    assert sum(k == Msg.CITIZEN_POINTER for k, _, _ in frames) == 2


async def test_a_participant_that_falls_behind_is_resynced_not_the_others() -> None:
    hub = SessionHub()
    stuck, fine = FakeSocket(), FakeSocket()
    stuck.gate.clear()
    hub.attach(Connection(stuck, "stuck", "citizen", hub.current_frames))  # type: ignore[arg-type]
    hub.attach(Connection(fine, "fine", "citizen", hub.current_frames))  # type: ignore[arg-type]
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": [1, "html", {}, []]})
    for i in range(QUEUE_LIMIT + 10):
        hub.broadcast(Msg.MUTATIONS, {"page": 1, "texts": [[1, str(i)]]})
    await settle()
    assert len(fine.sent) == QUEUE_LIMIT + 11  # the others got everything
    stuck.gate.set()
    await settle()
    got: list[Any] = kinds(stuck)
    # what it missed is replaced by the current page: snapshot plus its changes
    assert Msg.SNAPSHOT in got and got.count(Msg.MUTATIONS) <= QUEUE_LIMIT + 10
    last = msgpack.unpackb(stuck.sent[-1])
    assert last[1] == hub.seq


async def test_resume_sends_only_what_was_missed() -> None:
    hub = SessionHub()
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": [1, "html", {}, []]})
    for i in range(3):
        hub.broadcast(Msg.MUTATIONS, {"page": 1, "texts": [[1, str(i)]]})
    assert len(hub.replay(0)) == 4  # a reload: snapshot and all changes
    assert [msgpack.unpackb(f)[1] for f in hub.replay(2)] == [3, 4]
    assert hub.replay(hub.seq) == []
    assert len(hub.replay(hub.seq + 100)) == 4  # a seq from elsewhere: start over


async def test_a_hub_swap_moves_connections_and_page() -> None:
    old = SessionHub()
    sock = FakeSocket()
    old.attach(Connection(sock, "c1", "citizen", old.current_frames))  # type: ignore[arg-type]
    old.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": [1, "html", {}, []]})
    old.broadcast(Msg.MUTATIONS, {"page": 1})
    new = SessionHub()
    new.take_over(old)
    assert (list(new.connections), old.connections) == (["c1"], {})
    assert new.seq == 2 and new.current_frames() == old.current_frames()
    newer = SessionHub()
    newer.take_over(new, seq=1 << 20)  # a new owner's epoch
    newer.broadcast(Msg.NOTICE, {"key": "x", "text": "t", "level": "info"})
    await settle()
    assert [msgpack.unpackb(f)[1] for f in sock.sent] == [1, 2, (1 << 20) + 1]


async def test_a_frame_for_someone_on_the_way_comes_after_the_page_they_missed() -> None:
    hub = SessionHub()
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": [1, "html", {}, []]})
    notice = {"key": "x", "text": "t", "level": "warning"}
    hub.send_on_arrival("advisor", Msg.NOTICE, notice)  # nobody to send it to yet
    moved = SessionHub()
    moved.take_over(hub, seq=1 << 20)  # kept across a hub swap too
    sock = FakeSocket()
    moved.attach(Connection(sock, "advisor", "advisor", moved.current_frames))  # type: ignore[arg-type]
    again = FakeSocket()  # a second window of the same person: nothing left for it
    moved.attach(Connection(again, "advisor", "advisor", moved.current_frames))  # type: ignore[arg-type]
    moved.send_on_arrival("advisor", Msg.NOTICE, notice)  # connected: at once
    await settle()
    assert kinds(sock) == [Msg.SNAPSHOT, Msg.NOTICE]  # after the page, so it stays shown
    assert kinds(again) == [Msg.SNAPSHOT, Msg.NOTICE]
    assert msgpack.unpackb(sock.sent[1])[2] == notice and moved.arriving == {}


async def test_a_relay_gets_every_frame_as_fanned_out_here() -> None:
    broker = MemoryBroker()
    here, there = MemoryBus(broker, "a"), MemoryBus(broker, "b")
    await here.start()
    await there.start()
    inbox = Inbox()
    await there.subscribe(session_channel("s1"), inbox)
    hub = SessionHub(ChannelRelay(here, session_channel("s1")))
    sock = FakeSocket()
    hub.attach(Connection(sock, "c1", "citizen", hub.current_frames))  # type: ignore[arg-type]
    frame = hub.broadcast(Msg.NOTICE, {"key": "x", "text": "t", "level": "info"}, exclude="c2")
    hub.broadcast_latest(Msg.POINTER, {"node": 1, "x": 0.5, "y": 0.5}, exclude="c1")
    hub.send_to("c1", Msg.CODE, {"code": None, "expires_at": None})  # connected here: no relay
    hub.send_to("c9", Msg.CODE, {"code": None, "expires_at": None})
    hub.send_latest_to("c9", Msg.CITIZEN_POINTER, {"participant": "c1"}, key="c1")
    got = [unpack((await inbox.next()).data) for _ in range(4)]
    assert [(m.kind, m.seq, m.participant) for m in got if m is not None] == [
        (BusKind.ORDERED, 1, "c2"),
        (BusKind.LATEST, int(Msg.POINTER), "c1"),
        (BusKind.TO, 0, "c9"),
        (BusKind.TO_LATEST, int(Msg.CITIZEN_POINTER), "c9/c1"),
    ]
    assert got[0] is not None and got[0].data == frame
    await settle()
    assert kinds(sock) == [Msg.NOTICE, Msg.CODE]
    await hub.close_all(1000, "")
    await here.close()
    await there.close()
