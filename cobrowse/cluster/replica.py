"""A node's copy of a session owned by another node (cluster mode only).

A :class:`ReplicaHub` never sequences anything itself: what the relay code
broadcasts on a replica goes to the owner as a control op
(:mod:`cobrowse.cluster.wire`), and the owner broadcasts it for everyone;
the owner's frames come back over the bus and the replica fans them out to
the participants connected through this node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cobrowse.cluster.wire import (
    Broadcast,
    BusKind,
    ControlOp,
    Envelope,
    Latest,
    PageCopy,
    Roster,
    RosterEntry,
    SendTo,
    WireError,
    frame_head,
)
from cobrowse.protocol import Msg, read_frame
from cobrowse.session.hub import LOGGED, Relay, SessionHub
from cobrowse.session.model import (
    CLOSE_REMOVED,
    REMOVED_MESSAGES,
    CoSession,
    Participant,
    Role,
    State,
)
from cobrowse.shared_state import ParticipantRecord, SessionMeta, SharedState
from cobrowse.tasks import spawn

__all__ = ["ReplicaHub", "replica_of", "replica_session", "seed_replica"]

Forward = Callable[[ControlOp], None]


def replica_of(session: CoSession) -> ReplicaHub | None:
    """The session's hub when it is a replica (another node owns the session)."""
    hub = session.hub
    return hub if isinstance(hub, ReplicaHub) else None


def replica_session(
    meta: SessionMeta, records: list[ParticipantRecord], hub: ReplicaHub, confirm_mode: str
) -> CoSession:
    """This node's copy of the session ``meta`` with the shared state's participants."""
    session = CoSession(
        meta.session_id,
        meta.advisor,
        meta.code,
        meta.code_expires_at,
        meta.created_at,
        confirm_mode=confirm_mode,
        hub=hub,
    )
    for record in records:
        role, state = Role(record.role), State(record.state)
        session.participants[record.id] = Participant(
            record.id, role, viewport=record.viewport, state=state
        )
    return session


async def seed_replica(state: SharedState, session: CoSession) -> None:
    """Bring a replica's seq, snapshot and log up to the shared state's."""
    hub = replica_of(session)
    snapshot = await state.latest_snapshot(session.id)
    if hub is None or snapshot is None or snapshot[0] < hub.snapshot_seq:
        return
    later = await state.frames_after(session.id, snapshot[0]) or []
    hub.send_all(hub.seed(snapshot[0], snapshot[1], later))


