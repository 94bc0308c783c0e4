"""The per-session fan-out: one encoding for everyone, bounded queues,
latest-wins pointer frames, resync of a participant that fell behind."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack

from cobrowse.hub import QUEUE_LIMIT, Connection, SessionHub
from cobrowse.protocol import Msg


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
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": []})
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
    hub.broadcast(Msg.SNAPSHOT, {"page": 1, "tree": []})
    for i in range(3):
        hub.broadcast(Msg.MUTATIONS, {"page": 1, "texts": [[1, str(i)]]})
    assert len(hub.replay(0)) == 4  # a reload: snapshot and all changes
    assert [msgpack.unpackb(f)[1] for f in hub.replay(2)] == [3, 4]
    assert hub.replay(hub.seq) == []
    assert len(hub.replay(hub.seq + 100)) == 4  # a seq from elsewhere: start over
