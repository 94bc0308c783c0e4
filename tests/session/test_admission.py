"""Joining safely: read-back confirmation, admission, removal, new codes,
resume, floods and idle sessions — over real WebSockets against the relay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgpack
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from cobrowse.app import make_app
from cobrowse.keys import STORE
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    new_session,
    origin,
    post_form,
    receive,
    relay_config,
)

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    server = await aiohttp_server(make_app(relay_config(demo)))  # defaults: confirm, admit
    yield server
    await server.close()


async def open_ws(client: TestClient[Any, Any], path: str = "/ws", last_seq: int = 0) -> Any:
    ws = await client.ws_connect(path, headers=origin(client))
    hello = {"version": PROTOCOL_VERSION, "viewport": [1280, 720], "last_seq": last_seq}
    await ws.send_bytes(encode(Msg.HELLO, 0, hello))
    await receive(ws, Msg.WELCOME)
    return ws


async def nothing_more(ws: Any, seconds: float = 0.5) -> list[int]:
    """Types of the frames that arrive within ``seconds`` (expected: none with content)."""
    kinds = []
    try:
        while True:
            message = await ws.receive(timeout=seconds)
            if message.type is not WSMsgType.BINARY:
                break
            kinds.append(msgpack.unpackb(message.data)[0])
    except TimeoutError:
        pass
    return kinds


async def first_waiting(adv_ws: Any) -> dict[str, Any]:
    """The first person in the advisor's next non-empty ADMISSIONS frame."""
    while True:
        admissions = await receive(adv_ws, Msg.ADMISSIONS)
        if admissions["waiting"]:
            person: dict[str, Any] = admissions["waiting"][0]
            return person


async def page_arrives(ws: Any) -> None:
    """Wait for the next page: a snapshot, or a diff for same-site navigation."""
    while True:
        message = await ws.receive(timeout=10)
        assert message.type is WSMsgType.BINARY, message
        if msgpack.unpackb(message.data)[0] in (Msg.SNAPSHOT, Msg.MUTATIONS):
            return


async def closed_with(ws: Any) -> int:
    while True:
        message = await ws.receive(timeout=5)
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED):
            code: int = ws.close_code if message.data is None else message.data
            return code


async def setup(
    relay: TestServer, aiohttp_client: ClientFactory
) -> tuple[Any, Any, dict[str, Any]]:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await open_ws(adv, f"/ws?session={session['session']}")
    return adv, adv_ws, session


async def test_joiner_sees_phrase_and_nothing_else_until_confirmed(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    _, adv_ws, session = await setup(relay, aiohttp_client)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    await receive(adv_ws, Msg.SNAPSHOT, seconds=10)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    cit_ws = await open_ws(cit)
    waiting = await receive(cit_ws, Msg.WAITING)
    assert waiting["reason"] == "confirm" and len(waiting["phrase"].split()) == 2
    person = await first_waiting(adv_ws)
    assert person["confirm"] and person["phrase"] is None  # "type" mode: the advisor must listen
    # page activity while pending reaches the advisor, never the joiner
    await adv_ws.send_bytes(
        encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/service/"})
    )
    await page_arrives(adv_ws)
    await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 1, "x": 0.5, "y": 0.5}))
    assert await nothing_more(cit_ws) == []
    # wrong once, then right (case and spacing do not matter)
    await adv_ws.send_bytes(
        encode(Msg.ADMIT, 0, {"participant": person["id"], "phrase": "Falsch Wort"})
    )
    notice = await receive(adv_ws, Msg.NOTICE)
    assert notice["key"] == "confirm_wrong" and "Noch 2" in notice["text"]
    heard = "  " + waiting["phrase"].upper().replace(" ", "   ") + " "
    await adv_ws.send_bytes(encode(Msg.ADMIT, 0, {"participant": person["id"], "phrase": heard}))
    snapshot = await receive(cit_ws, Msg.SNAPSHOT)
    assert snapshot["url"].startswith(f"http://127.0.0.1:{demo.port}/")


async def test_three_wrong_confirmations_remove_and_revoke_the_code(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    _, adv_ws, session = await setup(relay, aiohttp_client)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    cit_ws = await open_ws(cit)
    await receive(cit_ws, Msg.WAITING)
    person = await first_waiting(adv_ws)
    for _ in range(3):
        await adv_ws.send_bytes(
            encode(Msg.ADMIT, 0, {"participant": person["id"], "phrase": "nein"})
        )
    notice = await receive(adv_ws, Msg.NOTICE)
    while notice["key"] != "confirm_failed":
        notice = await receive(adv_ws, Msg.NOTICE)
    assert "neuen Code" in notice["text"]
    assert await closed_with(cit_ws) == 4010
    again = await post_form(await aiohttp_client(relay), "/", {"code": session["code"]})
    assert again.status == 410  # a denied joiner cannot retry with the same code
    assert (await cit.get("/sitzung")).status == 403


async def test_deny_and_new_code(relay: TestServer, aiohttp_client: ClientFactory) -> None:
    _, adv_ws, session = await setup(relay, aiohttp_client)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    cit_ws = await open_ws(cit)
    person = await first_waiting(adv_ws)
    await adv_ws.send_bytes(encode(Msg.DENY, 0, {"participant": person["id"]}))
    assert await closed_with(cit_ws) == 4010
    revoked = await receive(adv_ws, Msg.CODE)
    assert revoked["code"] is None
    await adv_ws.send_bytes(encode(Msg.NEW_CODE, 0, {}))
    fresh = await receive(adv_ws, Msg.CODE)
    assert fresh["code"] != session["code"] and len(fresh["code"]) == 6
    assert (
        await post_form(await aiohttp_client(relay), "/", {"code": session["code"]})
    ).status == 410
    await citizen_client(relay, aiohttp_client, fresh["code"])


async def test_admit_policy_without_confirmation(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, confirm_join=False)))
    _, adv_ws, session = await setup(relay, aiohttp_client)
    first = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    participants = await receive(first, Msg.PARTICIPANTS)  # the first person is in at once
    assert {p["role"] for p in participants["participants"]} == {"advisor", "citizen"}
    second = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    waiting = await receive(second, Msg.WAITING)
    assert waiting == {"phrase": None, "reason": "admit"}
    guest = await first_waiting(adv_ws)
    assert guest["role"] == "guest" and not guest["confirm"]
    await adv_ws.send_bytes(encode(Msg.ADMIT, 0, {"participant": guest["id"], "phrase": None}))
    listed = await receive(second, Msg.PARTICIPANTS)
    assert [p["state"] for p in listed["participants"]] == ["active"] * 3
    # the advisor removes the guest: closed, and the code no longer works
    await adv_ws.send_bytes(encode(Msg.REMOVE, 0, {"participant": guest["id"]}))
    assert await closed_with(second) == 4010
    assert (
        await post_form(await aiohttp_client(relay), "/", {"code": session["code"]})
    ).status == 410
    await relay.close()