class ReplicaHub(SessionHub):
    """Local fan-out of another node's session; sequencing stays with the owner."""

    def __init__(
        self,
        owner: str,
        forward: Forward,
        relay: Relay,
        roster: Callable[[], None],
        local: set[str] | None = None,
    ) -> None:
        """``owner``: the node producing the ordered frames; ``forward``: sends a
        control op to it; ``roster``: tells it who is here (see :meth:`roster_op`);
        ``local``: the participants already connected through this node."""
        super().__init__(relay)  # only send_latest_to reaches the relay
        self._owner = owner
        self._forward = forward
        self._roster = roster
        self.local: set[str] = set(local or ())  # participants that joined through this node
        self.seen: set[str] = set(self.local)  # of those, the ones the owner has listed
        # missed frames of the owner (it was the owner until now): take the next
        # page copy whatever its seq, the frames seen since may not include its page
        self.stale = False

    @property
    def owned(self) -> bool:
        return False

    @property
    def owner(self) -> str:
        """The node that owns the session (watched for its heartbeat)."""
        return self._owner

    def follow(self, owner: str) -> None:
        """Another node owns the session now; it learns who is here."""
        self._owner = owner
        self._roster()

    def follow_quietly(self, owner: str) -> None:
        """Note a new owner this node missed the announcement of."""
        self._owner = owner

    def arrived(self, participant_id: str, *, listed: bool = False) -> None:
        """``participant_id`` is connected through this node; ``listed``: the
        owner knows of it already (it came back with its token)."""
        self.local.add(participant_id)
        if listed:
            self.seen.add(participant_id)

    def roster_op(self, session: CoSession, node: str) -> Roster:
        """What the owner must know of this node's participants."""
        people = tuple(
            RosterEntry(p.id, p.role, p.state, p.phrase, p.viewport)
            for pid, p in session.participants.items()
            if pid in self.local
        )
        return Roster(node, people)

    def broadcast(
        self, msg: Msg, body: Mapping[str, Any], *, exclude: str | None = None
    ) -> bytes | None:
        """Pass ``msg`` on to the owner, which sequences and broadcasts it; None."""
        if msg is Msg.PARTICIPANTS:
            self._roster()  # the owner broadcasts the list for everyone
        elif msg is not Msg.ENDED:  # a replica only ends locally (shutdown)
            self._forward(Broadcast(msg, dict(body), exclude))
        return None

    def broadcast_latest(self, msg: Msg, body: Mapping[str, Any], *, exclude: str | None) -> None:
        self._forward(Latest(msg, dict(body), exclude))

    def send_to(self, participant_id: str, msg: Msg, body: Mapping[str, Any]) -> None:
        if participant_id in self.connections:
            super().send_to(participant_id, msg, body)
        elif msg is not Msg.ADMISSIONS:  # the owner sends the advisor its own list
            self._forward(SendTo(participant_id, msg, dict(body)))

    def send_all(self, frames: list[bytes]) -> None:
        """Queue ``frames`` for every connection here (what they missed)."""
        for conn in self.connections.values():
            for frame in frames:
                conn.send(frame)

    def apply(self, message: Envelope) -> int | None:
        """Fan out a frame of the owner; returns the message type of an ordered
        frame it took (the caller acts on ``PARTICIPANTS`` and ``ENDED``), else None."""
        kind, seq, participant, frame = (
            message.kind,
            message.seq,
            message.participant,
            message.data,
        )
        if kind is BusKind.ORDERED:
            if seq <= self.seq:
                return None  # already seen (seeded from the shared state)
            self.seq = seq
            msg = frame_head(frame)[0]
            if msg == Msg.SNAPSHOT:
                self.snapshot_frame, self.snapshot_seq = frame, seq
                self.log.clear()
                self.stale = False
            elif msg in LOGGED:
                self.log.append((seq, frame))
            for pid, conn in self.connections.items():
                if pid != participant:
                    conn.send(frame)
                    self.frames_out += 1
            return msg
        if kind is BusKind.LATEST:
            try:
                latest = Msg(seq)
            except ValueError:  # an unknown message type: drop it
                return None
            for pid, conn in self.connections.items():
                if pid != participant:
                    conn.send_latest(latest, frame)
                    self.frames_out += 1
        elif kind is BusKind.TO:
            target = self.connections.get(participant)
            if target is not None:
                target.send(frame)
        return None

    def seed(
        self, snapshot_seq: int, snapshot: bytes, later: list[bytes], seq: int = 0
    ) -> list[bytes]:
        """Take the owner's page when it is newer than this replica's (or this
        replica is :attr:`stale`).

        Returns what the local connections missed: the whole page when the
        snapshot changed (or the replica was stale), else the newer log frames
        ([] when nothing is newer).
        """
        frames = [(frame_head(f)[1], f) for f in later]
        last = max([snapshot_seq, seq, *(s for s, _ in frames)])
        if last <= self.seq and not self.stale:
            return []
        old, new_page = self.seq, self.stale or snapshot_seq != self.snapshot_seq
        self.snapshot_frame, self.snapshot_seq = snapshot, snapshot_seq
        self.log.clear()
        self.log.extend(frames)
        self.seq, self.stale = max(last, self.seq), False
        return self.current_frames() if new_page else [f for s, f in frames if s > old]

    def resync(self, data: bytes) -> list[bytes]:
        """Apply the owner's :class:`PageCopy`; returns what to send (see :meth:`seed`)."""
        try:
            page = PageCopy.unpack(data)
        except WireError:
            return []
        return self.seed(page.snapshot_seq, page.snapshot, page.later, page.seq)

    def merge_roster(self, session: CoSession, frame: bytes) -> None:
        """Apply the owner's PARTICIPANTS frame (``session`` is this hub's):
        admissions, removals, others."""
        body = read_frame(frame)[2]
        listed = {str(p["id"]): p for p in body.get("participants", [])}
        for pid, person in list(session.participants.items()):
            entry = listed.get(pid)
            if pid not in self.local:
                if entry is None:
                    del session.participants[pid]
                else:
                    person.state = State(str(entry["state"]))
                continue
            if entry is not None:
                self.seen.add(pid)
                if person.state == "pending" and entry["state"] == "active":
                    person.state, person.phrase = State.ACTIVE, None
                    person.decided.set()
            elif pid in self.seen:  # the owner removed or denied this person
                reason = "denied" if person.state == "pending" else "removed"
                self.local.discard(pid)
                session.participants.pop(pid, None)
                person.state, person.removed_reason = State.REMOVED, reason
                person.decided.set()
                conn = self.connections.get(pid)
                if conn is not None:
                    self.detach(conn)
                    spawn(conn.close(CLOSE_REMOVED, REMOVED_MESSAGES[reason]), "close-removed")
        for pid, entry in listed.items():
            if pid not in session.participants and pid not in self.local:
                role, state = Role(str(entry["role"])), State(str(entry["state"]))
                session.participants[pid] = Participant(pid, role, state=state)
