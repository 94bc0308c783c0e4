"""The WebSocket endpoint ``/ws``: authenticate, greet, then dispatch frames.

Advisors authenticate with their login cookie plus ``?session=<id>`` of a
session they own; citizens with the participant cookie they got for a
correct code. The ``Origin`` must be the relay's own. The first frame must be
a ``HELLO`` of the same protocol version. Every inbound frame is validated;
a bad one closes only that connection with a German reason.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from aiohttp import WSMsgType, web

from cobrowse.appkeys import CONFIG, NAVIGATOR, PARTICIPANT_COOKIE, STORE, same_origin
from cobrowse.cluster import CLUSTER
from cobrowse.console import current_advisor
from cobrowse.errors import ProtocolError
from cobrowse.hub import Connection
from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import MAX_INBOUND_BYTES, PROTOCOL_VERSION, Msg, decode, encode
from cobrowse.session.admission import CONTROL_TYPES, FrameBudget, control
from cobrowse.session.publish import INTERACTION_TYPES, handle, history_step
from cobrowse.session.store import CLOSE_REMOVED, REMOVED_MESSAGES, CoSession, Participant
from cobrowse.ws_frames import MessageDeadline

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


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise ProtocolError(f"{key} is not a node id")
    return value


def _fraction(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ProtocolError(f"{key} is not a number")
    return min(1.0, max(0.0, float(value)))


def _viewport(value: Any) -> tuple[int, int]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 20000 for v in value)
    ):
        return value[0], value[1]
    raise ProtocolError("bad viewport")


def _fields(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list) or len(value) > 200:
        raise ProtocolError("bad form fields")
    out = []
    for item in value:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(v, str) for v in item)
        ):
            raise ProtocolError("bad form field")
        out.append((item[0][:200], item[1][:2000]))
    return out


def _citizen_pointer(request: web.Request) -> bool:
    """Whether citizens' pointers are shown to the advisor (``[sessions] show_citizen_pointer``)."""
    return request.app[CONFIG].show_citizen_pointer


def _authenticate(request: web.Request) -> tuple[CoSession, Participant] | None:
    store = request.app[STORE]
    session_id = request.query.get("session")
    if session_id is not None:
        login = current_advisor(request)
        session = store.get(session_id)
        if login is None or session is None or session.advisor != login.name:
            return None
        return session, session.participants["advisor"]
    return store.by_token(request.cookies.get(PARTICIPANT_COOKIE))


