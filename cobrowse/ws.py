"""The WebSocket endpoint ``/ws``: authenticate, greet, read frames within a budget.

Advisors authenticate with their login cookie plus ``?session=<id>`` of a
session they own; citizens with the participant cookie they got for a
correct code. The ``Origin`` must be the relay's own. The first frame must be
a ``HELLO`` of the same protocol version. Every later frame goes to
:func:`cobrowse.session.commands.dispatch`, which checks and applies it; a
bad one closes only that connection with a German reason, and so does a
flood beyond the :class:`FrameBudget`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSMsgType, web

from cobrowse.console import current_advisor
from cobrowse.errors import ProtocolError
from cobrowse.i18n_catalogue import DE
from cobrowse.keys import CLUSTER, SERVICES, STORE
from cobrowse.protocol import (
    MAX_INBOUND_BYTES,
    PROTOCOL_VERSION,
    Hello,
    Msg,
    Waiting,
    Welcome,
    decode,
    encode,
    parse,
)
from cobrowse.session.call import Call
from cobrowse.session.commands import dispatch
from cobrowse.session.hub import Connection
from cobrowse.session.model import (
    CLOSE_REMOVED,
    REMOVED_MESSAGES,
    CoSession,
    Participant,
    Role,
    State,
)
from cobrowse.tasks import spawn
from cobrowse.web_security import PARTICIPANT_COOKIE, same_origin
from cobrowse.ws_frames import MessageDeadline
from cobrowse.ws_liveness import DEAD_AFTER, Liveness

__all__ = ["websocket"]

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
# How long one inbound message may take from its first byte to its last
# (a fragmented message whose continuation never comes is closed after it).
MESSAGE_TIMEOUT = 5.0
# How long a close waits for the peer's answer (a vanished peer must not stall shutdown).
CLOSE_TIMEOUT = 2.0
CLOSE_PROTOCOL = 4400
CLOSE_DENIED = 4003
CLOSE_VERSION = 4005
CLOSE_FLOOD = 4429
CLOSE_ENDED = 4000


class FrameBudget:
    """Token bucket for inbound frames of one connection: ``rate`` per second
    sustained, bursts up to ``burst``. A pointer at 30 Hz stays well inside."""

    def __init__(self, rate: float = 100.0, burst: float = 200.0) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


def _authenticate(request: web.Request) -> tuple[CoSession, Participant] | None:
    store = request.app[STORE]
    session_id = request.query.get("session")
    if session_id is not None:
        login = current_advisor(request)
        session = store.get(session_id)
        if login is None or session is None or session.advisor != login.name:
            return None
        return session, session.participants[Role.ADVISOR]
    return store.by_token(request.cookies.get(PARTICIPANT_COOKIE))


async def websocket(request: web.Request) -> web.StreamResponse:
    """Handle one participant's connection for its whole life."""
    if not same_origin(request) or "Origin" not in request.headers:
        raise web.HTTPForbidden(text=DE["ws_foreign_origin"])
    # autoping off: pings go through the read loop and its frame budget; no
    # aiohttp heartbeat: cobrowse.ws_liveness pings and times out a silent peer
    ws = web.WebSocketResponse(
        timeout=CLOSE_TIMEOUT,
        max_msg_size=MAX_INBOUND_BYTES,
        compress=False,
        autoping=False,
    )
    _close_incomplete_messages(request, ws)
    await ws.prepare(request)
    cluster = request.app.get(CLUSTER)
    if cluster is not None and "session" not in request.query:
        await cluster.adopt(request.cookies.get(PARTICIPANT_COOKIE))
    elif cluster is not None and (login := current_advisor(request)) is not None:
        await cluster.ownership.advisor_arrives(request.query["session"], login.name)
    found = _authenticate(request)
    if found is None:
        await ws.close(code=CLOSE_DENIED, message=DE["close_denied"].encode())
        return ws
    session, participant = found
    try:
        hello = await asyncio.wait_for(ws.receive(), HELLO_TIMEOUT)
        if hello.type is not WSMsgType.BINARY:
            raise ProtocolError("expected a binary HELLO")
        kind, _, raw = decode(hello.data)
        if kind is not Msg.HELLO:
            raise ProtocolError("first frame must be HELLO")
        body = Hello.parse(raw)
        if body.version != PROTOCOL_VERSION:
            await ws.close(code=CLOSE_VERSION, message=DE["close_reload"].encode())
            return ws
        if body.viewport is not None:
            participant.viewport = body.viewport
        last_seq = body.last_seq
    except (TimeoutError, ProtocolError):
        await ws.close(code=CLOSE_PROTOCOL, message=DE["close_bad_login"].encode())
        return ws
    # the session's hub, not this one: in cluster mode the hub changes with the owner
    conn = Connection(ws, participant.id, participant.role, lambda: session.hub.current_frames())
    services = request.app[SERVICES]
    welcome: Welcome = {
        "version": PROTOCOL_VERSION,
        "role": participant.role,
        "participant": participant.id,
        "session": session.id,
        "show_pointer": participant.role == Role.ADVISOR or services.show_citizen_pointer,
    }
    await ws.send_bytes(encode(Msg.WELCOME, 0, welcome))
    admission: asyncio.Task[None] | None = None
    if participant.state == State.PENDING:
        # A pending joiner gets its phrase and nothing else of the session.
        waiting: Waiting = {
            "phrase": participant.phrase,
            "reason": "confirm" if participant.phrase is not None else "admit",
        }
        await ws.send_bytes(encode(Msg.WAITING, 0, waiting))
        admission = spawn(_attach_when_admitted(session, participant, conn, last_seq), "admission")
    else:
        session.hub.attach(conn, last_seq)
    session.presence(participant, True)  # tells everyone who is here
    liveness = Liveness(ws, conn.quiet_for, lambda frame: conn.send_latest(Msg.ALIVE, frame))
    watch = spawn(liveness.watch(), "liveness")
    try:
        await _read_loop(ws, Call(services, session, participant), liveness)
    finally:
        watch.cancel()
        if admission is not None:
            admission.cancel()
        session.hub.detach(conn)
        # gone, unless a newer connection of the same person took over
        if session.hub.connections.get(participant.id) is None:
            if participant.id in session.participants:
                session.presence(participant, False)
        await conn.close(1000, "")
    return ws


