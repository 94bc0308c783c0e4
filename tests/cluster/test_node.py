"""Several relay nodes sharing one real redis-server (cobrowse.cluster)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgpack
import pytest
from aiohttp import ClientConnectionResetError, WSMsgType
from aiohttp.test_utils import TestServer

from bench.harness.redis_server import RedisServer
from cobrowse.app import make_app
from cobrowse.bus import BusState
from cobrowse.cli import main
from cobrowse.cluster import RECONNECTING, Cluster
from cobrowse.cluster.wire import control_channel, frames_channel
from cobrowse.config import RenderConfig, parse_config
from cobrowse.errors import ConfigError
from cobrowse.keys import CLUSTER, NAVIGATOR
from cobrowse.keys import STORE as STORE_KEY
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame
from tests.relay_client import (
    PASSWORD,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    post_form,
    receive,
    relay_config,
)
from tests.test_metrics import scrape, value

SECRET = "cluster-test-secret-0123456789-abcdefgh"
Nodes = Callable[..., Any]


@pytest.fixture
async def nodes(
    aiohttp_server: ServerFactory, demo: TestServer, redis_server: RedisServer
) -> AsyncIterator[Nodes]:
    """A factory of relay nodes on one Redis; ``nodes(3, join_policy="admit")``."""
    started: list[TestServer] = []

    async def make(count: int, **options: Any) -> list[TestServer]:
        settings: dict[str, Any] = {
            "confirm_join": False,
            "join_policy": "open",
            "join_failures_per_client": 3,
            **options,
        }
        config = relay_config(demo, secret_key=SECRET, bus_url=redis_server.url, **settings)
        for _ in range(count):
            started.append(await aiohttp_server(make_app(config)))
        return started[-count:]

    yield make
    for server in reversed(started):
        await server.close()


async def advisor_and_citizen(
    advisor_node: TestServer, citizen_node: TestServer, aiohttp_client: ClientFactory
) -> tuple[Any, dict[str, Any], Any, Any, Any]:
    """An advisor's browser on one node opens a session, a citizen's browser joins it
    on another; both connected: (advisor client, session, its WebSocket, citizen, its)."""
    adv, csrf = await advisor_client(advisor_node, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(citizen_node, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    return adv, session, adv_ws, cit, await connect(cit)


async def freeze(node: TestServer) -> Cluster:
    """The node stops as if its process died: no heartbeat, nothing on the bus
    (what it had queued for Redis is written first, as a live node would have)."""
    cluster = node.app[CLUSTER]
    await cluster.settled()
    assert cluster._watcher is not None
    cluster._watcher.cancel()
    await cluster.bus.close()
    return cluster


async def open_home(adv_ws: Any, demo: TestServer, watcher: Any) -> Any:
    """The advisor opens the demo home page; the ``[kind, seq, body]`` ``watcher`` gets."""
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    return read_frame(await next_frame(watcher, Msg.SNAPSHOT))


async def next_page(ws: Any) -> dict[str, Any]:
    """``{page, url, title, …}`` of the next page ``ws`` is shown (snapshot or diff)."""
    kind, _, body = read_frame(await next_frame(ws, Msg.SNAPSHOT, Msg.MUTATIONS))
    info: dict[str, Any] = body if kind == Msg.SNAPSHOT else body["navigate"]
    return info


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
    _adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
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
    _adv, session, adv_ws, cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
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
    _adv, _session, adv_ws, cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
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


# -- ownership hand-over (cobrowse.cluster.handover) -----------------------------------------


def _find(tree: list[Any], test: Callable[[list[Any]], bool]) -> list[Any]:
    """The first element of a snapshot tree that passes ``test``."""
    stack = [tree]
    while stack:
        node = stack.pop(0)
        if len(node) == 4:
            if test(node):
                return node
            stack.extend(node[3])
    raise AssertionError("no such element")


def _search_field(tree: list[Any]) -> list[Any]:
    return _find(tree, lambda n: n[1] == "input" and n[2].get("type") in ("search", "text"))


def _cookie(client: Any, name: str) -> str:
    return str(next(m.value for m in client.session.cookie_jar if m.key == name))


async def _closed_with(ws: Any) -> int:
    """The close code the relay sent. The relay pings a quiet client
    (cobrowse.ws_liveness); aiohttp's client answers a ping it reads only after
    the relay closed the line with a ClientConnectionResetError, and the CLOSE
    frame behind the ping is still there to read."""
    while True:
        try:
            message = await ws.receive(timeout=10)
        except ClientConnectionResetError:
            continue
        if message.type is not WSMsgType.BINARY:
            break
    assert message.type is WSMsgType.CLOSE, message
    return int(message.data)


async def test_advisor_coming_through_another_node_takes_the_session_over(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    first = await open_home(adv_ws, demo, cit_ws)
    field = _search_field(first[2]["tree"])
    typed = {"page": first[2]["page"], "node": field[0], "value": "Wohngeld"}
    await adv_ws.send_bytes(encode(Msg.INPUT_SET, 0, typed))
    await receive(cit_ws, Msg.MUTATIONS)
    await a.app[CLUSTER].settled()
    owned = a.app[STORE_KEY].sessions[session["session"]].page
    assert owned is not None
    links, forms = owned.links, owned.forms
    # the advisor's browser now reaches node B (the login made on A works there)
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    info = await moved.get(f"/api/sessions/{session['session']}")
    assert info.status == 200
    assert (await info.json())["code"] == session["code"]
    meta = await b.app[CLUSTER].state.load_session(session["session"])
    assert meta is not None and meta.owner == a.app[CLUSTER].node_id  # asking moves nothing
    stranger = await aiohttp_client(b)
    assert (await stranger.get(f"/api/sessions/{session['session']}")).status == 404
    moved_ws = await connect(moved, f"/ws?session={session['session']}")
    assert await _closed_with(adv_ws) == 4002  # the old window on A steps back
    page = read_frame(await next_frame(moved_ws, Msg.SNAPSHOT))
    citizen_sees = read_frame(await next_frame(cit_ws, Msg.SNAPSHOT))
    assert page == citizen_sees
    assert page[1] >= 1 << 20 > first[1]  # a new owner's epoch: seqs keep rising
    assert page[2]["page"] == first[2]["page"]
    assert _search_field(page[2]["tree"])[2]["value"] == "Wohngeld"  # typed text survived
    meta = await b.app[CLUSTER].state.load_session(session["session"])
    assert meta is not None and meta.owner == b.app[CLUSTER].node_id
    # the new owner resolves the page's links: a click navigates for everyone
    restored = b.app[STORE_KEY].sessions[session["session"]].page
    assert restored is not None and restored.links == links and restored.forms == forms
    link = next(node for node, url in links.items() if url.endswith("rente.html"))
    await moved_ws.send_bytes(encode(Msg.CLICK, 0, {"node": link}))
    navigated = await next_page(cit_ws)
    assert navigated["url"] == links[link]
    # and the session still ends for everyone, from the new owner
    await moved_ws.send_bytes(encode(Msg.END, 0, {}))
    assert (await receive(cit_ws, Msg.ENDED))["reason"] == "advisor"


async def test_a_dead_owner_is_replaced_and_the_citizen_keeps_the_page(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, owner_timeout_seconds=0.6)
    adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    before = await open_home(adv_ws, demo, cit_ws)
    await freeze(a)
    after = read_frame(await next_frame(cit_ws, Msg.SNAPSHOT))
    assert after[1] > before[1]
    assert after[2]["tree"] == before[2]["tree"] and after[2]["url"] == before[2]["url"]
    meta = await b.app[CLUSTER].state.load_session(session["session"])
    assert meta is not None and meta.owner == b.app[CLUSTER].node_id
    # the advisor's browser reconnects through B and goes on
    back = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    back_ws = await connect(back, f"/ws?session={session['session']}")
    assert read_frame(await next_frame(back_ws, Msg.SNAPSHOT)) == after
    url = f"http://127.0.0.1:{demo.port}/service/faq.html"
    await back_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    navigated = await next_page(cit_ws)
    assert navigated["url"] == url


async def test_owner_shutdown_hands_the_session_over_instead_of_ending_it(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, owner_timeout_seconds=0.6)
    _adv, _session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    before = await open_home(adv_ws, demo, cit_ws)
    await a.close()  # a rolling restart
    assert await _closed_with(adv_ws) == 1012  # not final: the browser reconnects
    after = read_frame(await next_frame(cit_ws, Msg.SNAPSHOT))
    assert after[2]["tree"] == before[2]["tree"]
    assert after[1] > before[1]


async def test_login_on_one_node_works_on_every_node_and_logout_ends_it_everywhere(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    adv, csrf = await advisor_client(a, aiohttp_client)
    await a.app[CLUSTER].settled()
    token = _cookie(adv, "cb_advisor")
    other = await aiohttp_client(b, cookies={"cb_advisor": token})
    assert "csrf-token" in await (await other.get("/berater")).text()
    assert (await new_session(other, csrf))["code"]  # the same CSRF token works on B
    stranger = await aiohttp_client(b, cookies={"cb_advisor": token[:-2] + "xx"})
    assert "csrf-token" not in await (await stranger.get("/berater")).text()
    logout = await adv.post("/berater/abmelden", data={"csrf": csrf}, allow_redirects=False)
    assert logout.status == 303
    await a.app[CLUSTER].settled()
    assert "csrf-token" not in await (await other.get("/berater")).text()


@pytest.mark.parametrize("next_request_on", ["the same node", "another node"])
async def test_the_page_after_logging_in_finds_the_login_while_redis_is_slow(
    nodes: Nodes,
    aiohttp_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    next_request_on: str,
) -> None:
    # The login's shared-state write lags behind (a loaded Redis, a fresh pool
    # connection): the redirect's GET /berater must still find it, on this node
    # (not dropped as "logged out elsewhere") and behind a load balancer on another.
    a, b = await nodes(2)
    state = a.app[CLUSTER].state
    save_login = state.save_login

    async def slow_save(token: str, record: bytes, seconds: float) -> None:
        await asyncio.sleep(0.3)
        await save_login(token, record, seconds)

    monkeypatch.setattr(state, "save_login", slow_save)
    adv = await aiohttp_client(a)
    login = {"username": "berater", "password": PASSWORD}
    response = await post_form(adv, "/berater", login, allow_redirects=False)
    assert response.status == 303
    token = _cookie(adv, "cb_advisor")
    node = a if next_request_on == "the same node" else b
    browser = await aiohttp_client(node, cookies={"cb_advisor": token})
    assert "csrf-token" in await (await browser.get("/berater")).text()
    assert "csrf-token" in await (await adv.get("/berater")).text()


async def test_no_node_reads_back_what_it_published(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, show_citizen_pointer=True)
    _adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    await open_home(adv_ws, demo, cit_ws)
    for x in (0.1, 0.2, 0.3):
        await adv_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 1, "x": x, "y": 0.5}))
        while (await receive(cit_ws, Msg.POINTER))["x"] != x:
            pass
    await cit_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 3, "x": 0.5, "y": 0.5}))
    await receive(adv_ws, Msg.CITIZEN_POINTER)
    sid = session["session"]
    owner, replica = a.app[CLUSTER].bus, b.app[CLUSTER].bus
    assert owner.channels() == {control_channel(sid)}
    assert replica.channels() == {frames_channel(sid)}
    assert owner.stats.delivered > 0 and replica.stats.delivered > 0
    assert owner.stats.echoes == 0 and replica.stats.echoes == 0


async def test_an_owner_stepping_down_keeps_its_citizen_on_the_page(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, a, aiohttp_client)
    first = await open_home(adv_ws, demo, cit_ws)
    await a.app[CLUSTER].settled()
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    moved_ws = await connect(moved, f"/ws?session={session['session']}")
    assert await _closed_with(adv_ws) == 4002
    page = read_frame(await next_frame(moved_ws, Msg.SNAPSHOT))
    assert page[1] >= 1 << 20 > first[1]
    # A missed the new owner's first frames while it changed channels: it asked
    # for the page and its citizen has the new owner's snapshot
    citizen_sees = read_frame(await next_frame(cit_ws, Msg.SNAPSHOT))
    while citizen_sees[1] < page[1]:
        citizen_sees = read_frame(await next_frame(cit_ws, Msg.SNAPSHOT))
    assert citizen_sees == page
    sid = session["session"]
    assert a.app[CLUSTER].bus.channels() == {frames_channel(sid)}
    assert b.app[CLUSTER].bus.channels() == {control_channel(sid)}
    # later frames of the new owner reach the citizen on the old owner's node
    links = b.app[STORE_KEY].sessions[sid].page.links
    link = next(node for node, url in links.items() if url.endswith("rente.html"))
    await moved_ws.send_bytes(encode(Msg.CLICK, 0, {"node": link}))
    assert (await next_page(cit_ws))["url"] == links[link]


async def test_citizen_pointer_reaches_the_advisor_on_another_node(
    nodes: Nodes, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2, show_citizen_pointer=True)
    _adv, _session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    await cit_ws.send_bytes(encode(Msg.POINTER_MOVE, 0, {"node": 3, "x": 0.5, "y": 0.5}))
    pointer = await receive(adv_ws, Msg.CITIZEN_POINTER)
    assert pointer["node"] == 3 and pointer["participant"] != "advisor"
    # metrics: the session counts once (on its owner), the copy on B as a replica
    (owner, _), (other, _) = [await scrape(await aiohttp_client(n)) for n in (a, b)]
    assert (value(owner, "cobrowse_sessions"), value(other, "cobrowse_sessions")) == (1, 0)
    assert value(other, "cobrowse_session_replicas") == 1
    assert value(owner, "cobrowse_participants", role="citizen") == 1
    assert value(other, "cobrowse_participants", role="citizen") == 0


@pytest.mark.parametrize("joined_on", ["old owner", "new owner"])
async def test_a_joiner_waiting_for_admission_can_be_admitted_by_the_new_owner(
    nodes: Nodes, aiohttp_client: ClientFactory, joined_on: str
) -> None:
    a, b = await nodes(2, confirm_join=True, confirm_mode="button", join_policy="admit")
    adv, csrf = await advisor_client(a, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    joins_at = a if joined_on == "old owner" else b
    cit = await citizen_client(joins_at, aiohttp_client, session["code"])
    cit_ws = await connect(cit)
    waiting = await receive(cit_ws, Msg.WAITING)
    admissions = await receive(adv_ws, Msg.ADMISSIONS)
    while not admissions["waiting"]:
        admissions = await receive(adv_ws, Msg.ADMISSIONS)
    await a.app[CLUSTER].settled()
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    moved_ws = await connect(moved, f"/ws?session={session['session']}")
    admissions = await receive(moved_ws, Msg.ADMISSIONS)
    while not admissions["waiting"]:
        admissions = await receive(moved_ws, Msg.ADMISSIONS)
    person = admissions["waiting"][0]
    assert person["phrase"] == waiting["phrase"]  # the read-back phrase came along
    await moved_ws.send_bytes(encode(Msg.ADMIT, 0, {"participant": person["id"]}))
    roster = await receive(cit_ws, Msg.PARTICIPANTS)
    assert {p["state"] for p in roster["participants"]} == {"active"}


async def test_of_two_nodes_watching_a_dead_owner_one_takes_over_and_keeps_it(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b, c = await nodes(3, owner_timeout_seconds=0.6)
    _, session, adv_ws, _, on_b = await advisor_and_citizen(a, b, aiohttp_client)
    on_c = await connect(await citizen_client(c, aiohttp_client, session["code"]))
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    for ws in (on_b, on_c):
        await next_frame(ws, Msg.SNAPSHOT)
    owner = await freeze(a)
    again = [read_frame(await next_frame(ws, Msg.SNAPSHOT)) for ws in (on_b, on_c)]
    assert again[0] == again[1] and again[0][1] >= 1 << 20
    state = b.app[CLUSTER].state
    meta = await state.load_session(session["session"])
    assert meta is not None and meta.owner in (b.app[CLUSTER].node_id, c.app[CLUSTER].node_id)
    # the slower watcher, still seeing A as the owner it found dead, backs off
    loser = c if meta.owner == b.app[CLUSTER].node_id else b
    assert (
        await loser.app[CLUSTER].ownership.take_over(session["session"], from_node=owner.node_id)
        is None
    )
    # a few watch rounds later the winner still owns it: the other did not take it away
    await asyncio.sleep(1.5)  # three watch intervals: no event says "nothing happened"
    later = await state.load_session(session["session"])
    assert later is not None and later.owner == meta.owner
    with pytest.raises(TimeoutError):  # and nobody sent the page a third time
        async with asyncio.timeout(0.2):
            await next_frame(on_b, Msg.SNAPSHOT)


async def test_a_citizen_coming_back_during_a_take_over_waits_for_it_instead_of_being_refused(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = await nodes(2)
    _, session, adv_ws, cit, cit_ws = await advisor_and_citizen(a, a, aiohttp_client)
    before = await open_home(adv_ws, demo, cit_ws)
    await a.app[CLUSTER].settled()
    heir = b.app[CLUSTER]
    entered, go_on = asyncio.Event(), asyncio.Event()
    snapshot_of = heir.state.latest_snapshot

    async def slow_snapshot(session_id: str) -> tuple[int, bytes] | None:
        entered.set()
        await go_on.wait()
        found: tuple[int, bytes] | None = await snapshot_of(session_id)
        return found

    monkeypatch.setattr(heir.state, "latest_snapshot", slow_snapshot)
    taking = asyncio.create_task(heir.ownership.take_over(session["session"]))
    await entered.wait()  # B has claimed the session and is rebuilding it
    back = await aiohttp_client(b, cookies={"cb_participant": _cookie(cit, "cb_participant")})
    joining = asyncio.create_task(connect(back))
    await asyncio.sleep(0.2)  # the reconnect reaches B's take-over (no event tells when)
    go_on.set()
    assert await taking is not None
    ws = await joining  # WELCOME: let in, not refused
    page = read_frame(await next_frame(ws, Msg.SNAPSHOT))
    assert page[2]["tree"] == before[2]["tree"]


async def test_a_citizen_whose_replica_was_built_while_the_advisor_took_over_follows_the_new_owner(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The citizen's reconnect reads the old owner before B claims the session and
    # builds its replica while B's take-over is under way: B must take that replica
    # over, not replace it with a second copy the citizen's connection is not in.
    a, b = await nodes(2)
    adv, session, adv_ws, cit, cit_ws = await advisor_and_citizen(a, a, aiohttp_client)
    await open_home(adv_ws, demo, cit_ws)
    await a.app[CLUSTER].settled()
    heir = b.app[CLUSTER]
    claiming, go_on = asyncio.Event(), asyncio.Event()
    claim_of = heir.state.claim_owner

    async def late_claim(session_id: str, node: str, expected: str) -> bool:
        claiming.set()
        await go_on.wait()
        claimed: bool = await claim_of(session_id, node, expected)
        return claimed

    monkeypatch.setattr(heir.state, "claim_owner", late_claim)
    taking = asyncio.create_task(heir.ownership.take_over(session["session"]))
    await claiming.wait()  # B read the session (no copy here yet) and is about to claim it
    back = await aiohttp_client(b, cookies={"cb_participant": _cookie(cit, "cb_participant")})
    ws = await connect(back)  # a replica of A's session on B
    await next_frame(ws, Msg.SNAPSHOT)  # the page, from the replica
    go_on.set()
    assert await taking is not None
    _, seq, _ = msgpack.unpackb(await next_frame(ws, Msg.SNAPSHOT))
    assert seq >= 1 << 20  # the new owner's page reached the citizen
    # the advisor goes on through B (A closes its old connection, having stepped down)
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    moved_ws = await connect(moved, f"/ws?session={session['session']}")
    await moved_ws.send_bytes(
        encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/themen/rente.html"})
    )
    assert "Rente" in (await next_page(ws))["title"]


async def test_a_rendered_page_is_loaded_again_by_the_new_owner_and_its_widget_works(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    rendered = parse_config('[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\n').rules
    a, b = await nodes(2, rules=rendered, render=RenderConfig(settle_seconds=0.2))
    adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    sid = session["session"]
    url = f"http://127.0.0.1:{demo.port}/service/termine.html"
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
    assert (await next_page(cit_ws))["url"] == url  # rendered by A's browser
    old_renderer = a.app[NAVIGATOR].renderer
    assert old_renderer is not None and sid in old_renderer.browsers
    await a.app[CLUSTER].settled()
    # the advisor's browser now reaches node B: B takes the session over
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    moved_ws = await connect(moved, f"/ws?session={sid}")
    assert await _closed_with(adv_ws) == 4002
    await next_frame(cit_ws, Msg.SNAPSHOT)  # what A showed, at once
    # … then B loads the page again in its own browser: live there
    assert (await next_page(cit_ws))["url"] == url
    heir = b.app[STORE_KEY].sessions[sid]
    for _ in range(100):
        if heir.live is not None:
            break
        await asyncio.sleep(0.05)
    assert heir.live is not None and heir.page is not None
    button = _find(heir.page.tree, lambda n: "mehr-termine" in n[2].get("class", ""))
    # the script widget reacts to the advisor's click on the new owner
    pulse = {"page": heir.page_no, "node": button[0], "x": 0.5, "y": 0.5}
    await moved_ws.send_bytes(encode(Msg.PULSE_AT, 0, pulse))
    while True:
        body = read_frame(await next_frame(cit_ws, Msg.MUTATIONS))[2]
        if "Weniger Termine anzeigen" in str(body):
            break
    # the old owner dropped the session's browser context
    for _ in range(60):
        if sid not in old_renderer.browsers:
            break
        await asyncio.sleep(0.05)
    assert sid not in old_renderer.browsers
    await moved_ws.send_bytes(encode(Msg.END, 0, {}))
    assert (await receive(cit_ws, Msg.ENDED))["reason"] == "advisor"


async def test_the_advisors_next_login_on_another_node_finds_and_resumes_the_session(
    nodes: Nodes, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    a, b = await nodes(2)
    # advisor and citizen on A only: B holds nothing of the session
    _adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, a, aiohttp_client)
    before = await open_home(adv_ws, demo, cit_ws)
    await adv_ws.close()  # the advisor's browser goes („Abmelden“, session kept)
    await a.app[CLUSTER].settled()
    assert session["session"] not in b.app[STORE_KEY].sessions
    # the next login, through B: the running session is offered there
    again, _csrf = await advisor_client(b, aiohttp_client)
    listed = await (await again.get("/api/sessions")).json()
    assert [(s["session"], s["code"]) for s in listed["sessions"]] == [
        (session["session"], session["code"])
    ]
    stranger = await aiohttp_client(b)  # and only to that advisor
    assert (await stranger.get("/api/sessions")).status == 401
    # resuming it through B: B takes it over, the citizen sees the advisor again
    resumed = await connect(again, f"/ws?session={session['session']}")
    page = read_frame(await next_frame(resumed, Msg.SNAPSHOT))
    assert page[2]["tree"] == before[2]["tree"]
    while True:
        body = await receive(cit_ws, Msg.PARTICIPANTS)
        if next(p for p in body["participants"] if p["role"] == "advisor")["connected"]:
            break
    meta = await b.app[CLUSTER].state.load_session(session["session"])
    assert meta is not None and meta.owner == b.app[CLUSTER].node_id
    # and once it ended, it is offered nowhere
    await resumed.send_bytes(encode(Msg.END, 0, {}))
    await receive(cit_ws, Msg.ENDED)
    await b.app[CLUSTER].settled()
    for node in (a, b):
        login, _ = await advisor_client(node, aiohttp_client)
        assert (await (await login.get("/api/sessions")).json())["sessions"] == []
