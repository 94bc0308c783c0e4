"""The owner node's side of a cluster session (see :mod:`cobrowse.cluster`):
publishing its frames (:class:`OwnerRelay`), acting on the replicas' control
ops, merging other nodes' participants, writing a session back after Redis
lost it."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cobrowse.bus import Bus
from cobrowse.cluster.handover import page_record
from cobrowse.cluster.wire import (
    Broadcast,
    BusKind,
    ChannelRelay,
    ControlOp,
    Latest,
    PageCopy,
    Resync,
    Roster,
    SendTo,
    frame_head,
    frames_channel,
)
from cobrowse.codes import CodeBook
from cobrowse.pipeline.page import FormInfo
from cobrowse.protocol import Msg
from cobrowse.session.model import CoSession, Participant, Role, State
from cobrowse.shared_state import ParticipantRecord, SessionMeta, SharedState

__all__ = [
    "OwnerRelay",
    "apply_control",
    "apply_roster",
    "claim_code",
    "owner_meta",
    "publish_page",
    "reseed",
    "retry",
]

log = logging.getLogger(__name__)

# queues a shared-state write (Cluster.write); the future is done when the write is
Write = Callable[[Callable[[], Awaitable[Any]]], asyncio.Future[None]]


class OwnerRelay(ChannelRelay):
    """The owner hub's relay: every frame goes on the session's frames channel; page
    frames and, with each new page, the page record also go to the shared
    state (for resume and hand-over, :mod:`cobrowse.cluster.handover`). So
    does a record whose links or forms changed on the same page: a rendered
    page's scripts add and remove them (:mod:`cobrowse.render.live`), and a
    new owner that keeps the page must resolve what the frames show.

    ``write`` queues a shared-state write; ``recorded``: session id → the
    page number whose record was written last (shared by the node's relays).
    """

    def __init__(
        self,
        bus: Bus,
        state: SharedState,
        session: CoSession,
        write: Write,
        recorded: dict[str, int],
    ) -> None:
        super().__init__(bus, frames_channel(session.id))
        self.state = state
        self.session = session
        self._write = write
        self._recorded = recorded
        # the links and forms of the page record written last (compared by
        # identity first: a page's dicts are replaced when they change)
        self._links: dict[int, str] | None = None
        self._forms: dict[int, FormInfo] | None = None

    def ordered(self, seq: int, exclude: str, frame: bytes) -> None:
        super().ordered(seq, exclude, frame)
        msg = frame_head(frame)[0]
        if msg != Msg.SNAPSHOT and msg != Msg.MUTATIONS:
            return
        session, sid = self.session, self.session.id
        snapshot = msg == Msg.SNAPSHOT
        self._write(lambda: self.state.record_frame(sid, seq, frame, snapshot=snapshot))
        if self._recorded.get(sid) != session.page_no or self._targets_changed():
            self._recorded[sid] = session.page_no
            if session.page is not None:
                self._links, self._forms = session.page.links, session.page.forms
            record = page_record(session)
            self._write(functools.partial(self.state.save_page, sid, record, self.bus.node_id))

    def _targets_changed(self) -> bool:
        """Whether the page's links or forms differ from the last record's."""
        page = self.session.page
        if page is None or (page.links is self._links and page.forms is self._forms):
            return False
        if page.links != self._links or page.forms != self._forms:
            return True
        self._links, self._forms = page.links, page.forms  # the same: compare less next time
        return False


def owner_meta(session: CoSession, node: str) -> SessionMeta:
    """The shared metadata of ``session``, owned by ``node``."""
    return SessionMeta(
        session.id,
        session.advisor,
        session.code,
        session.created_at,
        session.code_expires_at,
        owner=node,
    )


async def claim_code(
    state: SharedState, codes: CodeBook, session: CoSession, code: str, ttl: float, node: str
) -> None:
    """Claim the code this node just issued for ``session`` across all nodes;
    when another node holds it, draw one from the shared state and tell the advisor."""
    if not await state.claim_code(code, session.id, ttl):
        codes.revoke(code)
        session.code = await state.issue_code(session.id, ttl)
        body = {"code": session.code, "expires_at": session.code_expires_at}
        session.hub.send_to("advisor", Msg.CODE, body)
    await state.save_session(owner_meta(session, node))


def publish_page(bus: Bus, session: CoSession) -> None:
    """Send the whole current page to the replicas (after the bus was down)."""
    hub = session.hub
    if hub.snapshot_frame is not None and not session.ended:
        page = PageCopy(hub.seq, hub.snapshot_seq, hub.snapshot_frame, [f for _, f in hub.log])
        relay = ChannelRelay(bus, frames_channel(session.id))
        relay.publish(BusKind.RESYNC, hub.seq, "", page.pack())


def apply_control(
    bus: Bus, session: CoSession, remote: dict[str, dict[str, str]], op: ControlOp
) -> None:
    """Act on a replica's control op for a session this node owns."""
    hub = session.hub
    match op:
        case Roster():
            apply_roster(session, remote, op)
        case Broadcast(msg, body, exclude):
            if body.get("key") == "extended":
                session.touch()
            hub.broadcast(msg, body, exclude=exclude)
        case Latest(msg, body, exclude):
            hub.broadcast_latest(msg, body, exclude=exclude)
        case SendTo(participant, msg, body):
            hub.send_to(participant, msg, body)
        case Resync():
            publish_page(bus, session)


def apply_roster(session: CoSession, remote: dict[str, dict[str, str]], roster: Roster) -> None:
    """The owner learns who of ``roster.node``'s participants is here and their viewports.

    New people are added as the joining node saw them (pending or active);
    after that the owner alone decides their state. People of that node it no
    longer lists have left. ``remote``: session id → participant id → node.
    """
    node = roster.node
    where_of = remote.setdefault(session.id, {})
    listed = set()
    for person in roster.participants:
        pid = person.id
        listed.add(pid)
        known = session.participants.get(pid)
        if known is None:
            state = State.PENDING if person.state == "pending" else State.ACTIVE
            role = Role.GUEST if person.role == "guest" else Role.CITIZEN
            known = Participant(pid, role, state=state, phrase=person.phrase)
            session.participants[pid] = known
            session.touch()
        if known.role != "advisor":
            where_of[pid] = node  # a citizen may come back through another node
        known.viewport = person.viewport
    for pid, where in list(where_of.items()):
        if where == node and pid not in listed:
            del where_of[pid]
            session.participants.pop(pid, None)
    session.broadcast_participants()


async def reseed(
    state: SharedState,
    session: CoSession,
    meta: SessionMeta,
    remote: dict[str, dict[str, str]],
    session_ttl: float = 4 * 3600,
) -> None:
    """Write a session this node owns back into the shared state (Redis may
    have restarted empty): code, metadata, participants, seq and the page."""
    if session.ended:
        return
    sid, hub = session.id, session.hub
    joined = any(p.role != "advisor" for p in session.participants.values())
    ttl = session_ttl if joined else session.code_expires_at - time.time()
    await state.claim_code(session.code, sid, max(1.0, float(ttl)))
    await state.save_session(meta)
    nodes = remote.get(sid, {})
    for person in list(session.participants.values()):
        record = ParticipantRecord(
            person.id,
            person.role,
            node=nodes.get(person.id, meta.owner),
            viewport=person.viewport,
            state=person.state,
            phrase=person.phrase,
        )
        await state.put_participant(sid, record)
    await state.ensure_seq(sid, hub.seq)
    if hub.snapshot_frame is not None:
        await state.record_frame(sid, hub.snapshot_seq, hub.snapshot_frame, snapshot=True)
        for seq, frame in list(hub.log):
            await state.record_frame(sid, seq, frame)


async def retry(job: Callable[[], Awaitable[Any]], attempts: int = 4) -> None:
    """Run ``job``; after a failure (a connection the restarted Redis broke) try again."""
    for attempt in range(attempts):
        try:
            await job()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.05 * 2**attempt)
