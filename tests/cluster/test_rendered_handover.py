"""Hand-over of a page rendered by the relay's browser (``render = "browser"``),
on two nodes sharing a real redis-server, with real Chromium on each node and
the demo site counting every request it gets (cobrowse.cluster.ownership).

The answer to a sent form is kept as the frames show it (loading its address
again would show another page, sending the form again could book twice); a
page that is loaded again gets back what was typed into its fields."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientConnectionResetError, WSMsgType, web
from aiohttp.test_utils import TestServer

from bench.harness.redis_server import RedisServer
from cobrowse.app import make_app
from cobrowse.config import FetchConfig, HostPattern, RenderConfig, parse_config
from cobrowse.demo import make_demo_app
from cobrowse.i18n_catalogue import DE
from cobrowse.keys import CLUSTER, NAVIGATOR
from cobrowse.keys import STORE as STORE_KEY
from cobrowse.pipeline.diff import TreeIndex, apply_batch
from cobrowse.protocol import Msg, encode, read_frame
from tests.cluster.test_node import SECRET, _cookie, advisor_and_citizen
from tests.relay_client import ClientFactory, ServerFactory, connect, relay_config

Requests = list[tuple[str, str]]
Start = Callable[[], Awaitable[tuple[TestServer, TestServer]]]
RENDERED = '[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\nallow_post_forms = true\n'
# what the advisor typed into the demo site's contact form before the hand-over
TYPED = {
    "kontakt-name": "Erika Mustermann",
    "kontakt-nachricht": "Bitte rufen Sie mich an.",
}


# A booking form and its answer, whose script adds a link once the page is
# shown (what the frames bring back of it, the page record must know too).
BOOKING = """<!DOCTYPE html><html><head><title>Termin</title></head><body>
<h1>Termin buchen</h1>
<form action="/termin" method="post"><input name="tag" value="Montag">
<button type="submit">Buchen</button></form></body></html>"""
BOOKED = """<!DOCTYPE html><html><head><title>Termin gebucht</title></head><body>
<h1>Termin gebucht</h1><p>Ihr Termin ist am Montag.</p>
<script>setTimeout(() => {
  const change = document.createElement("a");
  change.href = "/service/kontakt.html";
  change.textContent = "Termin ändern";
  document.body.append(change);
}, 300);</script></body></html>"""


async def _booking(request: web.Request) -> web.Response:
    page = BOOKED if request.method == "POST" else BOOKING
    return web.Response(text=page, content_type="text/html")


class Demo:
    """The demo site on loopback, with every request it answered (method, path)."""

    def __init__(self, server: TestServer, requests: Requests) -> None:
        self.server, self.requests = server, requests

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, path))


@pytest.fixture
async def counted(aiohttp_server: ServerFactory) -> Demo:
    requests: Requests = []

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        requests.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    app = make_demo_app()
    app.middlewares.append(count)
    app.router.add_route("*", "/termin", _booking)
    return Demo(await aiohttp_server(app), requests)


@pytest.fixture
async def two_nodes(
    aiohttp_server: ServerFactory, counted: Demo, redis_server: RedisServer
) -> AsyncIterator[Start]:
    """Two relay nodes on one Redis that render the counted demo site."""
    started: list[TestServer] = []

    async def start() -> tuple[TestServer, TestServer]:
        host = HostPattern.parse(f"127.0.0.1:{counted.server.port}")
        config = relay_config(
            counted.server,
            secret_key=SECRET,
            bus_url=redis_server.url,
            confirm_join=False,
            join_policy="open",
            fetch=FetchConfig(allowed_hosts=(host,), private_hosts=(host,)),
            rules=parse_config(RENDERED).rules,
            render=RenderConfig(settle_seconds=0.2),
        )
        for _ in range(2):
            started.append(await aiohttp_server(make_app(config)))
        return started[0], started[1]

    yield start
    for server in reversed(started):
        await server.close()


class Picture:
    """What a participant's mirror holds: the page's tree after every frame
    (a SNAPSHOT, then the MUTATIONS of that page, a diff to the next page too)."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.page, self.url, self.title = snapshot["page"], snapshot["url"], snapshot["title"]
        self.tree = snapshot["tree"]
        self.index = TreeIndex.build(self.tree)

    def apply(self, kind: int, body: dict[str, Any]) -> None:
        if kind == Msg.SNAPSHOT:
            self.__init__(body)  # type: ignore[misc]
        elif kind == Msg.MUTATIONS and body.get("page") == self.page:
            apply_batch(self.tree, body, self.index)
            navigate = body.get("navigate")
            if isinstance(navigate, dict):
                self.page, self.url, self.title = (
                    navigate["page"],
                    navigate["url"],
                    navigate["title"],
                )

    def element(self, dom_id: str) -> list[Any]:
        node = self.index.by_dom_id(dom_id)
        assert node is not None, dom_id
        return node

    def chosen(self, dom_id: str) -> list[str]:
        """The values of the selected options of the select ``dom_id``."""
        options = [c for c in self.element(dom_id)[3] if len(c) == 4 and c[1] == "option"]
        return [o[2].get("value", "") for o in options if "selected" in o[2]]

    def text(self, node: list[Any] | None = None) -> str:
        node = self.tree if node is None else node
        return "".join(c[1] if len(c) == 2 else self.text(c) for c in node[3])


