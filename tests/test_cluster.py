"""Several relay nodes sharing one real redis-server (cobrowse.cluster)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.bus import BusState
from cobrowse.cli import main
from cobrowse.cluster import CLUSTER, RECONNECTING
from cobrowse.config import Advisor, Config, FetchConfig, HostPattern, parse_config
from cobrowse.errors import ConfigError
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode
from tests.bus.redis_server import RedisServer, running_redis
from tests.relay_client import (
    HASH,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    post_form,
    receive,
)

SECRET = "cluster-test-secret-0123456789-abcdefgh"
Nodes = Callable[..., Any]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def nodes(
    aiohttp_server: ServerFactory, demo: TestServer, redis_server: RedisServer
) -> AsyncIterator[Nodes]:
    """A factory of relay nodes on one Redis; ``nodes(3, join_policy="admit")``."""
    started: list[TestServer] = []

    async def make(count: int, **options: Any) -> list[TestServer]:
        host = HostPattern.parse(f"127.0.0.1:{demo.port}")
        settings: dict[str, Any] = {
            "confirm_join": False,
            "join_policy": "open",
            "join_failures_per_client": 3,
            **options,
        }
        config = Config(
            secret_key=SECRET,
            bus_url=redis_server.url,
            fetch=FetchConfig(allowed_hosts=(host,), private_hosts=(host,)),
            advisors=(Advisor("berater", HASH),),
            **settings,
        )
        for _ in range(count):
            started.append(await aiohttp_server(make_app(config)))
        return started[-count:]

    yield make
    for server in reversed(started):
        await server.close()


async def next_frame(ws: Any, *kinds: Msg) -> bytes:
    """The raw bytes of the next frame of one of ``kinds``."""
    while True:
        message = await ws.receive(timeout=20)
        assert message.type is WSMsgType.BINARY, message
        if msgpack.unpackb(message.data)[0] in kinds:
            data: bytes = message.data
            return data


async def test_code_drawn_on_one_node_is_joinable_on_another_and_unique(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b, c = await nodes(3)
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    await citizen_client(b, aiohttp_client, session["code"])  # 303 to /sitzung on B
    # node C cannot hand out the same code while it is live
    state_c = c.app[CLUSTER].state
    assert not await state_c.claim_code(session["code"], "another-session", 60.0)
    assert await state_c.lookup_code(session["code"], 60.0) == session["session"]


async def test_failed_joins_are_throttled_across_nodes(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    client_a, client_b = await aiohttp_client(a), await aiohttp_client(b)
    for _ in range(3):
        response = await post_form(client_a, "/", {"code": "000 000"}, allow_redirects=False)
        assert response.status in (404, 410)
    response = await post_form(client_b, "/", {"code": "000 000"}, allow_redirects=False)
    assert response.status == 429


async def test_citizen_on_other_node_gets_identical_snapshot_and_pointer(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(b, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(cit)
    roster = await receive(adv_ws, Msg.PARTICIPANTS)
    while len(roster["participants"]) < 2:
        roster = await receive(adv_ws, Msg.PARTICIPANTS)
    assert [p["role"] for p in roster["participants"]] == ["advisor", "citizen"]
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    advisor_snapshot = await next_frame(adv_ws, Msg.SNAPSHOT)
    citizen_snapshot = await next_frame(cit_ws, Msg.SNAPSHOT)
    assert advisor_snapshot == citizen_snapshot
    node = 1
    await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": node, "x": 0.5, "y": 0.25}))
    pointer = await receive(cit_ws, Msg.POINTER)
    assert pointer == {"node": node, "x": 0.5, "y": 0.25}
    # a late joiner on a third node gets the page from the shared state
    (c,) = await nodes(1)
    late = await citizen_client(c, aiohttp_client, session["code"])
    late_ws = await connect(late)
    assert await next_frame(late_ws, Msg.SNAPSHOT) == advisor_snapshot
    # the citizen leaves on B: the advisor on A sees it
    await cit_ws.send_bytes(encode(Msg.LEAVE, 0, {}))
    roster = await receive(adv_ws, Msg.PARTICIPANTS)
    while any(p["role"] == "citizen" for p in roster["participants"]):
        roster = await receive(adv_ws, Msg.PARTICIPANTS)
    # the advisor ends: the guest on C gets ENDED
    await adv_ws.send_bytes(encode(Msg.END, 0, {}))
    ended = await receive(late_ws, Msg.ENDED)
    assert ended["reason"] == "advisor"


async def test_admission_decided_on_the_owner_reaches_the_other_node(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, confirm_join=True, confirm_mode="button", join_policy="admit")
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit = await citizen_client(b, aiohttp_client, session["code"])
    cit_ws = await connect(cit)
    waiting = await receive(cit_ws, Msg.WAITING)
    admissions = await receive(adv_ws, Msg.ADMISSIONS)
    while not admissions["waiting"]:
        admissions = await receive(adv_ws, Msg.ADMISSIONS)
    person = admissions["waiting"][0]
    assert person["phrase"] == waiting["phrase"]
    await adv_ws.send_bytes(encode(Msg.ADMIT, 0, {"participant": person["id"]}))
    roster = await receive(cit_ws, Msg.PARTICIPANTS)  # only active people see the roster
    assert {p["state"] for p in roster["participants"]} == {"active"}


async def test_denied_on_the_owner_closes_the_joiner_on_the_other_node(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, confirm_join=True, join_policy="admit")
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit = await citizen_client(b, aiohttp_client, session["code"])
    cit_ws = await connect(cit)
    await receive(cit_ws, Msg.WAITING)
    admissions = await receive(adv_ws, Msg.ADMISSIONS)
    while not admissions["waiting"]:
        admissions = await receive(adv_ws, Msg.ADMISSIONS)
    await adv_ws.send_bytes(encode(Msg.DENY, 0, {"participant": admissions["waiting"][0]["id"]}))
    message = await cit_ws.receive(timeout=10)
    while message.type is WSMsgType.BINARY:
        message = await cit_ws.receive(timeout=10)
    assert (message.type, message.data) == (WSMsgType.CLOSE, 4010)
    await a.app[CLUSTER].settled()
    # the denied code is revoked on every node
    other = await aiohttp_client(b)
    response = await post_form(other, "/", {"code": session["code"]}, allow_redirects=False)
    assert response.status == 410


async def test_redis_restart_shows_a_notice_and_the_session_goes_on(
    nodes: Nodes, redis_server: RedisServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(b, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(cit)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    first = await next_frame(adv_ws, Msg.SNAPSHOT)
    assert await next_frame(cit_ws, Msg.SNAPSHOT) == first
    await a.app[CLUSTER].settled()
    redis_server.restart()  # no persistence: Redis comes back empty
    notice = await receive(cit_ws, Msg.NOTICE, 30)
    assert notice["text"] == RECONNECTING
    notice = await receive(cit_ws, Msg.NOTICE, 30)
    assert notice["key"] == "reconnecting" and notice["level"] == "info"
    await a.app[CLUSTER].bus.wait_state(BusState.UP)
    await a.app[CLUSTER].settled()  # the owner wrote the session back
    await b.app[CLUSTER].bus.wait_state(BusState.UP)
    await b.app[CLUSTER].settled()  # B wrote back the tokens it knows
    # the code still works, on a node that never saw the session, with the page
    (c,) = await nodes(1)
    late = await citizen_client(c, aiohttp_client, session["code"])
    late_ws = await connect(late)
    assert await next_frame(late_ws, Msg.SNAPSHOT) == first
    token = next(m.value for m in cit.session.cookie_jar if m.key == "cb_participant")
    elsewhere = await aiohttp_client(c, cookies={"cb_participant": token})
    assert (await elsewhere.get("/sitzung")).status == 200  # the token survived the wipe
    await adv_ws.send_bytes(
        encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/themen/rente.html"})
    )
    second = await next_frame(adv_ws, Msg.SNAPSHOT, Msg.MUTATIONS)  # a page may come as a diff
    assert await next_frame(cit_ws, Msg.SNAPSHOT, Msg.MUTATIONS) == second
    assert await next_frame(late_ws, Msg.SNAPSHOT, Msg.MUTATIONS) == second


async def test_readiness_reports_redis(nodes: Nodes, aiohttp_client: ClientFactory) -> None:
    (a,) = await nodes(1)
    client = await aiohttp_client(a)
    assert (await client.get("/readyz")).status == 200


async def test_citizen_resumes_on_another_node_after_node_loss(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b, c = await nodes(3)
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(b, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(cit)
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    snapshot = await next_frame(cit_ws, Msg.SNAPSHOT)
    last_seq = msgpack.unpackb(snapshot)[1]
    token = next(m.value for m in cit.session.cookie_jar if m.key == "cb_participant")
    await b.close()  # node B goes away; the citizen's browser reconnects through C
    message = await cit_ws.receive(timeout=10)
    while message.type is WSMsgType.BINARY:
        message = await cit_ws.receive(timeout=10)
    assert (message.type, message.data) == (WSMsgType.CLOSE, 1012)  # not final: it reconnects
    back = await aiohttp_client(c, cookies={"cb_participant": token})
    assert (await back.get("/sitzung")).status == 200
    ws = await back.ws_connect("/ws", headers={"Origin": f"http://{back.host}:{back.port}"})
    hello = {"version": PROTOCOL_VERSION, "viewport": [800, 600], "last_seq": 0}
    await ws.send_bytes(encode(Msg.HELLO, 0, hello))
    assert await next_frame(ws, Msg.SNAPSHOT) == snapshot  # from the shared state
    await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 1, "x": 0.1, "y": 0.2}))
    assert await receive(ws, Msg.POINTER) == {"node": 1, "x": 0.1, "y": 0.2}
    assert last_seq > 0


async def test_tokens_of_an_ended_session_and_forged_tokens_fail_on_every_node(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b, c = await nodes(3)
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(b, aiohttp_client, session["code"])
    token = next(m.value for m in cit.session.cookie_jar if m.key == "cb_participant")
    for forged in ("", "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B")):
        stranger = await aiohttp_client(c, cookies={"cb_participant": forged})
        assert (await stranger.get("/sitzung")).status == 403
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    await adv_ws.send_bytes(encode(Msg.END, 0, {}))
    await receive(adv_ws, Msg.ENDED)
    await a.app[CLUSTER].settled()
    late = await aiohttp_client(c, cookies={"cb_participant": token})
    assert (await late.get("/sitzung")).status == 403
    again = await aiohttp_client(c)
    response = await post_form(again, "/", {"code": session["code"]}, allow_redirects=False)
    assert response.status == 410  # the ended session's code is dead on every node


def test_redis_mode_needs_an_explicit_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="secret_key"):
        parse_config('[bus]\nurl = "redis://127.0.0.1:6379/0"\n')
    with pytest.raises(ConfigError, match=r"bus\.url"):
        parse_config('[bus]\nurl = "http://example.org"\n')
    config = parse_config(f'[server]\nsecret_key = "{SECRET}"\n[bus]\nurl = "redis://r:6379/0"\n')
    assert config.bus_url == "redis://r:6379/0"
    assert parse_config("").bus_url == ""  # memory mode by default
    plain = tmp_path / "plain.toml"
    plain.write_text("[sessions]\nconfirm_join = false\n")
    assert main(["serve", "--redis", "redis://127.0.0.1:1/0"]) == 2
    assert main(["serve", "--config", str(plain), "--redis", "redis://127.0.0.1:1/0"]) == 2
