"""What cluster nodes say to each other on a session's two bus channels.

A session has two channels: the owner publishes its frames on the *frames
channel* (:func:`frames_channel`), which only replicas subscribe to;
replicas send control ops on the *control channel* (:func:`control_channel`),
which only the owner subscribes to. So no node reads its own frames back
from Redis (with one channel, reading and dropping its own echoes was a
tenth of the owner's CPU under the relay benchmark's pointer load). A new owner
announces itself (``OWNER``) on both. ``TO_LATEST`` goes on the channel the
sender's role publishes on: a replica's to the owner, the owner's to the
replicas.

Every bus message is ``struct ">BQB"`` (:class:`BusKind`, a sequence number
or message type, the participant id's length), the participant id (ASCII),
then the data. Frames travel as the exact bytes the owner fanned out to its
own connections, so a replica forwards them without re-encoding.

=============  =========  =======  ==========================  ==============================
kind           sent by    channel  seq field                   participant / data
=============  =========  =======  ==========================  ==============================
``ORDERED``    owner      frames   the frame's sequence number excluded id / the frame
``LATEST``     owner      frames   the message type            excluded id / the frame
``TO``         owner      frames   0                           addressee / the frame
``TO_LATEST``  any node   either   the message type            ``"<id>/<key>"`` / the frame
``CONTROL``    replica    control  0                           "" / a :data:`ControlOp`
``RESYNC``     owner      frames   the owner's seq             "" / a :class:`PageCopy`
``OWNER``      new owner  both     its first sequence number   "" / nothing
=============  =========  =======  ==========================  ==============================

Control ops ask the owner to act for a replica's participants (see
:mod:`cobrowse.cluster.owner`); they are msgpack maps ``{"op": name, …}``
and are checked field by field when unpacked (:func:`unpack_control`), so a
bad message from another node is one :class:`WireError`, never a crash.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import msgpack

from cobrowse.bus import Bus, session_channel
from cobrowse.protocol import Msg

__all__ = [
    "Broadcast",
    "BusKind",
    "ChannelRelay",
    "ControlOp",
    "Envelope",
    "Latest",
    "PageCopy",
    "Resync",
    "Roster",
    "RosterEntry",
    "SendTo",
    "WireError",
    "announce_owner",
    "control_channel",
    "frame_head",
    "frames_channel",
    "pack",
    "pack_control",
    "unpack",
    "unpack_control",
]

_HEADER = struct.Struct(">BQB")


class BusKind(IntEnum):
    """The kind of a bus message (the first byte; see the module docstring)."""

    ORDERED = 1
    LATEST = 2
    TO = 3
    CONTROL = 4
    RESYNC = 5
    OWNER = 6
    TO_LATEST = 7


_KINDS = {kind.value: kind for kind in BusKind}


class WireError(ValueError):
    """Another node sent something this node cannot read."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One unpacked bus message."""

    kind: BusKind
    seq: int
    participant: str
    data: bytes


def pack(kind: BusKind, seq: int, participant: str, data: bytes) -> bytes:
    """One bus message (see the module docstring)."""
    pid = participant.encode("ascii")
    return _HEADER.pack(kind, seq, len(pid)) + pid + data


def unpack(message: bytes) -> Envelope | None:
    """The message's parts, or None for anything malformed or of an unknown kind."""
    if len(message) < _HEADER.size:
        return None
    number, seq, length = _HEADER.unpack_from(message)
    end = _HEADER.size + length
    kind = _KINDS.get(number)  # a dict lookup: BusKind(number) costs 10× as much
    if kind is None or len(message) < end:
        return None
    try:
        pid = message[_HEADER.size : end].decode("ascii")
    except UnicodeDecodeError:
        return None
    return Envelope(kind, seq, pid, message[end:])


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


def frames_channel(session_id: str) -> str:
    """The channel the owner publishes the session's frames on; replicas listen."""
    return session_channel(session_id)


def control_channel(session_id: str) -> str:
    """The channel replicas send the session's control ops on; the owner listens."""
    return session_channel(session_id) + ":control"


def announce_owner(bus: Bus, session_id: str, seq: int) -> None:
    """Tell every node that this node owns ``session_id`` now, starting at ``seq``:
    on the frames channel for the replicas, on the control channel for the
    node that owned it (it steps down)."""
    message = pack(BusKind.OWNER, seq, "", b"")
    bus.publish(frames_channel(session_id), message)
    bus.publish(control_channel(session_id), message)


class ChannelRelay:
    """A hub's :class:`~cobrowse.session.hub.Relay` onto one of a session's bus
    channels (an owner's onto :func:`frames_channel`, a replica's onto
    :func:`control_channel`)."""

    def __init__(self, bus: Bus, channel: str) -> None:
        self.bus = bus
        self.channel = channel

    def publish(self, kind: BusKind, seq: int, participant: str, data: bytes) -> None:
        self.bus.publish(self.channel, pack(kind, seq, participant, data))

    def ordered(self, seq: int, exclude: str, frame: bytes) -> None:
        self.publish(BusKind.ORDERED, seq, exclude, frame)

    def latest(self, msg: Msg, exclude: str, frame: bytes) -> None:
        self.publish(BusKind.LATEST, int(msg), exclude, frame)

    def to(self, participant: str, frame: bytes) -> None:
        self.publish(BusKind.TO, 0, participant, frame)

    def to_latest(self, participant: str, msg: Msg, key: str, frame: bytes) -> None:
        self.publish(BusKind.TO_LATEST, int(msg), f"{participant}/{key}", frame)

    def control(self, op: ControlOp) -> None:
        """Ask the session's owner to act (sent by a replica)."""
        self.publish(BusKind.CONTROL, 0, "", pack_control(op))


