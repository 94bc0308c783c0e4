"""Per-session fan-out: one :class:`SessionHub` per co-browsing session.

A frame is encoded once and the same bytes are handed to every connection.
Each connection has its own writer task and a bounded queue, so a slow
participant never slows the others: when its queue is full it is dropped and
the connection is resynced with the current snapshot. Latest-wins frames
(pointer) replace a pending frame of the same type instead of queueing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import Msg, encode
from cobrowse.tasks import spawn

__all__ = ["TRAFFIC", "Connection", "FrameTally", "Relay", "SessionHub"]

log = logging.getLogger(__name__)

QUEUE_LIMIT = 256
LOG_LIMIT = 10_000
# Ordered frames that change the page and so are replayed after the snapshot.
LOGGED = frozenset({Msg.MUTATIONS})
# Frames kept per participant for when it attaches (SessionHub.send_on_arrival).
ARRIVING_KEPT = 4


@dataclass(slots=True)
class FrameTally:
    """Frames (one per recipient) and their bytes queued for participants."""

    frames: int = 0
    bytes: int = 0

    def add(self, recipients: int, frame_bytes: int) -> None:
        self.frames += recipients
        self.bytes += recipients * frame_bytes


# Read by cobrowse.metrics at scrape time: one tally per process (the hub has
# no app reference; production runs one relay app per process).
TRAFFIC = FrameTally()


class Relay(Protocol):
    """Where a hub's frames also go in cluster mode: to the other nodes'
    connections of the session (implemented in :mod:`cobrowse.cluster`).

    Every method gets the encoded frame, the same bytes the local
    connections get, so the other nodes send them unchanged. ``exclude``:
    the participant that must not get it ("" for nobody).
    """

    def ordered(self, seq: int, exclude: str, frame: bytes) -> None:
        """An ordered frame with sequence number ``seq``."""

    def latest(self, msg: Msg, exclude: str, frame: bytes) -> None:
        """A latest-wins frame of type ``msg``."""

    def to(self, participant: str, frame: bytes) -> None:
        """An ordered frame for ``participant``, who is not connected here."""

    def to_latest(self, participant: str, msg: Msg, key: str, frame: bytes) -> None:
        """A latest-wins frame (per ``key``) for ``participant``, not connected here."""


class Connection:
    """One participant's WebSocket with its bounded outbound queue.

    Only the connection's own writer task awaits the socket; everyone else
    calls the non-blocking :meth:`send` / :meth:`send_latest`.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        participant_id: str,
        role: str,
        resync: Callable[[], list[bytes]],
        limit: int = QUEUE_LIMIT,
    ) -> None:
        self.ws = ws
        self.participant_id = participant_id
        self.role = role
        self._resync = resync
        self._limit = limit
        self._frames: deque[bytes] = deque()
        self._latest: dict[tuple[int, str], bytes] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set whenever the writer has sent everything queued
        self._idle.set()
        self._overflowed = False
        self.resyncs = 0
        self._writer: asyncio.Task[None] | None = None
        self._queued_at = time.monotonic()  # the last frame for the peer (see quiet_for)

    def start(self) -> None:
        self._writer = spawn(self._write_loop(), f"writer-{self.participant_id}")

    def quiet_for(self) -> float:
        """Seconds since the last frame was queued for the peer (cobrowse.ws_liveness)."""
        return time.monotonic() - self._queued_at

    def send(self, frame: bytes) -> None:
        """Queue an ordered frame; on overflow, drop the backlog and resync later."""
        self._queued_at = time.monotonic()
        if len(self._frames) >= self._limit:
            self._frames.clear()
            self._overflowed = True
        else:
            self._frames.append(frame)
        self._idle.clear()
        self._wake.set()

    def send_latest(self, kind: Msg, frame: bytes, key: str = "") -> None:
        """Queue a latest-wins frame, replacing a pending one of the same kind
        and ``key`` (e.g. whose pointer it is: one citizen's never replaces another's).

        When nothing is queued and the socket is not backed up, the frame is
        written at once instead of waking the writer task: one event-loop hop
        less per delivery brought the relay's pointer latency and CPU per
        delivery close to a bare forwarder's (docs/benchmarks.md, "relay").
        """
        self._queued_at = time.monotonic()
        if self._idle.is_set() and self._write_now(frame):
            return
        self._latest[int(kind), key] = frame
        self._idle.clear()
        self._wake.set()

    def _write_now(self, frame: bytes) -> bool:
        """Write ``frame`` synchronously if that cannot block; False: queue it.

        Uses aiohttp's frame writer (not public API: any other aiohttp falls
        back to the queue). Only for an idle connection, so ordering holds.
        """
        writer = getattr(self.ws, "_writer", None)
        write = getattr(writer, "_write_websocket_frame", None)
        protocol = getattr(writer, "protocol", None)
        if (
            write is None
            or self.ws.closed
            or getattr(writer, "_closing", True)
            or getattr(protocol, "_paused", True)
        ):
            return False
        try:
            write(frame, 0x2, 0)  # a binary frame, uncompressed
        except ConnectionError:
            return True  # the peer went away; the reader side cleans up
        return True

    async def _write_loop(self) -> None:
        try:
            while not self.ws.closed:
                await self._wake.wait()
                self._wake.clear()
                if self._overflowed:
                    self._overflowed = False
                    self.resyncs += 1
                    self._frames = deque(self._resync())
                while self._frames:
                    await self.ws.send_bytes(self._frames.popleft())
                while self._latest:
                    _, frame = self._latest.popitem()
                    await self.ws.send_bytes(frame)
                if not self._frames and not self._latest:
                    self._idle.set()
        except (ConnectionResetError, RuntimeError):
            pass  # the peer went away; the reader side cleans up

    async def close(self, code: int, message: str) -> None:
        """Flush what is queued (bounded), then close with a German reason."""
        if self._writer is not None:
            if self._frames or self._latest:
                self._wake.set()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), 2)
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        if not self.ws.closed:
            # a close reason may hold 123 bytes; never cut a character in half
            reason = message.encode("utf-8")[:120].decode("utf-8", "ignore").encode("utf-8")
            await self.ws.close(code=code, message=reason)