async def websocket(request: web.Request) -> web.StreamResponse:
    """Handle one participant's connection for its whole life."""
    if not same_origin(request) or "Origin" not in request.headers:
        raise web.HTTPForbidden(text="WebSocket von fremder Herkunft abgelehnt.")
    # autoping off: pings go through the read loop and its frame budget
    ws = web.WebSocketResponse(
        timeout=CLOSE_TIMEOUT,
        heartbeat=20.0,
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
        kind, _, body = decode(hello.data)
        if kind is not Msg.HELLO:
            raise ProtocolError("first frame must be HELLO")
        version = body.get("version")
        if type(version) is not int:  # True and 1.0 are == 1, but no version
            raise ProtocolError("version is not an integer")
        if version != PROTOCOL_VERSION:
            await ws.close(code=CLOSE_VERSION, message=DE["close_reload"].encode())
            return ws
        if "viewport" in body:
            participant.viewport = _viewport(body["viewport"])
        last_seq = body.get("last_seq", 0)
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise ProtocolError("bad last_seq")
    except (TimeoutError, ProtocolError):
        await ws.close(code=CLOSE_PROTOCOL, message=DE["close_bad_login"].encode())
        return ws
    # the session's hub, not this one: in cluster mode the hub changes with the owner
    conn = Connection(ws, participant.id, participant.role, lambda: session.hub.current_frames())
    await ws.send_bytes(
        encode(
            Msg.WELCOME,
            0,
            {
                "version": PROTOCOL_VERSION,
                "role": participant.role,
                "participant": participant.id,
                "session": session.id,
                "show_pointer": participant.role == "advisor" or _citizen_pointer(request),
            },
        )
    )
    admission: asyncio.Task[None] | None = None
    if participant.state == "pending":
        # A pending joiner gets its phrase and nothing else of the session.
        reason = "confirm" if participant.phrase is not None else "admit"
        await ws.send_bytes(
            encode(Msg.WAITING, 0, {"phrase": participant.phrase, "reason": reason})
        )
        admission = asyncio.create_task(_attach_when_admitted(session, participant, conn, last_seq))
    else:
        session.hub.attach(conn, last_seq)
    session.broadcast_participants()
    try:
        await _read_loop(request, ws, session, participant)
    finally:
        if admission is not None:
            admission.cancel()
        session.hub.detach(conn)
        await conn.close(1000, "")
    return ws


async def _attach_when_admitted(
    session: CoSession, participant: Participant, conn: Connection, last_seq: int
) -> None:
    await participant.decided.wait()
    if session.ended:
        await conn.close(CLOSE_ENDED, DE["close_ended"])
    elif participant.state == "active":
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
            closing = asyncio.create_task(ws.close(code=CLOSE_PROTOCOL, message=message))
            _CLOSING.add(closing)
            closing.add_done_callback(_CLOSING.discard)

    if request.transport is not None:
        MessageDeadline.install(request.transport, MESSAGE_TIMEOUT, stalled)


_CLOSING: set[asyncio.Task[bool]] = set()  # close tasks started by a deadline, kept alive


async def _read_loop(
    request: web.Request, ws: web.WebSocketResponse, session: CoSession, participant: Participant
) -> None:
    bucket = FrameBudget()
    async for message in ws:
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
            kind, _, body = decode(message.data)
            if await _dispatch(request, session, participant, kind, body):
                return
        except ProtocolError as exc:
            log.info("protocol violation: %s", exc)
            await ws.close(code=CLOSE_PROTOCOL, message=DE["close_bad_message"].encode())
            return


async def _dispatch(
    request: web.Request,
    session: CoSession,
    participant: Participant,
    kind: Msg,
    body: dict[str, Any],
) -> bool:
    """Apply one frame; returns True when this connection is done."""
    navigator = request.app[NAVIGATOR]
    store = request.app[STORE]
    advisor = participant.role == "advisor"
    if participant.state != "active":
        if kind is Msg.LEAVE:
            store.remove(session, participant.id, "left")
            return True
        if kind is not Msg.VIEWPORT:
            raise ProtocolError(f"{kind.name} while waiting for admission")
    if advisor:
        session.touch()
    if kind in CONTROL_TYPES:
        return control(store, session, participant, kind, body)
    if kind in INTERACTION_TYPES:  # scroll, hover, pulse, toggle, highlight, form input
        handle(session, participant, kind, body)
        return False
    if kind is Msg.POINTER_MOVE:
        pointer: dict[str, Any] = {"node": None}
        if body.get("node") is not None:  # checked for everyone, shown for the advisor
            pointer = {
                "node": _int(body, "node"),
                "x": _fraction(body, "x"),
                "y": _fraction(body, "y"),
            }
        if advisor:
            session.hub.broadcast_latest(Msg.POINTER, pointer, exclude=participant.id)
        elif _citizen_pointer(request):  # to the advisor only, never to other citizens
            pointer = {"participant": participant.id, "x": 0, "y": 0, **pointer}
            session.hub.send_latest_to("advisor", Msg.CITIZEN_POINTER, pointer, participant.id)
    elif kind is Msg.VIEWPORT:
        participant.viewport = _viewport(body.get("viewport"))
        session.broadcast_participants()
    elif kind is Msg.LEAVE:
        if advisor:
            raise ProtocolError("the advisor ends, not leaves")
        session.hub.send_to(
            participant.id, Msg.ENDED, {"reason": "left", "visited": session.visited}
        )
        store.remove_participant(session, participant.id)
        return True
    elif not advisor:
        raise ProtocolError(f"{kind.name} is for the advisor only")
    elif kind is Msg.NAVIGATE:
        url = body.get("url")
        if not isinstance(url, str):
            raise ProtocolError("url is not a string")
        navigator.navigate(session, url)
    elif kind is Msg.CLICK:
        navigator.click(session, _int(body, "node"))
    elif kind is Msg.SUBMIT:
        navigator.submit(session, _int(body, "node"), _fields(body.get("fields")))
    elif kind is Msg.HISTORY_GO:
        navigator.go(session, history_step(body))
    elif kind is Msg.END:
        await navigator.cancel(session)
        await store.end(session, "advisor")
        return True
    else:
        raise ProtocolError(f"unexpected {kind.name}")
    return False
