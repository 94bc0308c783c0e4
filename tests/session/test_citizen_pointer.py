"""``[sessions] show_citizen_pointer``: a citizen's pointer reaches the advisor
(``CITIZEN_POINTER``) and never another citizen; off, nothing is forwarded."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    new_session,
    origin,
    receive,
    relay_config,
    start_relay,
)


async def open_ws(client: Any, path: str = "/ws") -> tuple[Any, dict[str, Any]]:
    """Open the WebSocket, say HELLO; returns it and the WELCOME body."""
    ws = await client.ws_connect(path, headers=origin(client))
    await ws.send_bytes(
        encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [1280, 720]})
    )
    return ws, await receive(ws, Msg.WELCOME)


async def kinds_until(ws: Any, kind: Msg, check: Any) -> list[int]:
    """Types of the frames before the first ``kind`` frame whose body passes ``check``."""
    seen = []
    while True:
        message = await ws.receive(timeout=10.0)
        assert message.type is WSMsgType.BINARY, message
        frame_kind, _, body = read_frame(message.data)
        if frame_kind == kind and check(body):
            return seen
        seen.append(frame_kind)


async def session_of_three(
    demo: TestServer,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    show: bool,
) -> tuple[Any, list[tuple[Any, dict[str, Any]]]]:
    """An advisor and two admitted citizens; returns the advisor's socket and the
    citizens' sockets with their WELCOME bodies."""
    config = relay_config(demo, join_policy="open", confirm_join=False, show_citizen_pointer=show)
    relay = await start_relay(aiohttp_server, config)
    advisor, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(advisor, csrf)
    adv_ws, adv_welcome = await open_ws(advisor, f"/ws?session={session['session']}")
    assert adv_welcome["show_pointer"] is True
    citizens = []
    for _ in range(2):
        client = await citizen_client(relay, aiohttp_client, session["code"])
        citizens.append(await open_ws(client))
    return adv_ws, citizens


async def test_citizen_pointer_reaches_the_advisor_only(
    demo: TestServer, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    adv_ws, [(ws_a, welcome_a), (ws_b, welcome_b)] = await session_of_three(
        demo, aiohttp_server, aiohttp_client, show=True
    )
    assert welcome_a["show_pointer"] is True and welcome_b["show_pointer"] is True
    await ws_a.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 5, "x": 0.25, "y": 2}))
    body = await receive(adv_ws, Msg.CITIZEN_POINTER)
    assert body == {"participant": welcome_a["participant"], "node": 5, "x": 0.25, "y": 1.0}
    await ws_a.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": None, "x": 0, "y": 0}))
    hidden = await receive(adv_ws, Msg.CITIZEN_POINTER)
    assert hidden["node"] is None and hidden["participant"] == welcome_a["participant"]
    # The advisor's own pointer still reaches everyone; it is the barrier here.
    await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 7, "x": 0.5, "y": 0.5}))
    for ws in (ws_a, ws_b):
        before = await kinds_until(ws, Msg.POINTER, lambda b: b["node"] == 7)
        assert Msg.CITIZEN_POINTER not in before
        assert Msg.POINTER not in before  # the citizen's pointer came back as nothing else


async def test_citizen_pointer_is_not_forwarded_when_off(
    demo: TestServer, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory
) -> None:
    adv_ws, [(ws_a, welcome_a), (ws_b, _)] = await session_of_three(
        demo, aiohttp_server, aiohttp_client, show=False
    )
    assert welcome_a["show_pointer"] is False
    await ws_a.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 5, "x": 0.25, "y": 0.5}))
    # A frame from the same socket that does reach everyone, as a barrier.
    await ws_a.send_bytes(encode(Msg.VIEWPORT, 0, {"viewport": [390, 844]}))
    viewport_told = lambda b: any(p.get("viewport") == [390, 844] for p in b["participants"])  # noqa: E731
    for ws in (adv_ws, ws_b):
        before = await kinds_until(ws, Msg.PARTICIPANTS, viewport_told)
        assert Msg.CITIZEN_POINTER not in before and Msg.POINTER not in before


@pytest.mark.parametrize("bad", [{"node": -1, "x": 0, "y": 0}, {"node": 3, "x": "a", "y": 0}])
async def test_a_bad_citizen_pointer_closes_only_that_connection(
    demo: TestServer,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    bad: dict[str, Any],
) -> None:
    adv_ws, [(ws_a, _), (ws_b, _)] = await session_of_three(
        demo, aiohttp_server, aiohttp_client, show=True
    )
    await ws_a.send_bytes(encode(Msg.POINTER_MOVE, 0, bad))
    message = await ws_a.receive(timeout=10.0)
    while message.type is WSMsgType.BINARY:
        message = await ws_a.receive(timeout=10.0)
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 7, "x": 0.5, "y": 0.5}))
    before = await kinds_until(ws_b, Msg.POINTER, lambda b: b["node"] == 7)
    assert Msg.CITIZEN_POINTER not in before
