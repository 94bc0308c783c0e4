"""Bad input from any client closes only that connection; the others notice
nothing, the relay stays up and keeps no state for the failed attempts."""

from __future__ import annotations

import gc
from typing import Any

import msgpack
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.appkeys import STORE
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    origin,
    receive,
    relay_config,
)

BAD_FRAMES: list[bytes] = [
    b"\xc1\xc1\xc1",  # not msgpack
    msgpack.packb({"type": 65}),  # not [type, seq, body]
    msgpack.packb([Msg.SNAPSHOT, 0, {}]),  # a server type
    msgpack.packb([12345, 0, {}]),  # unknown type
    encode(Msg.NAVIGATE, 0, {"url": "http://127.0.0.1:1/"}),  # advisor-only, from a citizen
    encode(Msg.CLICK, 0, {"node": "x"}),
    encode(Msg.POINTER_MOVE, 0, {"node": -1, "x": "a", "y": None}),
    encode(Msg.VIEWPORT, 0, {"viewport": [0, 10**9]}),
    encode(Msg.ADMIT, 0, {"participant": "advisor"}),
    b"\x92" + b"\x00" * 70_000,  # oversize
]


async def _bad_citizen(
    relay: TestServer, aiohttp_client: ClientFactory, code: str, frame: bytes
) -> int:
    client = await citizen_client(relay, aiohttp_client, code)
    ws = await client.ws_connect("/ws", headers=origin(client))
    await ws.send_bytes(encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [800, 600]}))
    await receive(ws, Msg.WELCOME)
    await ws.send_bytes(frame)
    while True:
        message = await ws.receive(timeout=5)
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
            code_: int = ws.close_code or 0
            return code_


async def test_bad_frames_close_only_their_connection_and_leave_nothing_behind(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(
        make_app(relay_config(demo, confirm_join=False, join_policy="open", max_participants=50))
    )
    store = relay.app[STORE]
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    good = await connect(await citizen_client(relay, aiohttp_client, session["code"]))
    live = store.get(session["session"])
    assert live is not None

    codes = []
    for frame in BAD_FRAMES * 2:
        codes.append(await _bad_citizen(relay, aiohttp_client, session["code"], frame))
    assert all(c in (4400, 1009) for c in codes), codes
    gc.collect()
    assert set(live.hub.connections) <= {"advisor", *live.participants}
    assert len(live.hub.connections) == 2  # the advisor and the good citizen
    # the others noticed nothing: the page still reaches the good citizen
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    snapshot: dict[str, Any] = await receive(good, Msg.SNAPSHOT)
    assert snapshot["title"]
    # nothing lingers once the session ends
    await adv_ws.send_bytes(encode(Msg.END, 0, {}))
    await receive(good, Msg.ENDED)
    assert store.sessions == {}
    assert store.tokens() == []
    assert (await adv.get("/healthz")).status == 200
    await relay.close()