class Line:
    """One participant's WebSocket, read all the time in the background (as a
    browser does: an unread line stops answering the relay's pings and is
    closed), its frames queued for the test to wait for."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        self.close_code: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except ClientConnectionResetError:
                continue  # answering a ping after the relay closed (see test_node._closed_with)
            if message.type is not WSMsgType.BINARY:
                break
            kind, _, body = read_frame(message.data)
            self.queue.put_nowait((int(kind), body))
        self.close_code.set_result(int(self.ws.close_code or 0))

    async def send(self, kind: Msg, body: dict[str, Any]) -> None:
        await self.ws.send_bytes(encode(kind, 0, body))

    async def frames(self, within: float = 30.0) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        """Every frame from now on as (type, body), for at most ``within``
        seconds: a loop waiting for something that never comes fails instead
        of hanging (the relay's signs of life keep a quiet line busy)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                frame = await asyncio.wait_for(self.queue.get(), max(left, 0))
            except TimeoutError:
                raise AssertionError(
                    f"what the test waits for did not come in {within} s"
                ) from None
            yield frame

    async def closed(self) -> int:
        return await asyncio.wait_for(asyncio.shield(self.close_code), 10)

    async def next_page(self) -> dict[str, Any]:
        """``{page, url, title, …}`` of the next page shown (snapshot or diff)."""
        async for kind, body in self.frames():
            if kind == Msg.SNAPSHOT:
                return body
            if kind == Msg.MUTATIONS and "navigate" in body:
                navigate: dict[str, Any] = body["navigate"]
                return navigate
        raise AssertionError("unreachable")


async def lines(
    a: TestServer, b: TestServer, aiohttp_client: ClientFactory
) -> tuple[Any, str, Line, Line]:
    """The advisor on node A, the citizen on node B: (advisor client, session id, their lines)."""
    adv, session, adv_ws, _cit, cit_ws = await advisor_and_citizen(a, b, aiohttp_client)
    return adv, session["session"], Line(adv_ws), Line(cit_ws)


async def move_advisor(
    adv: Any, old: Line, b: TestServer, sid: str, aiohttp_client: ClientFactory
) -> Line:
    """The advisor's browser now reaches node B (which takes the session over)."""
    moved = await aiohttp_client(b, cookies={"cb_advisor": _cookie(adv, "cb_advisor")})
    line = Line(await connect(moved, f"/ws?session={sid}"))
    assert await old.closed() == 4002  # the old window on A steps back
    return line


async def field_values(node: TestServer, sid: str) -> dict[str, Any]:
    """The fields of the contact form in the node's server-side page, as its scripts see them."""
    renderer = node.app[NAVIGATOR].renderer
    assert renderer is not None
    page = renderer.browsers[sid][1].page
    assert page is not None
    values: dict[str, Any] = await page.evaluate(
        "() => Object.fromEntries(new FormData(document.querySelector('form.formular')))"
    )
    return values


async def test_the_answer_to_a_sent_form_is_kept_and_never_sent_again(
    two_nodes: Start, counted: Demo, aiohttp_client: ClientFactory
) -> None:
    a, b = await two_nodes()
    adv, sid, advisor, citizen = await lines(a, b, aiohttp_client)
    form_page = counted.url("/service/kontakt.html")
    await advisor.send(Msg.NAVIGATE, {"url": form_page})
    assert (await citizen.next_page())["url"] == form_page
    owner = a.app[STORE_KEY].sessions[sid]
    assert owner.page is not None
    form = next(node for node, info in owner.page.forms.items() if info.method == "post")
    sent = [["name", "Erika Mustermann"], ["email", "e@example.org"], ["thema", "rente"]]
    await advisor.send(Msg.SUBMIT, {"node": form, "fields": sent})
    answer = await citizen.next_page()
    assert answer["title"].startswith("Nachricht nicht versendet")
    assert owner.page_posted
    assert counted.count("POST", "/service/kontakt") == 1
    await a.app[CLUSTER].settled()

    moved = await move_advisor(adv, advisor, b, sid, aiohttp_client)
    advisor_sees: dict[str, Any] = {}
    async for kind, body in moved.frames():  # the advisor's replay: the page, then the notice
        if kind == Msg.SNAPSHOT:
            advisor_sees = body
        if kind == Msg.NOTICE and body["key"] == "handover_posted":
            break
    assert body["text"] == DE["notice_handover_posted"] and body["level"] == "warning"
    assert advisor_sees["title"].startswith("Nachricht nicht versendet")
    picture = Picture(advisor_sees)
    assert "Erika Mustermann" in picture.text()  # the answer, as the old owner showed it
    heir = b.app[STORE_KEY].sessions[sid]
    assert heir.hub.owned and heir.page_posted and heir.nav_task is None  # nothing reloads

    # the kept page's links work as on a restored html page: back to the form
    assert heir.page is not None
    link = next(node for node, url in heir.page.links.items() if url.endswith("kontakt.html"))
    await moved.send(Msg.CLICK, {"node": link})
    async for kind, body in citizen.frames():
        if kind == Msg.SNAPSHOT:
            picture = Picture(body)
        elif kind == Msg.LOADING:
            assert body["url"] in (form_page, None)  # never the form's answer again
        else:
            picture.apply(kind, body)
        if picture.url == form_page:
            break
    assert "Kontaktformular" in picture.text()
    # the form went to the site once; its answer was never asked for again
    assert counted.count("POST", "/service/kontakt") == 1
    assert counted.count("GET", "/service/kontakt") == 0
    await moved.send(Msg.END, {})


async def test_values_typed_into_a_rendered_page_are_typed_again_after_its_reload(
    two_nodes: Start, counted: Demo, aiohttp_client: ClientFactory
) -> None:
    a, b = await two_nodes()
    adv, sid, advisor, citizen = await lines(a, b, aiohttp_client)
    form_page = counted.url("/service/kontakt.html")
    await advisor.send(Msg.NAVIGATE, {"url": form_page})
    picture = Picture(await citizen.next_page())  # the first page goes out whole
    page_no = picture.page

    async def typed(dom_id: str, **state: Any) -> None:
        node = picture.element(dom_id)[0]
        await advisor.send(Msg.INPUT_SET, {"page": page_no, "node": node, **state})

    await typed("kontakt-name", value=TYPED["kontakt-name"])
    await typed("kontakt-nachricht", value=TYPED["kontakt-nachricht"])
    await typed("antwort-telefon", checked=True)
    await typed("kontakt-datenschutz", checked=True)
    await typed("kontakt-thema", selected=[0])  # Rente
    async for kind, body in citizen.frames():
        picture.apply(kind, body)
        if picture.chosen("kontakt-thema") == ["rente"]:
            break
    await a.app[CLUSTER].settled()

    moved = await move_advisor(adv, advisor, b, sid, aiohttp_client)
    reloaded = False
    async for kind, body in citizen.frames():
        picture.apply(kind, body)
        reloaded = reloaded or picture.page > page_no  # B loaded the page again
        name = picture.element("kontakt-name")[2].get("value")
        if reloaded and name == TYPED["kontakt-name"]:
            break
    # what every participant sees after the reload: what was typed before it
    assert picture.url == form_page
    assert picture.text(picture.element("kontakt-nachricht")) == TYPED["kontakt-nachricht"]
    assert "checked" in picture.element("antwort-telefon")[2]
    assert "checked" not in picture.element("antwort-mail")[2]
    assert "checked" in picture.element("kontakt-datenschutz")[2]
    assert picture.chosen("kontakt-thema") == ["rente"]
    # and what the new owner's page and its scripts see
    heir = b.app[STORE_KEY].sessions[sid]
    for _ in range(100):
        if heir.live is not None and (await field_values(b, sid)).get("datenschutz") == "ja":
            break
        await asyncio.sleep(0.05)
    assert await field_values(b, sid) == {
        "name": TYPED["kontakt-name"],
        "email": "",
        "thema": "rente",
        "antwort": "telefon",
        "nachricht": TYPED["kontakt-nachricht"],
        "datenschutz": "ja",
    }
    assert counted.count("POST", "/service/kontakt") == 0  # nothing was sent
    await moved.send(Msg.END, {})


async def test_a_link_the_kept_pages_script_added_works_on_the_new_owner(
    two_nodes: Start, counted: Demo, aiohttp_client: ClientFactory
) -> None:
    a, b = await two_nodes()
    adv, sid, advisor, citizen = await lines(a, b, aiohttp_client)
    await advisor.send(Msg.NAVIGATE, {"url": counted.url("/termin")})
    picture = Picture(await citizen.next_page())  # the first page goes out whole
    owner = a.app[STORE_KEY].sessions[sid]
    assert owner.page is not None
    form = next(iter(owner.page.forms))
    await advisor.send(Msg.SUBMIT, {"node": form, "fields": [["tag", "Montag"]]})
    async for kind, body in citizen.frames():  # the answer, then its script adds a link
        picture.apply(kind, body)
        if picture.title == "Termin gebucht" and "Termin ändern" in picture.text():
            break
    assert owner.page_posted
    await a.app[CLUSTER].settled()

    moved = await move_advisor(adv, advisor, b, sid, aiohttp_client)
    async for kind, body in moved.frames():
        if kind == Msg.NOTICE and body["key"] == "handover_posted":
            break
    heir = b.app[STORE_KEY].sessions[sid]
    assert heir.page is not None and heir.nav_task is None
    kept = Picture(
        {"page": heir.page_no, "url": heir.page.url, "title": "", "tree": heir.page.tree}
    )
    assert "Termin ändern" in kept.text()
    # the link is in the new owner's page record too: a click on it goes there
    links = [node for node, url in heir.page.links.items() if url.endswith("kontakt.html")]
    assert links, "the new owner does not know the link the page's script added"
    await moved.send(Msg.CLICK, {"node": links[0]})
    shown = await citizen.next_page()
    assert shown["title"] == "Termin gebucht"  # the new owner's snapshot: the same page
    assert (await citizen.next_page())["url"] == counted.url("/service/kontakt.html")
    assert counted.count("POST", "/termin") == 1
    await moved.send(Msg.END, {})
