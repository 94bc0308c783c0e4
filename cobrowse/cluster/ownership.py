"""The owner record of a cluster session: which node owns it, and moving it.

The owner produces the session's ordered frames (what it does is in
:mod:`cobrowse.cluster.owner`). Every node sends a heartbeat to the shared
state and watches the owners of the sessions it has replicas of; a node
takes a session over when the advisor comes through it
(:meth:`Ownership.advisor_arrives`) or when the owner's heartbeat ran out.
The owner field is changed by compare-and-set, so of several nodes trying
at once one wins. The winner rebuilds the page
(:mod:`cobrowse.cluster.handover`), moves to the session's control channel,
announces itself (``BusKind.OWNER``, on both channels) and sends everyone
the page once in full. A rendered page (``render = "browser"``) it then loads
again in its own browser, since the page's scripts cannot move, and types
into it what was typed before (:mod:`cobrowse.session.field_values`); but
not one that answered a sent form (a POST): that one keeps the picture the
frames brought back, and the advisor is told why (loading its address again
would show another page; sending the form again could book twice). A former
owner that is still alive steps down to a replica when it hears that: it
moves to the frames channel and, having missed what the new owner sent
meanwhile, asks it for the whole page (and its renderer drops the session's
browser context).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from cobrowse.bus import Bus, BusState
from cobrowse.cluster.handover import next_epoch, restore_page
from cobrowse.cluster.owner import OwnerRelay
from cobrowse.cluster.replica import ReplicaHub, replica_of
from cobrowse.cluster.wire import announce_owner
from cobrowse.config import Config
from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import Msg, Notice
from cobrowse.session.field_values import FieldValues, typed_values
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession, Participant, Role, State
from cobrowse.session.publish import snapshot_body
from cobrowse.session.store import SessionStore
from cobrowse.shared_state import ParticipantRecord, SessionMeta, SharedState
from cobrowse.tasks import spawn

__all__ = ["Node", "Ownership"]

log = logging.getLogger(__name__)


class Node(Protocol):
    """What :class:`Ownership` needs of its node (the :class:`~cobrowse.cluster.Cluster`)."""

    config: Config
    store: SessionStore
    bus: Bus
    state: SharedState
    node_id: str
    remote: dict[str, dict[str, str]]  # owner side: session id → participant id → node
    recorded: dict[str, int]
    reload: Callable[[CoSession, FieldValues | None], None]
    rebuilds: Callable[[str], bool]

    def write(self, job: Callable[[], Awaitable[Any]]) -> asyncio.Future[None]: ...

    async def listen(self, session_id: str, *, owner: bool) -> None: ...

    def request_page(self, session_id: str) -> None: ...

    async def session_meta(self, session_id: str) -> SessionMeta | None: ...

    def owner_relay(self, session: CoSession) -> OwnerRelay: ...

    def replica_hub(
        self, session_id: str, owner: str, local: set[str] | None = None
    ) -> ReplicaHub: ...


class Ownership:
    """Heartbeats, take-overs and stepping down for one node's :class:`Cluster`."""

    def __init__(self, cluster: Node) -> None:
        self.cluster = cluster
        self._taking_over = asyncio.Lock()  # one take-over at a time on this node

    async def watch(self) -> None:
        """Send this node's heartbeat; take over sessions whose owner stopped."""
        timeout = float(self.cluster.config.owner_timeout_seconds)
        while True:
            if self.cluster.bus.state is BusState.UP:
                try:
                    await self.cluster.state.heartbeat(self.cluster.node_id, timeout)
                    owners = {
                        s.id: replica.owner
                        for s in self.cluster.store.sessions.values()
                        if (replica := replica_of(s)) is not None and not s.ended
                    }
                    alive = await self.cluster.state.alive(set(owners.values()))
                    for session_id, owner in owners.items():
                        if owner not in alive:
                            await self.take_over(session_id, from_node=owner)
                except Exception as exc:  # Redis going away is seen by the bus; keep watching
                    log.warning("owner watch failed: %s", type(exc).__name__)
            await asyncio.sleep(timeout / 3)

    async def settled(self) -> None:
        """Return once no take-over is running on this node."""
        async with self._taking_over:
            pass

    async def advisor_arrives(self, session_id: str, advisor: str) -> None:
        """The advisor ``advisor`` connects to session ``session_id`` through this
        node: if another node owns it, take it over (the advisor's node owns)."""
        local = self.cluster.store.get(session_id)
        if local is not None and local.hub.owned:
            return
        meta = await self.cluster.session_meta(session_id)
        if meta is not None and meta.advisor == advisor:
            await self.take_over(session_id)

    async def take_over(self, session_id: str, *, from_node: str | None = None) -> CoSession | None:
        """Make this node the owner of ``session_id``; None if it is gone.

        ``from_node``: only while that node owns it (it stopped sending
        heartbeats). Of several nodes watching one dead owner, one wins and
        the others follow it instead of taking the session from the winner.
        """
        async with self._taking_over:
            for _ in range(3):  # another node may change the owner under us
                meta = await self.cluster.state.load_session(session_id)
                if meta is None:
                    return None
                local = self.cluster.store.sessions.get(session_id)
                if meta.owner == self.cluster.node_id:
                    return local if local is not None and local.hub.owned else None
                if from_node is not None and meta.owner != from_node:
                    replica = replica_of(local) if local is not None else None
                    if replica is not None:
                        replica.follow_quietly(meta.owner)  # we missed its announcement
                    return None
                me = self.cluster.node_id
                if await self.cluster.state.claim_owner(session_id, me, meta.owner):
                    log.info("took over a session from another node")
                    return await self.promote(meta)
        return None

    async def promote(self, meta: SessionMeta) -> CoSession:
        """This node just became the owner (the claim succeeded): turn its copy
        of the session (a replica, or none) into the owned session with its page
        and people, announce it and send everyone the page."""
        sid, state = meta.session_id, self.cluster.state
        records = await state.participants(sid)
        snapshot = await state.latest_snapshot(sid)
        later = await state.frames_after(sid, snapshot[0]) if snapshot else None
        shared_seq = await state.current_seq(sid)
        saved = await state.load_page(sid)
        # No await from here until the session is whole and in the store: a
        # citizen reconnecting meanwhile must find its people and its hub. The
        # copy is looked up only now: a citizen's reconnect that read the old
        # owner before the claim may have built a replica during the reads
        # above, and its connection is in that replica's hub.
        session = self.cluster.store.get(sid)
        fresh = session is None
        if session is None:
            session = CoSession(
                sid,
                meta.advisor,
                meta.code,
                meta.code_expires_at,
                meta.created_at,
                confirm_mode=self.cluster.config.confirm_mode,
            )
        for record in records:  # pending joiners keep their read-back phrase and attempts
            known = session.participants.get(record.id)
            if known is None:
                role, status = Role(record.role), State(record.state)
                known = Participant(record.id, role, viewport=record.viewport, state=status)
                session.participants[record.id] = known
            if known.state == "pending" and record.phrase is not None:
                known.phrase, known.attempts_left = record.phrase, record.attempts_left
        restored = restore_page(session, saved, snapshot[1] if snapshot else None, later)
        hub = SessionHub(self.cluster.owner_relay(session))
        seen = max(session.hub.seq, shared_seq)
        hub.take_over(session.hub, seq=next_epoch(seen))
        session.hub = hub
        if fresh:  # whole now
            self.cluster.store.sessions[sid] = session
        # on the control channel before announcing, so no roster reply is missed
        await self.cluster.listen(sid, owner=True)
        session.code, session.code_expires_at = meta.code, meta.code_expires_at
        session.participants.setdefault("advisor", Participant(Role.ADVISOR, Role.ADVISOR))
        self.cluster.remote[sid] = {
            r.id: r.node
            for r in records
            if r.role != "advisor" and r.node and r.node != self.cluster.node_id
        }
        advisor = ParticipantRecord("advisor", "advisor", node=self.cluster.node_id)
        self.cluster.write(functools.partial(self.cluster.state.put_participant, sid, advisor))
        announce_owner(self.cluster.bus, sid, hub.seq)
        body = snapshot_body(session) if restored else None
        if body is not None:
            hub.broadcast(Msg.SNAPSHOT, body)
        page = session.page if restored else None
        rendered = page is not None and self.cluster.rebuilds(page.url)
        if rendered and session.page_posted:
            # a rendered page that answered a sent form: its address alone
            # shows another page, and sending the form again could do twice
            # what it did (book twice). The picture stays as the frames
            # brought it back (its links and forms work as on any restored
            # page, its scripts do not run) and the advisor is told so.
            notice: Notice = {
                "key": "handover_posted",
                "text": DE["notice_handover_posted"],
                "level": "warning",
            }
            hub.send_on_arrival(Role.ADVISOR, Msg.NOTICE, notice)
        elif session.history and (body is None or rendered):
            # no usable page; or a rendered one (render = "browser"), whose
            # scripts lived in the old owner's browser: the frames bring back
            # what it showed, not a page whose widgets react, so this node
            # loads it again in its own browser (everyone sees it reload) and
            # types into it again what the frames show typed
            typed = typed_values(page) if rendered and page is not None else None
            self.cluster.reload(session, typed)
        session.touch()
        session.broadcast_participants()
        return session

    def owner_changed(self, session: CoSession, node: str) -> None:
        """Another node took the session over: follow it (and step down if we owned it)."""
        hub, replica = session.hub, replica_of(session)
        if replica is not None:
            replica.follow(node)  # the new owner learns who is here
            return
        if session.nav_task is not None:
            session.nav_task.cancel()
        remote = self.cluster.remote.pop(session.id, {})
        local = {p for p in session.participants if p != "advisor" and p not in remote}
        replica = self.cluster.replica_hub(session.id, node, local)
        replica.take_over(hub)
        session.hub = replica
        session.page, session.interaction, session.page_posted = None, None, False
        self.cluster.recorded.pop(session.id, None)
        advisor = replica.connections.pop("advisor", None)
        if advisor is not None:  # the advisor went on through the other node
            spawn(advisor.close(4002, DE["close_other_window"]), "close-other-window")
        replica.stale = True  # it does not hear the new owner until it listens
        spawn(self._follow(session, replica), "step-down")

    async def _follow(self, session: CoSession, replica: ReplicaHub) -> None:
        """A former owner's replica: on the frames channel first, so the new
        owner's answers reach it; then it asks for the page it missed frames
        of while it was not listening, and tells who is here."""
        await self.cluster.listen(session.id, owner=False)
        if session.hub is replica and not session.ended:
            self.cluster.request_page(session.id)
            replica.follow(replica.owner)  # the new owner learns who is here
