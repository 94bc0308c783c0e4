"""A peer that vanishes without a close is noticed in seconds, a quiet one is kept
(:mod:`cobrowse.ws_liveness`), against the real relay with raw aiohttp clients."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.config import Config
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame
from cobrowse.ws_liveness import DEAD_AFTER
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
    start_relay,
)


def open_config(demo: TestServer) -> Config:
    return relay_config(demo, confirm_join=False, join_policy="open")


def connected(body: dict[str, Any], role: str) -> bool | None:
    """Whether ``role`` is connected; None while not in the list."""
    found = [p["connected"] for p in body["participants"] if p["role"] == role]
    return bool(found[0]) if found else None


async def until_connected(ws: Any, role: str, state: bool) -> dict[str, Any]:
    """The next PARTICIPANTS that shows ``role`` connected (or not)."""
    while True:
        body = await receive(ws, Msg.PARTICIPANTS)
        if connected(body, role) is state:
            return body


async def silent(ws: Any) -> list[WSMsgType]:
    """Read like a vanished browser: take what comes, answer nothing (no pongs)."""
    seen: list[WSMsgType] = []
    while (message := await ws.receive()).type not in (WSMsgType.CLOSE, WSMsgType.CLOSED):
        seen.append(message.type)
    return seen


@pytest.mark.parametrize("who", ["advisor", "citizen"])
async def test_a_peer_that_stops_answering_pings_is_marked_gone_for_the_others(
    who: str, aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    relay = await start_relay(aiohttp_server, open_config(demo))
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    advisor_path = f"/ws?session={session['session']}"
    citizen = await citizen_client(relay, aiohttp_client, session["code"])
    client, path = (adv, advisor_path) if who == "advisor" else (citizen, "/ws")
    ws = await client.ws_connect(path, headers=origin(client), autoping=False)
    await ws.send_bytes(encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [8, 8]}))
    other = await connect(citizen) if who == "advisor" else await connect(adv, advisor_path)
    await until_connected(other, who, True)
    reading = asyncio.ensure_future(silent(ws))
    # nothing sent, no pong: the relay's heartbeat (20 s before) would take far longer
    # than the helper's receive timeout to tell the others
    await until_connected(other, who, False)
    seen = await reading
    assert WSMsgType.PING in seen  # the relay asked before giving up
    await relay.close()


async def listen(ws: Any, seconds: float) -> list[tuple[Msg, dict[str, Any]]]:
    """Every frame for ``seconds``, reading (so aiohttp answers pings); fails if closed."""
    frames: list[tuple[Msg, dict[str, Any]]] = []
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while (left := until - loop.time()) > 0:
        try:
            message = await ws.receive(timeout=left)
        except TimeoutError:
            break
        assert message.type is WSMsgType.BINARY, message  # not closed
        kind, _, body = read_frame(message.data)
        frames.append((kind, body))
    return frames


async def test_a_quiet_peer_that_answers_pings_is_kept_and_hears_alive(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    relay = await start_relay(aiohttp_server, open_config(demo))
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(await citizen_client(relay, aiohttp_client, session["code"]))
    await until_connected(adv_ws, "citizen", True)
    # backgrounded tabs: their script sends nothing, their browsers answer pings
    # (aiohttp's autoping does, while reading); both must stay "verbunden"
    heard = await asyncio.gather(listen(adv_ws, 2 * DEAD_AFTER), listen(cit_ws, 2 * DEAD_AFTER))
    for frames in heard:
        # the relay said it is there while nothing else came
        assert (Msg.ALIVE, {}) in frames
        for kind, body in frames:
            assert kind != Msg.PARTICIPANTS or all(p["connected"] for p in body["participants"])
    await relay.close()
