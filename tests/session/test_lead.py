"""The citizen's turn (``LEAD``): the advisor hands the lead to a citizen or guest,
whose clicks, submits, typing and scrolling then drive the session the advisor's
way, and takes it back; the lead falls back to the advisor when the leader goes
— over real WebSockets against the relay and the demo site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.keys import STORE
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.protocol import PROTOCOL_VERSION, Msg, encode, read_frame
from cobrowse.session.model import CoSession
from tests.relay_client import (
    Client,
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    navigate,
    new_session,
    origin,
    receive,
    relay_config,
    start_relay,
)


@dataclass
class Call:
    """A running session: the relay, the advisor's socket and the session."""

    relay: TestServer
    advisor: Any
    session: CoSession
    code: str
    clients: ClientFactory

    async def joiner(self) -> tuple[Any, str]:
        """A new person joins (admitted at once unless the policy says otherwise):
        their socket and participant id."""
        client: Client = await citizen_client(self.relay, self.clients, self.code)
        ws = await client.ws_connect("/ws", headers=origin(client))
        hello = {"version": PROTOCOL_VERSION, "viewport": [1280, 720]}
        await ws.send_bytes(encode(Msg.HELLO, 0, hello))
        welcome = await receive(ws, Msg.WELCOME)
        return ws, str(welcome["participant"])


