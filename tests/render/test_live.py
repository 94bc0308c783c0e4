"""Live rendered pages through the navigator: script changes become MUTATIONS,
the advisor's clicks and typing reach the page's scripts (real Chromium)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgpack
import pytest

from cobrowse.pipeline.diff import Node, TreeIndex
from cobrowse.protocol import Msg
from cobrowse.render import Renderer
from cobrowse.resources import ResourceSigner
from cobrowse.session.model import CoSession, Participant, Role
from cobrowse.session.navigation import Navigator
from tests.render.conftest import SECRET, RecordingHub, Site, new_session, renderer_for
from tests.session.helpers import handle

ADVISOR = Participant("advisor", Role.ADVISOR)

PAGE = """<!DOCTYPE html><html><head><title>Live</title></head><body>
<h1>Live</h1>
<ul id="liste"></ul>
<button type="button" class="oeffner">Mehr</button>
<div id="ziel" class="zu">Verborgenes</div>
<input type="text" name="ort" id="ort"><p id="gruss"></p>
<input type="text" name="pin" id="pin"><p id="pin-echo">leer</p>
<button type="button" aria-expanded="false" aria-controls="panel" id="aria">Panel</button>
<div id="panel" hidden>Panelinhalt</div>
<script>
// what a page does later (a poll, a timer): the test says when
window.later = () => setTimeout(() => {
  const li = document.createElement("li"); li.textContent = "Später geladen";
  document.getElementById("liste").appendChild(li);
}, 50);
document.querySelector(".oeffner").addEventListener("click", () => {
  document.getElementById("ziel").classList.toggle("offen");
});
document.getElementById("ort").addEventListener("input", (e) => {
  document.getElementById("gruss").textContent = "Hallo " + e.target.value;
});
document.getElementById("pin").value = "9876";  // a site filling a private field
document.getElementById("pin").addEventListener("input", (e) => {
  document.getElementById("pin-echo").textContent = "bekommen " + e.target.value;
});
document.getElementById("aria").addEventListener("click", (e) => {
  const open = e.target.getAttribute("aria-expanded") === "true";
  e.target.setAttribute("aria-expanded", String(!open));
  document.getElementById("panel").hidden = open;
});
</script></body></html>"""


@pytest.fixture
async def live(site: Site) -> AsyncIterator[tuple[CoSession, RecordingHub, Renderer]]:
    site.pages["/live"] = PAGE
    config = site.config()
    renderer, fetcher = renderer_for(config)
    navigator = Navigator(
        fetcher, ResourceSigner(SECRET), rules=config.rules, secret=SECRET, renderer=renderer
    )
    session = new_session()
    session.participants = {"advisor": ADVISOR}
    navigator.navigate(session, site.url("/live"))
    assert session.nav_task is not None
    await session.nav_task
    assert isinstance(session.hub, RecordingHub)
    yield session, session.hub, renderer
    session.ended = True
    await renderer.close()
    await fetcher.close()


async def until(check: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


def element(session: CoSession, dom_id: str) -> Node:
    assert session.page is not None
    node = TreeIndex.build(session.page.tree).by_dom_id(dom_id)
    assert node is not None
    return node


def text_of(node: Node) -> str:
    return "".join(c[1] if len(c) == 2 else text_of(c) for c in node[3])


def send(session: CoSession, kind: Msg, **body: Any) -> None:
    handle(session, ADVISOR, kind, {"page": session.page_no, **body})


async def test_script_changes_after_the_page_settled_reach_everyone(
    live: tuple[CoSession, RecordingHub, Renderer],
) -> None:
    session, hub, renderer = live
    assert hub.kinds()[-1] is Msg.SNAPSHOT  # the page, as it settled
    assert text_of(element(session, "liste")) == ""
    server_page = renderer.browsers[session.id][1].page
    assert server_page is not None
    await server_page.evaluate("later()")
    await until(lambda: "Später geladen" in text_of(element(session, "liste")), "no live update")
    batches = [body for msg, body in hub.sent if msg is Msg.MUTATIONS]
    assert batches and all(b["page"] == session.page_no for b in batches)
    assert "Später geladen" in str(batches)
    # the relay-private keys never leave the relay
    frames = msgpack.packb([body for _, body in hub.sent])
    assert b"data-cobrowse-key" not in frames


async def test_the_advisors_click_reaches_the_pages_own_script(
    live: tuple[CoSession, RecordingHub, Renderer],
) -> None:
    session, _, _ = live
    target = element(session, "ziel")
    assert "offen" not in target[2]["class"]
    assert session.page is not None
    nodes = TreeIndex.build(session.page.tree).nodes.values()
    button = next(n for n in nodes if len(n) == 4 and n[2].get("class") == "oeffner")
    send(session, Msg.PULSE_AT, node=button[0], x=0.5, y=0.5)
    await until(lambda: "offen" in element(session, "ziel")[2]["class"], "click not replayed")


async def test_typing_reaches_the_page_but_never_a_private_field(
    live: tuple[CoSession, RecordingHub, Renderer],
) -> None:
    session, _, _ = live
    send(session, Msg.INPUT_SET, node=element(session, "pin")[0], value="1234")
    send(session, Msg.INPUT_SET, node=element(session, "ort")[0], value="Demostadt")
    await until(lambda: text_of(element(session, "gruss")) == "Hallo Demostadt", "no typing")
    assert element(session, "ort")[2]["value"] == "Demostadt"
    assert text_of(element(session, "pin-echo")) == "leer"  # masked: never typed there
    assert "value" not in element(session, "pin")[2]  # nor its value sent anywhere


async def test_a_scripted_aria_widget_toggles_once_per_click(
    live: tuple[CoSession, RecordingHub, Renderer],
) -> None:
    session, _, _ = live
    button = element(session, "aria")
    # the advisor's client sends both for a click on a widget: the relay must
    # not toggle its copy as well as the page's script (that would undo it)
    send(session, Msg.TOGGLE, node=button[0])
    send(session, Msg.PULSE_AT, node=button[0], x=0.5, y=0.5)
    await until(lambda: "hidden" not in element(session, "panel")[2], "panel did not open")
    await asyncio.sleep(0.5)  # a second toggle would arrive by now
    assert "hidden" not in element(session, "panel")[2]
    assert element(session, "aria")[2]["aria-expanded"] == "true"


async def test_a_file_on_a_rendered_host_is_offered_as_a_download(site: Site) -> None:
    from aiohttp import web

    site.pages["/merkblatt.pdf"] = lambda request: web.Response(
        body=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
    )
    config = site.config()
    renderer, fetcher = renderer_for(config)
    navigator = Navigator(
        fetcher, ResourceSigner(SECRET), rules=config.rules, secret=SECRET, renderer=renderer
    )
    session = new_session()
    try:
        navigator.navigate(session, site.url("/merkblatt.pdf"))
        assert session.nav_task is not None
        await session.nav_task
    finally:
        await renderer.close()
        await fetcher.close()
    assert isinstance(session.hub, RecordingHub)
    notices = [body for msg, body in session.hub.sent if msg is Msg.NOTICE]
    assert [n["key"] for n in notices] == ["download"]
    assert notices[0]["link"].startswith("/r/") and session.page is None