async def _attach_when_admitted(
    session: CoSession, participant: Participant, conn: Connection, last_seq: int
) -> None:
    await participant.decided.wait()
    if session.ended:
        # why, so the end screen can say it; nothing of the session (no visited pages)
        ended = encode(Msg.ENDED, 0, {"reason": session.end_reason, "visited": []})
        with contextlib.suppress(ConnectionError):
            await conn.ws.send_bytes(ended)
        await conn.close(CLOSE_ENDED, DE["close_ended"])
    elif participant.state == State.ACTIVE:
        session.hub.attach(conn, last_seq)
        session.broadcast_participants()
    else:
        reason = REMOVED_MESSAGES.get(participant.removed_reason, REMOVED_MESSAGES["denied"])
        await conn.close(CLOSE_REMOVED, reason)


def _close_incomplete_messages(request: web.Request, ws: web.WebSocketResponse) -> None:
    """Close ``ws`` when an inbound message stays incomplete (see :mod:`cobrowse.ws_frames`;
    the deadline goes with the connection)."""

    def stalled() -> None:
        if ws.prepared and not ws.closed:
            log.info("protocol violation: incomplete message")
            message = DE["close_incomplete"].encode()
            spawn(ws.close(code=CLOSE_PROTOCOL, message=message), "close-stalled")

    if request.transport is not None:
        MessageDeadline.install(request.transport, MESSAGE_TIMEOUT, stalled)


async def _read_loop(ws: web.WebSocketResponse, call: Call, liveness: Liveness) -> None:
    bucket = FrameBudget()
    while True:
        try:
            message = await ws.receive(timeout=DEAD_AFTER)
        except TimeoutError:
            log.info("peer silent, connection given up")  # vanished without a close
            return
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            return
        liveness.heard()
        if not bucket.take():  # every frame counts, pings and pongs too
            await ws.close(code=CLOSE_FLOOD, message=DE["close_flood"].encode())
            return
        if message.type is WSMsgType.PING:
            await ws.pong(message.data)
            continue
        if message.type is WSMsgType.PONG:  # the answer to our heartbeat
            continue
        if message.type is not WSMsgType.BINARY:
            if message.type is WSMsgType.ERROR:
                return
            await ws.close(code=CLOSE_PROTOCOL, message=DE["close_bad_message"].encode())
            return
        try:
            kind, _, raw = decode(message.data)
            if await dispatch(call, parse(kind, raw)):
                return
        except ProtocolError as exc:
            log.info("protocol violation: %s", exc)
            await ws.close(code=CLOSE_PROTOCOL, message=DE["close_bad_message"].encode())
            return