async def until(ws: Any, kind: Msg, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The next ``kind`` frame whose body passes ``check`` (others are skipped)."""
    while True:
        body = await receive(ws, kind)
        if check(body):
            return body


async def send(ws: Any, kind: Msg, body: dict[str, Any]) -> None:
    await ws.send_bytes(encode(kind, 0, body))


async def lead_is(ws: Any, who: str | None) -> dict[str, Any]:
    return await until(ws, Msg.PARTICIPANTS, lambda b: b["lead"] == who)


async def open_call(
    demo: TestServer,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientFactory,
    **config: Any,
) -> Call:
    settings = {"join_policy": "open", "confirm_join": False, **config}
    relay = await start_relay(aiohttp_server, relay_config(demo, **settings))
    adv, csrf = await advisor_client(relay, aiohttp_client)
    data = await new_session(adv, csrf)
    ws = await connect(adv, f"/ws?session={data['session']}")
    session = relay.app[STORE].sessions[data["session"]]
    await navigate(ws, f"http://127.0.0.1:{demo.port}/")
    return Call(relay, ws, session, data["code"], aiohttp_client)


def link_to(session: CoSession, ending: str) -> int:
    """The node id of a link on the current page whose target ends with ``ending``."""
    assert session.page is not None
    return next(n for n, url in session.page.links.items() if url.endswith(ending))


def field(session: CoSession, dom_id: str) -> int:
    """The node id of the element with ``id="dom_id"`` on the current page."""
    assert session.page is not None
    node = TreeIndex.build(session.page.tree).by_dom_id(dom_id)
    assert node is not None, dom_id
    node_id: int = node[0]
    return node_id


def new_page(body: dict[str, Any]) -> bool:
    """A page change: a SNAPSHOT, or MUTATIONS that turn the page into the next."""
    return "tree" in body or "navigate" in body


async def page_change(ws: Any) -> dict[str, Any]:
    while True:
        message = await ws.receive(timeout=10.0)
        assert message.type is WSMsgType.BINARY, message
        kind, _, body = read_frame(message.data)
        if kind in (Msg.SNAPSHOT, Msg.MUTATIONS) and new_page(body):
            result: dict[str, Any] = body
            return result


async def test_a_leading_citizen_navigates_for_everyone_until_the_advisor_takes_it_back(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    call = await open_call(demo, aiohttp_server, aiohttp_client)
    citizen, cid = await call.joiner()
    await lead_is(call.advisor, None)

    await send(call.advisor, Msg.LEAD, {"participant": cid})
    assert (await lead_is(citizen, cid))["lead"] == cid
    await lead_is(call.advisor, cid)
    assert call.session.lead == cid

    # the citizen's click takes the advisor's path: both see the new page
    await send(citizen, Msg.CLICK, {"node": link_to(call.session, "/servicekonto/anmelden.html")})
    await page_change(call.advisor)
    await page_change(citizen)
    assert call.session.page is not None
    assert call.session.page.url.endswith("/servicekonto/anmelden.html")

    # their scrolling goes to the advisor (and nobody else's to them)
    page = call.session.page_no
    heading = field(call.session, "registrieren")
    await send(citizen, Msg.SCROLL_TO, {"page": page, "node": heading, "offset": 0.25})
    scroll = await receive(call.advisor, Msg.SCROLL)
    assert scroll == {"page": page, "node": heading, "offset": 0.25, "jump": False}

    # typing: a plain field goes to everyone, the password never
    user, password = (
        field(call.session, "anmeldung-benutzer"),
        field(call.session, "anmeldung-passwort"),
    )
    await send(citizen, Msg.INPUT_SET, {"page": page, "node": password, "value": "geheim"})
    await send(citizen, Msg.INPUT_SET, {"page": page, "node": user, "value": "erika"})
    changed = await until(call.advisor, Msg.MUTATIONS, lambda b: bool(b["attributes"]))
    assert changed["attributes"] == [[user, {"value": "erika"}]]

    # a link to a host that is not allowed: refused, and the citizen is told why
    await send(citizen, Msg.CLICK, {"node": link_to(call.session, "/buergerportal")})
    told = await until(citizen, Msg.NOTICE, lambda b: b["key"] == "link_not_allowed")
    assert told["params"] == {"host": "www.example.org"}
    assert call.session.page.url.endswith("/servicekonto/anmelden.html")

    # the advisor can always act meanwhile
    await send(
        call.advisor, Msg.CLICK, {"node": link_to(call.session, "/service/faq.html#faq-passwort")}
    )
    await page_change(citizen)

    # taken back: the citizen's next click is refused with a plain notice, not a closed socket
    await send(call.advisor, Msg.LEAD, {"participant": None})
    await lead_is(citizen, None)
    url = call.session.page.url
    await send(citizen, Msg.CLICK, {"node": next(iter(call.session.page.links))})
    notice = await until(citizen, Msg.NOTICE, lambda b: b["key"] == "lead_not_yours")
    assert notice["text"].startswith("Sie führen gerade nicht.")
    assert call.session.page.url == url and not citizen.closed
    await call.relay.close()


@pytest.mark.parametrize("how", ["drops", "leaves", "is removed"])
async def test_the_lead_falls_back_to_the_advisor_when_the_leader_goes(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer, how: str
) -> None:
    call = await open_call(demo, aiohttp_server, aiohttp_client)
    citizen, _ = await call.joiner()
    guest, gid = await call.joiner()  # a guest may be given the lead too
    await send(call.advisor, Msg.LEAD, {"participant": gid})
    await lead_is(citizen, gid)
    if how == "drops":
        await guest.close()
    elif how == "leaves":
        await send(guest, Msg.LEAVE, {})
    else:
        await send(call.advisor, Msg.REMOVE, {"participant": gid})
    await lead_is(call.advisor, None)
    await lead_is(citizen, None)
    assert call.session.lead is None
    # and the guest, if they are still connected somewhere, no longer drives anything
    await send(citizen, Msg.CLICK, {"node": link_to(call.session, "/servicekonto/anmelden.html")})
    await until(citizen, Msg.NOTICE, lambda b: b["key"] == "lead_not_yours")
    await call.relay.close()


async def test_handing_the_lead_on_moves_it_and_refusals_are_told_to_the_advisor(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    call = await open_call(demo, aiohttp_server, aiohttp_client, join_policy="admit")
    citizen, cid = await call.joiner()  # the first joiner is in at once
    waiting, wid = await call.joiner()  # the second waits to be admitted

    async def refused(target: str) -> str:
        await send(call.advisor, Msg.LEAD, {"participant": target})
        key: str = (await until(call.advisor, Msg.NOTICE, lambda b: True))["key"]
        return key

    assert await refused("nobody-here") == "lead_unknown"
    assert await refused(wid) == "lead_pending"
    assert call.session.lead is None
    # the advisor's own id is the advisor leading: nothing to refuse
    await send(call.advisor, Msg.LEAD, {"participant": "advisor"})
    await send(call.advisor, Msg.LEAD, {"participant": cid})
    await lead_is(call.advisor, cid)
    await send(call.advisor, Msg.ADMIT, {"participant": wid, "phrase": None})
    await until(
        call.advisor,
        Msg.PARTICIPANTS,
        lambda b: all(p["state"] == "active" for p in b["participants"]),
    )
    await send(call.advisor, Msg.LEAD, {"participant": wid})  # straight from one to the other
    await lead_is(citizen, wid)
    # a guest whose connection is gone cannot be given the lead
    await waiting.close()
    await lead_is(call.advisor, None)
    assert await refused(wid) == "lead_away"
    await call.relay.close()


async def test_only_the_advisor_hands_the_lead(
    aiohttp_server: ServerFactory, aiohttp_client: ClientFactory, demo: TestServer
) -> None:
    call = await open_call(demo, aiohttp_server, aiohttp_client)
    citizen, cid = await call.joiner()
    await send(citizen, Msg.LEAD, {"participant": cid})  # a tampered client
    closed = await citizen.receive(timeout=10.0)
    while closed.type is WSMsgType.BINARY:
        closed = await citizen.receive(timeout=10.0)
    assert closed.type in (WSMsgType.CLOSE, WSMsgType.CLOSED) and citizen.close_code == 4400
    assert call.session.lead is None
    await call.relay.close()