async def test_single_policy_refuses_a_second_person(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, join_policy="single")))
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    await citizen_client(relay, aiohttp_client, session["code"])
    response = await post_form(await aiohttp_client(relay), "/", {"code": session["code"]})
    assert response.status == 409
    await relay.close()


async def test_citizen_resumes_from_last_sequence_number(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, confirm_join=False)))
    _, adv_ws, session = await setup(relay, aiohttp_client)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    cit_ws = await open_ws(cit)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    message = await cit_ws.receive(timeout=10)
    while msgpack.unpackb(message.data)[0] != Msg.SNAPSHOT:
        message = await cit_ws.receive(timeout=10)
    seen = msgpack.unpackb(message.data)[1]
    await cit_ws.close()
    # reconnect having seen the snapshot: no snapshot again
    again = await open_ws(cit, last_seq=seen)
    kinds = await nothing_more(again)
    assert Msg.SNAPSHOT not in kinds
    await again.close()
    # a reload (nothing seen) gets the current page
    fresh = await open_ws(cit, last_seq=0)
    snapshot = await receive(fresh, Msg.SNAPSHOT)
    assert snapshot["url"] == f"http://127.0.0.1:{demo.port}/"
    await relay.close()


async def test_flood_closes_only_the_flooder(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo, confirm_join=False)))
    _, adv_ws, session = await setup(relay, aiohttp_client)
    cit_ws = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    frame = encode(Msg.VIEWPORT, 0, {"viewport": [800, 600]})
    for _ in range(400):
        await cit_ws.send_bytes(frame)
    assert await closed_with(cit_ws) == 4429
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    assert (await receive(adv_ws, Msg.SNAPSHOT, seconds=10))["title"]
    await relay.close()


async def test_idle_session_warns_then_ends(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    config = relay_config(
        demo, confirm_join=False, idle_timeout_seconds=60, idle_warning_seconds=30
    )
    relay = await aiohttp_server(make_app(config))
    store = relay.app[STORE]
    _, _, session = await setup(relay, aiohttp_client)
    cit_ws = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    live = store.get(session["session"])
    assert live is not None
    live.last_activity -= 40  # as if nobody had done anything for 40 s
    await store.sweep()
    warning = await receive(cit_ws, Msg.IDLE_WARNING)
    assert 0 < warning["seconds"] <= 20
    await cit_ws.send_bytes(encode(Msg.EXTEND, 0, {}))
    assert (await receive(cit_ws, Msg.NOTICE))["key"] == "extended"
    live.last_activity -= 61
    await store.sweep()
    ended = await receive(cit_ws, Msg.ENDED)
    assert ended["reason"] == "timeout"
    assert store.get(session["session"]) is None
    await asyncio.sleep(0)
    await relay.close()


async def test_a_waiting_joiner_is_let_go_when_the_session_ends(
    relay: TestServer, aiohttp_client: ClientFactory
) -> None:
    _, adv_ws, session = await setup(relay, aiohttp_client)
    cit_ws = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    await receive(cit_ws, Msg.WAITING)
    await adv_ws.send_bytes(encode(Msg.END, 0, {}))
    assert await closed_with(cit_ws) == 4000


async def test_an_idle_end_tells_a_waiting_joiner_why_and_nothing_of_the_session(
    aiohttp_server: ServerFactory, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    relay = await aiohttp_server(make_app(relay_config(demo)))  # confirmation on
    store = relay.app[STORE]
    _, adv_ws, session = await setup(relay, aiohttp_client)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    await receive(adv_ws, Msg.SNAPSHOT, seconds=10)
    cit_ws = await open_ws(await citizen_client(relay, aiohttp_client, session["code"]))
    await receive(cit_ws, Msg.WAITING)
    live = store.get(session["session"])
    assert live is not None and live.visited  # a page was seen, by the advisor only
    live.last_activity -= store.config.idle_timeout_seconds + 1
    await store.sweep()
    ended = await receive(cit_ws, Msg.ENDED)
    assert ended == {"reason": "timeout", "visited": []}
    assert await closed_with(cit_ws) == 4000
    await relay.close()
