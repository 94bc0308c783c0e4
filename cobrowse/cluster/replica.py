"""A node's copy of a session owned by another node (cluster mode only).

Bus messages of a session channel: ``struct ">BQB"`` (kind, seq or message
type, participant-id length), the participant id (ASCII), then the data —
for frames the bytes the owner fanned out, unchanged. Kinds:
:data:`~cobrowse.hub.RELAY_ORDERED` (seq; the id is the excluded one),
:data:`~cobrowse.hub.RELAY_LATEST` (message type; excluded id),
:data:`~cobrowse.hub.RELAY_TO` (only for the participant named) and
:data:`KIND_CONTROL` (msgpack ``{"op": …}`` for the owner: ``roster``,
``broadcast``, ``latest``, ``to``, ``resync``), :data:`KIND_RESYNC` (the
owner's whole page, :func:`pack_page`, after the bus was down),
:data:`KIND_OWNER` (the sender now owns the session; seq: its first
sequence number, see :mod:`cobrowse.cluster.handover`) and :data:`KIND_TO_LATEST`
(a latest-wins frame for the participant named, wherever it is connected;
seq: the message type).

A :class:`ReplicaHub` never sequences anything itself: what the relay code
broadcasts on a replica goes to the owner, which broadcasts it for everyone.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import msgpack

from cobrowse.hub import LOGGED, RELAY_LATEST, RELAY_ORDERED, RELAY_TO, RELAY_TO_LATEST, SessionHub
from cobrowse.protocol import Msg
from cobrowse.sessions import CLOSE_REMOVED, REMOVED_MESSAGES, CoSession, Participant

__all__ = [
    "KIND_CONTROL",
    "KIND_OWNER",
    "KIND_RESYNC",
    "KIND_TO_LATEST",
    "ReplicaHub",
    "frame_head",
    "merge_roster",
    "pack",
    "pack_page",
    "unpack",
]

KIND_CONTROL = 4
KIND_RESYNC = 5
KIND_OWNER = 6
KIND_TO_LATEST = RELAY_TO_LATEST
_HEADER = struct.Struct(">BQB")

Forward = Callable[[str, dict[str, Any]], None]


def pack(kind: int, seq: int, participant: str, data: bytes) -> bytes:
    """One bus message (see the module docstring)."""
    pid = participant.encode("ascii")
    return _HEADER.pack(kind, seq, len(pid)) + pid + data


def unpack(message: bytes) -> tuple[int, int, str, bytes] | None:
    """(kind, seq, participant id, data), or None for anything malformed."""
    if len(message) < _HEADER.size:
        return None
    kind, seq, length = _HEADER.unpack_from(message)
    end = _HEADER.size + length
    if len(message) < end:
        return None
    try:
        pid = message[_HEADER.size : end].decode("ascii")
    except UnicodeDecodeError:
        return None
    return kind, seq, pid, message[end:]


def frame_head(frame: bytes) -> tuple[int, int]:
    """(message type, seq) of an encoded frame without decoding its body; (0, 0) if bad."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(frame[:32])  # the array header, type and seq come first
    try:
        if unpacker.read_array_header() != 3:
            return 0, 0
        kind, seq = unpacker.unpack(), unpacker.unpack()
    except Exception:  # msgpack raises a zoo of types for bad input
        return 0, 0
    if not isinstance(kind, int) or not isinstance(seq, int):
        return 0, 0
    return kind, seq


def pack_page(hub: SessionHub) -> bytes:
    """The owner's current page for a resync: seq, snapshot and the log after it."""
    page = [hub.seq, hub.snapshot_seq, hub.snapshot_frame, [frame for _, frame in hub.log]]
    data: bytes = msgpack.packb(page, use_bin_type=True)
    return data