class SessionHub:
    """Fan-out and sequence numbers for one co-browsing session.

    Ordered frames (snapshot, notices, participants, ended) carry the
    session's increasing sequence number; the last snapshot frame is kept
    for late joiners and resyncs.
    """

    def __init__(self, relay: Relay | None = None) -> None:
        self.connections: dict[str, Connection] = {}
        self.seq = 0
        self.snapshot_frame: bytes | None = None
        self.snapshot_seq = 0
        # Ordered frames since the last snapshot that change the page, for
        # late joiners and resume (bounded; see replay()).
        self.log: deque[tuple[int, bytes]] = deque(maxlen=LOG_LIMIT)
        self.frames_out = 0
        self._relay = relay  # cluster mode: the other nodes get every frame too
        # participant id → frames kept for it until it attaches here (see send_on_arrival)
        self.arriving: dict[str, list[bytes]] = {}

    @property
    def clustered(self) -> bool:
        """Whether other nodes take part in the session (cluster mode)."""
        return self._relay is not None

    @property
    def owned(self) -> bool:
        """Whether this hub sequences the session's frames (False: a copy of a
        session another node owns, which forwards what it is given)."""
        return True

    def attach(self, conn: Connection, last_seq: int = 0) -> None:
        """Add a connection and start its writer. It first gets what it missed:
        the frames after ``last_seq`` when it still has the current page,
        otherwise the current snapshot and the page's later changes."""
        old = self.connections.get(conn.participant_id)
        if old is not None:
            spawn(old.close(4002, DE["close_other_window"]), "close-other-window")
        self.connections[conn.participant_id] = conn
        conn.start()
        for frame in self.replay(last_seq):
            conn.send(frame)
        for frame in self.arriving.pop(conn.participant_id, ()):
            conn.send(frame)

    def take_over(self, old: SessionHub, *, seq: int | None = None) -> None:
        """Replace ``old`` (a hub swap, cluster mode): take its connections and
        page frames. ``seq``: go on from there (a new owner's epoch); by
        default from the later of the two hubs' sequence numbers."""
        self.connections, old.connections = old.connections, {}
        self.seq = max(self.seq, old.seq) if seq is None else seq
        self.snapshot_frame, self.snapshot_seq = old.snapshot_frame, old.snapshot_seq
        self.log = old.log
        self.frames_out = old.frames_out
        self.arriving, old.arriving = old.arriving, {}

    def detach(self, conn: Connection) -> None:
        if self.connections.get(conn.participant_id) is conn:
            del self.connections[conn.participant_id]

    def current_frames(self) -> list[bytes]:
        """The current page from scratch: snapshot plus its later changes."""
        if self.snapshot_frame is None:
            return []
        return [self.snapshot_frame, *(frame for _, frame in self.log)]

    def replay(self, last_seq: int) -> list[bytes]:
        """Frames a participant that saw everything up to ``last_seq`` needs."""
        if self.snapshot_frame is None:
            return []
        if last_seq >= self.snapshot_seq and last_seq <= self.seq:
            complete = len(self.log) < LOG_LIMIT or self.log[0][0] <= last_seq + 1
            if complete:
                return [frame for seq, frame in self.log if seq > last_seq]
        return self.current_frames()

    def broadcast(
        self, msg: Msg, body: Mapping[str, Any], *, exclude: str | None = None
    ) -> bytes | None:
        """Encode an ordered frame once and queue it for every connection.

        Returns the frame, or None when this hub does not sequence the
        session (:attr:`owned` is False) and only passed the message on to
        the hub that does.
        """
        self.seq += 1
        frame = encode(msg, self.seq, body)
        if msg is Msg.SNAPSHOT:
            self.snapshot_frame = frame
            self.snapshot_seq = self.seq
            self.log.clear()
        elif msg in LOGGED:
            self.log.append((self.seq, frame))
        if self._relay is not None:
            self._relay.ordered(self.seq, exclude or "", frame)
        for pid, conn in self.connections.items():
            if pid != exclude:
                conn.send(frame)
                self.frames_out += 1
                TRAFFIC.add(1, len(frame))
        return frame

    def broadcast_latest(self, msg: Msg, body: Mapping[str, Any], *, exclude: str | None) -> None:
        """Encode a latest-wins frame (seq 0) once and offer it to every other connection."""
        frame = encode(msg, 0, body)
        if self._relay is not None:
            self._relay.latest(msg, exclude or "", frame)
        for pid, conn in self.connections.items():
            if pid != exclude:
                conn.send_latest(msg, frame)
                self.frames_out += 1
                TRAFFIC.add(1, len(frame))

    def send_to(self, participant_id: str, msg: Msg, body: Mapping[str, Any]) -> None:
        conn = self.connections.get(participant_id)
        if conn is not None:
            frame = encode(msg, 0, body)
            conn.send(frame)
            TRAFFIC.add(1, len(frame))
        elif self._relay is not None:
            self._relay.to(participant_id, encode(msg, 0, body))

    def send_on_arrival(self, participant_id: str, msg: Msg, body: Mapping[str, Any]) -> None:
        """An unordered frame for one participant connected to this hub, or,
        while it is not, kept until it attaches here (then it comes after the
        frames it missed; at most :data:`ARRIVING_KEPT` wait). For what a
        node has to say to someone who is on the way to it: the advisor
        whose session it just took over (cobrowse.cluster.ownership)."""
        if participant_id in self.connections:
            self.send_to(participant_id, msg, body)
            return
        kept = self.arriving.setdefault(participant_id, [])
        kept.append(encode(msg, 0, body))
        del kept[:-ARRIVING_KEPT]

    def send_latest_to(
        self, participant_id: str, msg: Msg, body: Mapping[str, Any], key: str = ""
    ) -> None:
        """A latest-wins frame (per ``key``, see :meth:`Connection.send_latest`) for
        one participant, on whichever node it is connected."""
        frame = encode(msg, 0, body)
        conn = self.connections.get(participant_id)
        if conn is not None:
            conn.send_latest(msg, frame, key)
            TRAFFIC.add(1, len(frame))
        elif self._relay is not None:
            self._relay.to_latest(participant_id, msg, key, frame)

    async def close_all(self, code: int, message: str) -> None:
        conns = list(self.connections.values())
        self.connections.clear()
        await asyncio.gather(*(c.close(code, message) for c in conns), return_exceptions=True)