@dataclass(frozen=True, slots=True)
class PageCopy:
    """The owner's current page (``RESYNC``): its seq, the snapshot and the log after it."""

    seq: int
    snapshot_seq: int
    snapshot: bytes
    later: list[bytes]

    def pack(self) -> bytes:
        page = [self.seq, self.snapshot_seq, self.snapshot, self.later]
        data: bytes = msgpack.packb(page, use_bin_type=True)
        return data

    @classmethod
    def unpack(cls, data: bytes) -> PageCopy:
        try:
            seq, snapshot_seq, snapshot, later = msgpack.unpackb(data, raw=False)
        except Exception as exc:  # msgpack raises a zoo of types for bad input
            raise WireError("page copy is not a msgpack list of four") from exc
        if not isinstance(snapshot, bytes) or not isinstance(later, list):
            raise WireError("page copy without a snapshot frame")
        if not all(isinstance(frame, bytes) for frame in later):
            raise WireError("page copy with a log entry that is not a frame")
        return cls(_int(seq), _int(snapshot_seq), snapshot, later)


# -- control ops (replica → owner) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One participant connected through the sending node, as that node sees it."""

    id: str
    role: str
    state: str
    phrase: str | None
    viewport: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class Roster:
    """``node``'s participants of the session (the owner merges them)."""

    node: str
    participants: tuple[RosterEntry, ...]


@dataclass(frozen=True, slots=True)
class Broadcast:
    """Broadcast an ordered frame for the session (a replica's participant acted)."""

    msg: Msg
    body: dict[str, Any]
    exclude: str | None


@dataclass(frozen=True, slots=True)
class Latest:
    """Broadcast a latest-wins frame (e.g. a citizen's pointer)."""

    msg: Msg
    body: dict[str, Any]
    exclude: str | None


@dataclass(frozen=True, slots=True)
class SendTo:
    """Send a frame to one participant, on whichever node it is connected."""

    participant: str
    msg: Msg
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resync:
    """Send the whole page again (the sending node's bus was down)."""


ControlOp = Roster | Broadcast | Latest | SendTo | Resync


def pack_control(op: ControlOp) -> bytes:
    """The ``CONTROL`` message data for ``op``."""
    fields: dict[str, Any]
    match op:
        case Roster(node, people):
            entries = [
                {
                    "id": p.id,
                    "role": p.role,
                    "state": p.state,
                    "phrase": p.phrase,
                    "viewport": list(p.viewport) if p.viewport else None,
                }
                for p in people
            ]
            fields = {"op": "roster", "node": node, "participants": entries}
        case Broadcast(msg, body, exclude):
            fields = {"op": "broadcast", "msg": int(msg), "body": body, "exclude": exclude}
        case Latest(msg, body, exclude):
            fields = {"op": "latest", "msg": int(msg), "body": body, "exclude": exclude}
        case SendTo(participant, msg, body):
            fields = {"op": "to", "participant": participant, "msg": int(msg), "body": body}
        case Resync():
            fields = {"op": "resync"}
    data: bytes = msgpack.packb(fields, use_bin_type=True)
    return data


def unpack_control(data: bytes) -> ControlOp:
    """The control op in ``data``; :class:`WireError` for anything else."""
    try:
        fields = msgpack.unpackb(data, raw=False)
    except Exception as exc:  # msgpack raises a zoo of types for bad input
        raise WireError("control message is not msgpack") from exc
    if not isinstance(fields, dict):
        raise WireError("control message is not a map")
    op = fields.get("op")
    if op == "roster":
        people = fields.get("participants")
        if not isinstance(people, list):
            raise WireError("roster without a participant list")
        return Roster(_str(fields.get("node")), tuple(_entry(p) for p in people))
    if op == "broadcast":
        return Broadcast(_msg(fields.get("msg")), _body(fields), _exclude(fields))
    if op == "latest":
        return Latest(_msg(fields.get("msg")), _body(fields), _exclude(fields))
    if op == "to":
        return SendTo(_str(fields.get("participant")), _msg(fields.get("msg")), _body(fields))
    if op == "resync":
        return Resync()
    raise WireError("unknown control op")


def _entry(person: object) -> RosterEntry:
    if not isinstance(person, dict):
        raise WireError("roster entry is not a map")
    phrase = person.get("phrase")
    if phrase is not None and not isinstance(phrase, str):
        raise WireError("roster entry's phrase is not text")
    viewport = person.get("viewport")
    size: tuple[int, int] | None = None
    if viewport:
        if not isinstance(viewport, list) or len(viewport) != 2:
            raise WireError("roster entry's viewport is not a pair")
        size = (_int(viewport[0]), _int(viewport[1]))
    return RosterEntry(
        _str(person.get("id")), _str(person.get("role")), _str(person.get("state")), phrase, size
    )


def _str(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise WireError("expected non-empty text")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise WireError("expected an integer")
    return value


def _msg(value: object) -> Msg:
    try:
        return Msg(_int(value))
    except ValueError as exc:
        raise WireError("unknown message type") from exc


def _body(fields: dict[Any, Any]) -> dict[str, Any]:
    body = fields.get("body")
    if not isinstance(body, dict):
        raise WireError("frame body is not a map")
    return body


def _exclude(fields: dict[Any, Any]) -> str | None:
    exclude = fields.get("exclude")
    if exclude is not None and not isinstance(exclude, str):
        raise WireError("excluded participant is not text")
    return exclude