class ReplicaHub(SessionHub):
    """Local fan-out of another node's session; sequencing stays with the owner."""

    def __init__(self, forward: Forward) -> None:
        super().__init__()
        self.owned = False
        self.owner = ""  # the node producing the ordered frames (for the owner watch)
        self._forward = forward
        self.roster: Callable[[], None] = lambda: None
        self.local: set[str] = set()  # participants that joined through this node
        self.seen: set[str] = set()  # of those, the ones the owner has listed

    def broadcast(self, msg: Msg, body: dict[str, Any], *, exclude: str | None = None) -> bytes:
        if msg is Msg.PARTICIPANTS:
            self.roster()  # the owner broadcasts the list for everyone
        elif msg is not Msg.ENDED:  # a replica only ends locally (shutdown)
            self._forward("broadcast", {"msg": int(msg), "body": body, "exclude": exclude})
        return b""

    def broadcast_latest(self, msg: Msg, body: dict[str, Any], *, exclude: str | None) -> None:
        self._forward("latest", {"msg": int(msg), "body": body, "exclude": exclude})

    def send_to(self, participant_id: str, msg: Msg, body: dict[str, Any]) -> None:
        if participant_id in self.connections:
            super().send_to(participant_id, msg, body)
        elif msg is not Msg.ADMISSIONS:  # the owner sends the advisor its own list
            self._forward("to", {"participant": participant_id, "msg": int(msg), "body": body})

    def apply(self, kind: int, seq: int, participant: str, frame: bytes) -> bool:
        """Fan out a frame of the owner; returns True when it ended the session."""
        if kind == RELAY_ORDERED:
            if seq <= self.seq:
                return False  # already seen (seeded from the shared state)
            self.seq = seq
            msg = frame_head(frame)[0]
            if msg == Msg.SNAPSHOT:
                self.snapshot_frame, self.snapshot_seq = frame, seq
                self.log.clear()
            elif msg in LOGGED:
                self.log.append((seq, frame))
            for pid, conn in self.connections.items():
                if pid != participant:
                    conn.send(frame)
                    self.frames_out += 1
            return msg == Msg.ENDED
        if kind == RELAY_LATEST:
            for pid, conn in self.connections.items():
                if pid != participant:
                    conn.send_latest(Msg(seq), frame)
                    self.frames_out += 1
        elif kind == RELAY_TO:
            target = self.connections.get(participant)
            if target is not None:
                target.send(frame)
        return False

    def seed(
        self, snapshot_seq: int, snapshot: bytes, later: list[bytes], seq: int = 0
    ) -> list[bytes]:
        """Take the owner's page when it is newer than this replica's.

        Returns what the local connections missed: the whole page when the
        snapshot changed, else the newer log frames ([] when nothing is newer).
        """
        frames = [(frame_head(f)[1], f) for f in later]
        last = max([snapshot_seq, seq, *(s for s, _ in frames)])
        if last <= self.seq:
            return []
        old, new_page = self.seq, snapshot_seq != self.snapshot_seq
        self.snapshot_frame, self.snapshot_seq = snapshot, snapshot_seq
        self.log.clear()
        self.log.extend(frames)
        self.seq = last
        return self.current_frames() if new_page else [f for s, f in frames if s > old]

    def resync(self, data: bytes) -> list[bytes]:
        """Apply the owner's :func:`pack_page`; returns what to send (see :meth:`seed`)."""
        try:
            seq, snapshot_seq, snapshot, later = msgpack.unpackb(data, raw=False)
        except Exception:  # msgpack raises a zoo of types for bad input
            return []
        if not isinstance(snapshot, bytes):
            return []
        return self.seed(int(snapshot_seq), snapshot, list(later), int(seq))


def merge_roster(session: CoSession, frame: bytes) -> None:
    """Apply the owner's PARTICIPANTS frame to a replica: admissions, removals, others."""
    hub = session.hub
    assert isinstance(hub, ReplicaHub)
    body = msgpack.unpackb(frame, raw=False)[2]
    listed = {str(p["id"]): p for p in body.get("participants", [])}
    for pid, person in list(session.participants.items()):
        entry = listed.get(pid)
        if pid not in hub.local:
            if entry is None:
                del session.participants[pid]
            else:
                person.state = str(entry["state"])
            continue
        if entry is not None:
            hub.seen.add(pid)
            if person.state == "pending" and entry["state"] == "active":
                person.state, person.phrase = "active", None
                person.decided.set()
        elif pid in hub.seen:  # the owner removed or denied this person
            reason = "denied" if person.state == "pending" else "removed"
            hub.local.discard(pid)
            session.participants.pop(pid, None)
            person.state, person.removed_reason = "removed", reason
            person.decided.set()
            conn = hub.connections.get(pid)
            if conn is not None:
                hub.detach(conn)
                hub.spawn(conn.close(CLOSE_REMOVED, REMOVED_MESSAGES[reason]))
    for pid, entry in listed.items():
        if pid not in session.participants and pid not in hub.local:
            session.participants[pid] = Participant(pid, str(entry["role"]), state=entry["state"])
