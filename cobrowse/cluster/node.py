"""Several relay nodes over Redis: shared codes and tokens, cross-node fan-out.

Only active when ``[bus] url`` is configured; in memory mode nothing here runs
and :class:`~cobrowse.session.store.SessionStore` works alone.

The node the advisor is connected to *owns* the session: it navigates, keeps
the page state and hands out the ordered sequence numbers. The owner's hub
publishes every frame once, as the bytes it fans out locally, on the
session's frames channel. A node with local participants of a session it does
not own keeps a *replica* (:class:`~cobrowse.cluster.replica.ReplicaHub`): it
applies the owner's ordered frames (seq, snapshot, log) and fans them out to
its own connections. What the owner must act on travels back as small
control ops on the session's control channel (see :mod:`cobrowse.cluster.wire`);
each node subscribes to the one channel its role reads. Ownership moves when
the advisor comes through another node or the owner stops sending heartbeats
(:mod:`cobrowse.cluster.ownership`). Codes, tokens, the join throttle,
participants and the resume log live in :mod:`cobrowse.shared_state`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from cobrowse.bus import Bus, BusMessage, BusState, Subscription
from cobrowse.cluster.owner import (
    OwnerRelay,
    apply_control,
    claim_code,
    owner_meta,
    publish_page,
    reseed,
    retry,
)
from cobrowse.cluster.ownership import Ownership
from cobrowse.cluster.replica import ReplicaHub, replica_of, replica_session, seed_replica
from cobrowse.cluster.wire import (
    BusKind,
    ChannelRelay,
    Resync,
    WireError,
    control_channel,
    frames_channel,
    unpack,
    unpack_control,
)
from cobrowse.config import Config
from cobrowse.errors import JoinError
from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import Msg, encode
from cobrowse.session.field_values import FieldValues
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession
from cobrowse.session.store import SessionStore
from cobrowse.shared_state import ParticipantRecord, SessionMeta, SharedState

__all__ = ["RECONNECTING", "Cluster"]

log = logging.getLogger(__name__)

RECONNECTING = DE["notice_bus_down"]
RECONNECTED = DE["notice_bus_up"]
CLOSE_RESTART = 1012  # "service restart": not final, the client reconnects


class QueuedWrite(NamedTuple):
    """A queued shared-state write and the future its queuer may wait on."""

    job: Callable[[], Awaitable[Any]]
    done: asyncio.Future[None]


class Cluster:
    """This node's part of a multi-node relay (one per app, Redis mode only)."""

    def __init__(
        self,
        config: Config,
        store: SessionStore,
        bus: Bus,
        state: SharedState,
        reload: Callable[[CoSession, FieldValues | None], None],
        rebuilds: Callable[[str], bool] = lambda url: False,
    ) -> None:
        """``reload``: load a session's current page again, typing in the
        field values given (the navigator's; a new owner without a usable
        page record needs it, and one whose page is at an address ``rebuilds``
        names: a rendered page, live only in the browser of the node that
        loaded it)."""
        self.config = config
        self.store = store
        self.bus = bus
        self.state = state
        self.node_id = bus.node_id
        self._subs: dict[str, Subscription] = {}  # session id → the channel its role reads
        self._listening: dict[str, asyncio.Lock] = {}  # one channel change at a time
        self._writes: asyncio.Queue[QueuedWrite] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # owner side: session id → participant id → node it joined through
        self.remote: dict[str, dict[str, str]] = {}
        self.recorded: dict[str, int] = {}  # session id → page_no of the saved page record
        self._watcher: asyncio.Task[None] | None = None
        self.reload = reload
        self.rebuilds = rebuilds
        self.ownership = Ownership(self)
        store.hooks = self
        bus.add_state_listener(self._on_bus_state)

    # -- lifetime -------------------------------------------------------------

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name="cluster-writer")
        self._watcher = asyncio.create_task(self.ownership.watch(), name="cluster-owner-watch")

    async def settled(self) -> None:
        """Return once every shared-state write queued so far is done."""
        await self._writes.join()

    async def close(self) -> None:
        """Finish queued shared-state writes (bounded), then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), 2.0)
        for task in (self._writer, self._watcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for sub in list(self._subs.values()):
            await sub.close()
        self._subs.clear()

    async def release(self) -> None:
        """Shutdown: let every session go on without this node. Participants are
        closed with 1012 (their browsers reconnect through another node and
        resume); the sessions this node owns are handed over, not ended: the
        heartbeat stops at once, so another node takes them over."""
        if self._watcher is not None:
            self._watcher.cancel()
        with contextlib.suppress(TimeoutError):  # the frames and page records first
            await asyncio.wait_for(self.settled(), 2.0)
        with contextlib.suppress(Exception):
            await self.state.heartbeat(self.node_id, 0.001)
        for session in list(self.store.sessions.values()):
            if session.nav_task is not None:
                session.nav_task.cancel()
            session.ended = True
            self.store.sessions.pop(session.id, None)
            await session.hub.close_all(CLOSE_RESTART, DE["close_restart"])
            await self._unsubscribe(session.id)

    async def session_meta(self, session_id: str) -> SessionMeta | None:
        """The shared metadata of a session (any node's), None if unknown."""
        try:
            return await self.state.load_session(session_id)
        except ValueError:  # not a session id at all
            return None

    async def advisor_sessions(self, advisor: str) -> list[SessionMeta]:
        """``advisor``'s running sessions on every node, newest first; for the ones
        this node owns its own copy (the shared one is written behind it). While
        Redis does not answer, the ones this node holds."""
        try:
            shared = await self.state.advisor_sessions(advisor)
        except Exception as exc:  # Redis down: what this node knows is still an answer
            log.warning("listing an advisor's sessions failed: %s", type(exc).__name__)
            shared = [owner_meta(s, "") for s in self.store.sessions.values() if not s.ended]
        found = {meta.session_id: meta for meta in shared if meta.advisor == advisor}
        for session in self.store.sessions.values():
            if session.advisor != advisor or not session.hub.owned:
                continue
            if session.ended:
                found.pop(session.id, None)
            else:
                found[session.id] = owner_meta(session, self.node_id)
        return sorted(found.values(), key=lambda meta: meta.created_at, reverse=True)

    async def ready(self) -> None:
        """Readiness check: raises while the bus is reconnecting."""
        if self.bus.state is not BusState.UP:
            raise RuntimeError("bus down")

    def write(self, job: Callable[[], Awaitable[Any]]) -> asyncio.Future[None]:
        """Queue a shared-state write; writes run one after another, in order.
        The future is done once this write is (made, or given up after retries)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writes.put_nowait(QueuedWrite(job, done))
        return done

    async def _write_loop(self) -> None:
        while True:
            write = await self._writes.get()
            try:
                await retry(write.job)
            except Exception as exc:  # a lost write is resynced later; keep writing
                log.warning("shared state write failed: %s", type(exc).__name__)
            finally:
                if not write.done.done():
                    write.done.set_result(None)
                self._writes.task_done()

    # -- sessions owned by this node -----------------------------------------

    async def create(self, advisor: str) -> CoSession:
        """Open a session owned by this node with a code unique across all nodes."""
        session = self.store.create(advisor)
        session.hub = SessionHub(self.owner_relay(session))  # nobody is connected yet
        self.store.codes.revoke(session.code)  # the shared state draws the code
        ttl = float(self.config.code_ttl_seconds)
        session.code = await self.state.issue_code(session.id, ttl)
        session.code_expires_at = time.time() + ttl
        await self.state.save_session(owner_meta(session, self.node_id))
        advisor_record = ParticipantRecord("advisor", "advisor", node=self.node_id)
        await self.state.put_participant(session.id, advisor_record)
        await self.listen(session.id, owner=True)
        return session

    def owner_relay(self, session: CoSession) -> OwnerRelay:
        """The relay of a hub that owns ``session`` on this node."""
        return OwnerRelay(self.bus, self.state, session, self.write, self.recorded)

    def changed(self, session: CoSession, event: str, detail: str) -> None:
        """Store hook: mirror the change into the shared state (see StoreHooks)."""
        sid = session.id
        owner = session.hub.owned
        if event == "participant_removed":
            self.write(lambda: self.state.remove_participant(sid, detail))
        elif event == "ended":
            self.recorded.pop(sid, None)
            self.remote.pop(sid, None)
            if owner:
                self.write(lambda: self.state.revoke_code(session.code, sid))
                self.write(lambda: self.state.drop_session(sid))
            self._spawn(self._unsubscribe(sid))
        elif owner and event == "code_revoked":
            self.write(lambda: self.state.revoke_code(detail, sid))
        elif owner and event == "code_issued":
            ttl = float(self.config.code_ttl_seconds)
            job = functools.partial(
                claim_code, self.state, self.store.codes, session, detail, ttl, self.node_id
            )
            self.write(job)

    # -- joining (any node) -------------------------------------------------

    async def join(self, code: str, client: str) -> str:
        """Let a person in with a normalized code on this node; returns the token.

        Raises :class:`JoinError` like :meth:`SessionStore.join`, plus
        ``throttled`` (the limits are shared by all nodes).
        """
        await self.state.check_join(client)
        try:
            session_id = await self.state.lookup_code(code, float(self.config.session_max_seconds))
        except JoinError as exc:
            if exc.kind in ("unknown", "expired"):
                await self.state.record_failed_join(client)
            raise
        session = await self._session(session_id)
        session, participant, token = self.store.enter(session)
        replica = replica_of(session)
        if replica is not None:
            replica.arrived(participant.id)
            session.broadcast_participants()  # now the owner hears of this person
        record = ParticipantRecord(
            participant.id,
            participant.role,
            node=self.node_id,
            state=participant.state,
            joined_at=time.time(),
            phrase=participant.phrase,
        )
        if not await self.state.put_participant(
            session.id, record, limit=self.config.max_participants
        ):
            self.store.remove_participant(session, participant.id)
            raise JoinError("full")
        await self.state.put_token(token, session.id, participant.id)
        return token

    async def adopt(self, token: str | None) -> None:
        """Make a token of another node usable here (a citizen came back through
        this node): build the replica and remember the token locally."""
        if not token or self.store.by_token(token) is not None:
            return
        found = await self.state.token_owner(token)
        if found is None:
            return
        session = await self._session(found[0])
        if session is not None and found[1] in session.participants:
            replica = replica_of(session)
            if replica is not None:
                replica.arrived(found[1], listed=True)
            self.store.add_token(token, found[0], found[1])

    # -- replicas of sessions owned elsewhere --------------------------------

    async def _session(self, session_id: str) -> CoSession | None:
        """This node's copy of a session: the one here, else a new replica; None
        if it is gone. While this node is taking it over, wait for that."""
        found = self.store.get(session_id) or await self._replica(session_id)
        if found is None:
            await self.ownership.settled()
            found = self.store.get(session_id)
        return found

    async def _replica(self, session_id: str) -> CoSession | None:
        meta = await self.state.load_session(session_id)
        if meta is None or meta.owner == self.node_id:
            return None
        records = await self.state.participants(session_id)
        # No await from here until the session is in the store with its people:
        # a concurrent join or reconnect must find it whole.
        existing = self.store.sessions.get(session_id)
        if existing is not None:  # built meanwhile by a concurrent join
            return None if existing.ended else existing
        hub = self.replica_hub(session_id, meta.owner)
        session = replica_session(meta, records, hub, self.config.confirm_mode)
        self.store.sessions[session_id] = session
        await self.listen(session_id, owner=False)
        await seed_replica(self.state, session)
        return session

    def replica_hub(self, session_id: str, owner: str, local: set[str] | None = None) -> ReplicaHub:
        """A hub for this node's copy of ``owner``'s session ``session_id``;
        ``local``: the participants connected through this node."""
        relay = ChannelRelay(self.bus, control_channel(session_id))
        roster = functools.partial(self.send_roster, session_id)
        return ReplicaHub(owner, relay.control, relay, roster, local)

    def send_roster(self, session_id: str) -> None:
        """Tell the owner who of this node's participants of ``session_id`` is here."""
        session = self.store.sessions.get(session_id)
        replica = replica_of(session) if session is not None else None
        if session is not None and replica is not None:
            relay = ChannelRelay(self.bus, control_channel(session_id))
            relay.control(replica.roster_op(session, self.node_id))

    # -- the bus --------------------------------------------------------------

    async def listen(self, session_id: str, *, owner: bool) -> None:
        """Subscribe to the channel of ``session_id`` that this node's role reads
        (``owner``: the control channel, else the frames channel), then leave
        the other one. Returns once the subscription is confirmed."""
        channel = control_channel(session_id) if owner else frames_channel(session_id)
        async with self._listening.setdefault(session_id, asyncio.Lock()):
            old = self._subs.get(session_id)
            if old is not None and old.channel == channel:
                return
            handler = functools.partial(self._on_message, session_id)
            sub = await self.bus.subscribe(channel, handler)
            session = self.store.sessions.get(session_id)
            if session is None or session.ended:  # it ended while subscribing
                await sub.close()
                return
            self._subs[session_id] = sub
            if old is not None:
                await old.close()

    def request_page(self, session_id: str) -> None:
        """Ask the owner of ``session_id`` for its whole page (this replica may have
        missed frames); it answers with a ``RESYNC`` on the frames channel."""
        ChannelRelay(self.bus, control_channel(session_id)).control(Resync())

    async def _unsubscribe(self, session_id: str) -> None:
        self._listening.pop(session_id, None)
        sub = self._subs.pop(session_id, None)
        if sub is not None:
            await sub.close()

    def _on_message(self, session_id: str, message: BusMessage) -> None:
        """Dispatch a message of a session's channel (see :mod:`cobrowse.cluster.wire`)."""
        session = self.store.sessions.get(session_id)
        decoded = unpack(message.data)
        if session is None or decoded is None:
            return
        kind = decoded.kind
        replica = replica_of(session)
        if kind is BusKind.OWNER:
            self.ownership.owner_changed(session, message.sender)
        elif kind is BusKind.TO_LATEST:  # participant: "<participant>/<latest-wins key>"
            who, _, key = decoded.participant.partition("/")
            target = session.hub.connections.get(who)
            with contextlib.suppress(ValueError):  # an unknown message type: drop it
                if target is not None:
                    target.send_latest(Msg(decoded.seq), decoded.data, key)
        elif replica is not None:
            if kind is BusKind.CONTROL:
                return  # control messages are for the owner
            if kind is BusKind.RESYNC:
                replica.send_all(replica.resync(decoded.data))
                return
            msg = replica.apply(decoded)
            if msg == Msg.PARTICIPANTS:
                replica.merge_roster(session, decoded.data)
            elif msg == Msg.ENDED:
                self._drop_replica(session)
        elif kind is BusKind.CONTROL:
            try:
                op = unpack_control(decoded.data)
            except WireError as exc:
                log.warning("bad control message: %s", exc)
                return
            apply_control(self.bus, session, self.remote, op)

    def _drop_replica(self, session: CoSession) -> None:
        session.ended = True
        self.store.sessions.pop(session.id, None)
        self._spawn(session.hub.close_all(4000, DE["close_ended"]))
        self._spawn(self._unsubscribe(session.id))

    def _on_bus_state(self, state: BusState) -> None:
        """DOWN: tell local participants; UP: clear the notice and resync replicas."""
        if state is BusState.CLOSED:
            return
        down = state is BusState.DOWN
        message, level = ("notice_bus_down", "warning") if down else ("notice_bus_up", "info")
        body = {"key": "reconnecting", "message": message, "text": DE[message], "level": level}
        frame = encode(Msg.NOTICE, 0, body)
        if not down:  # Redis may have restarted empty: the tokens this node knows
            for token, sid, pid in self.store.tokens():
                self.write(functools.partial(self.state.put_token, token, sid, pid))
        for session in list(self.store.sessions.values()):
            for conn in session.hub.connections.values():
                conn.send(frame)
            if down:
                continue
            if not session.hub.owned:
                self._spawn(retry(functools.partial(seed_replica, self.state, session)))
                self.request_page(session.id)
            else:
                meta = owner_meta(session, self.node_id)
                ttl = float(self.config.session_max_seconds)
                job = functools.partial(reseed, self.state, session, meta, self.remote, ttl)
                self.write(job)
                publish_page(self.bus, session)

    def _spawn(self, job: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("cluster task failed: %s", type(task.exception()).__name__)
