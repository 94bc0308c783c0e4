"""Bad input from any client closes only that connection; the others notice
nothing, the relay stays up and keeps no state for the failed attempts."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import msgpack
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse import ws as ws_module
from cobrowse.app import make_app
from cobrowse.i18n_catalogue import DE
from cobrowse.keys import STORE
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


async def _session(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> tuple[TestServer, str]:
    relay = await aiohttp_server(
        make_app(relay_config(demo, confirm_join=False, join_policy="open"))
    )
    adv, csrf = await advisor_client(relay, aiohttp_client)
    return relay, (await new_session(adv, csrf))["code"]


async def _closed(ws: Any) -> tuple[int, str]:
    """The close code and reason the relay sent (frames before it are skipped)."""
    while True:
        message = await ws.receive(timeout=5)
        if message.type is WSMsgType.CLOSE:
            return int(message.data), str(message.extra)
        assert message.type is WSMsgType.BINARY, message


async def test_a_boolean_or_float_version_is_not_a_version(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay, code = await _session(aiohttp_server, demo, aiohttp_client)
    for version in (True, 1.0):  # both == 1 in Python
        client = await citizen_client(relay, aiohttp_client, code)
        ws = await client.ws_connect("/ws", headers=origin(client))
        await ws.send_bytes(encode(Msg.HELLO, 0, {"version": version, "viewport": [800, 600]}))
        assert (await _closed(ws))[0] == 4400
    await relay.close()


async def test_a_ping_flood_is_counted_and_closed(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay, code = await _session(aiohttp_server, demo, aiohttp_client)
    client = await citizen_client(relay, aiohttp_client, code)
    ws = await client.ws_connect("/ws", headers=origin(client), autoping=False)
    await ws.send_bytes(encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [8, 8]}))
    await ws.ping(b"first")
    while (message := await ws.receive(timeout=5)).type is not WSMsgType.PONG:
        assert message.type is WSMsgType.BINARY, message
    assert message.data == b"first"  # a ping within the budget is answered
    for _ in range(1000):
        await ws.ping()
    while (message := await ws.receive(timeout=5)).type is not WSMsgType.CLOSE:
        assert message.type in (WSMsgType.BINARY, WSMsgType.PONG), message
    assert message.data == 4429 and message.extra == DE["close_flood"]
    await relay.close()


def _frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One masked client frame (RFC 6455 §5.2), payload under 64 KiB."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    head += bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big")
    mask = b"\x01\x02\x03\x04"
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _server_frames(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The complete (unmasked) server frames at the start of ``data``, and the rest."""
    frames = []
    while len(data) >= 2:
        size, start = data[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(data[2:4], "big"), 4
        elif size == 127:
            size, start = int.from_bytes(data[2:10], "big"), 10
        if len(data) < start + size:
            break
        frames.append((data[0] & 0x0F, data[start : start + size]))
        data = data[start + size :]
    return frames, data


@pytest.mark.parametrize("early", [False, True], ids=["after-101", "behind-the-request"])
async def test_a_message_whose_continuation_never_comes_is_closed(
    aiohttp_server: ServerFactory,
    demo: TestServer,
    aiohttp_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    early: bool,
) -> None:
    monkeypatch.setattr(ws_module, "MESSAGE_TIMEOUT", 0.3)
    relay, code = await _session(aiohttp_server, demo, aiohttp_client)
    client = await citizen_client(relay, aiohttp_client, code)
    cookies = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
    hello = encode(Msg.HELLO, 0, {"version": PROTOCOL_VERSION, "viewport": [800, 600]})
    viewport = encode(Msg.VIEWPORT, 0, {"viewport": [640, 480]})
    frames = _frame(0x2, hello) + _frame(0x2, viewport[:5], fin=False)  # the rest never comes
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{relay.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Origin: {origin(client)['Origin']}\r\nCookie: {cookies}\r\n\r\n"
        ).encode()
        + (frames if early else b"")  # early: in the same write as the handshake
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    if not early:
        writer.write(frames)
    await writer.drain()
    close = None
    data = b""
    while close is None and (chunk := await asyncio.wait_for(reader.read(4096), 5)):
        data += chunk
        received, data = _server_frames(data)
        close = next((payload for opcode, payload in received if opcode == 0x8), None)
    assert close is not None, "the relay kept the socket open"
    assert int.from_bytes(close[:2], "big") == 4400
    assert close[2:].decode() == DE["close_incomplete"]
    writer.close()
    await relay.close()
