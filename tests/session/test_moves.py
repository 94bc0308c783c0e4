"""The advisor's moves on the relay: widgets and form values change the relay's
copy of the page and go out as mutations; private fields never do; only the
advisor may move anything; same-site pages go out as diffs."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator
from typing import Any

import msgpack
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from cobrowse.app import make_app
from cobrowse.demo import make_demo_app
from cobrowse.demo.server import DemoSite
from cobrowse.errors import ProtocolError
from cobrowse.keys import STORE
from cobrowse.pipeline import LINK_TARGET, Page
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node
from cobrowse.pipeline.site_rules import MASK_ATTR
from cobrowse.protocol import (
    HistoryGo,
    Msg,
    PackedTree,
    encode,
    pack_tree,
    read_frame,
)
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession, Participant
from cobrowse.session.publish import HIGHLIGHT_ATTR, publish_page
from tests.relay_client import (
    ClientFactory,
    ServerFactory,
    advisor_client,
    citizen_client,
    connect,
    new_session,
    receive,
    relay_config,
)
from tests.session.helpers import handle

SITE = DemoSite()
DEMO = "http://demo.test"
ADVISOR = Participant("advisor", "advisor")
CITIZEN = Participant("c1", "citizen")

Sent = tuple[Msg, dict[str, Any], str | None]


class RecordingHub(SessionHub):
    """A hub without connections that remembers what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []

    def broadcast(self, msg: Msg, body: dict[str, Any], *, exclude: str | None = None) -> bytes:
        self.sent.append((msg, body, exclude))
        return super().broadcast(msg, body, exclude=exclude)

    def broadcast_latest(self, msg: Msg, body: dict[str, Any], *, exclude: str | None) -> None:
        self.sent.append((msg, body, exclude))
        super().broadcast_latest(msg, body, exclude=exclude)


def resource_url(url: str, kind: str) -> str | None:
    return f"/r/{kind}/{len(url)}" if url.startswith("http") else None


def demo_page(path: str) -> Page:
    page = SITE.pages[path]
    response = SITE.render(path, page.title, page.body, charset=page.charset)
    assert isinstance(response.body, bytes)
    return build_shared_page(response.body, "text/html", DEMO + path, resource_url)


def html_page(html: str, url: str = "https://example.org/a.html") -> Page:
    return build_shared_page(html.encode(), "text/html", url, resource_url)


def session_on(page: Page) -> tuple[CoSession, RecordingHub]:
    hub = RecordingHub()
    now = time.time()
    session = CoSession("s1", "berater", "123456", now + 600, now, hub=hub)
    session.participants = {"advisor": ADVISOR, "c1": CITIZEN}
    session.record_history(page.url, None)
    publish_page(session, page)
    hub.sent.clear()
    return session, hub


def node_by_dom_id(session: CoSession, dom_id: str) -> Node:
    assert session.page is not None
    node = TreeIndex.build(session.page.tree).by_dom_id(dom_id)
    assert node is not None, dom_id
    return node


def nodes(session: CoSession, tag: str) -> list[Node]:
    assert session.page is not None
    return [n for n in TreeIndex.build(session.page.tree).nodes.values() if n[1:2] == [tag]]


def menu_button(session: CoSession) -> Node:
    return next(b for b in nodes(session, "button") if b[2].get("aria-controls") == "hauptmenue")


def send(session: CoSession, kind: Msg, who: Participant = ADVISOR, **body: Any) -> None:
    handle(session, who, kind, {"page": session.page_no, **body})


def changes(hub: RecordingHub) -> dict[int, dict[str, str | None]]:
    """Attribute changes of the MUTATIONS sent, merged."""
    out: dict[int, dict[str, str | None]] = {}
    for msg, body, _ in hub.sent:
        if msg is Msg.MUTATIONS:
            for node_id, attrs in body.get("attributes", []):
                out.setdefault(node_id, {}).update(attrs)
    return out


# --- widgets ------------------------------------------------------------------


def test_details_summary_toggles_open_for_everyone() -> None:
    session, hub = session_on(demo_page("/themen/rente.html"))
    details = nodes(session, "details")[0]
    summary = next(c for c in details[3] if len(c) == 4 and c[1] == "summary")
    send(session, Msg.TOGGLE, node=summary[0])
    assert "open" in details[2]
    (msg, body, exclude), *_ = hub.sent
    assert msg is Msg.MUTATIONS and exclude is None  # the advisor's mirror waits for it too
    assert body == {"page": session.page_no, "attributes": [[details[0], {"open": ""}]]}
    send(session, Msg.TOGGLE, node=summary[0])
    assert "open" not in details[2]
    assert hub.sent[-1][1]["attributes"] == [[details[0], {"open": None}]]


def test_exclusive_details_group_closes_the_others() -> None:
    session, hub = session_on(
        html_page(
            '<details name="g" open id="a"><summary>A</summary>x</details>'
            '<details name="g" id="b"><summary>B</summary>y</details>'
        )
    )
    a, b = node_by_dom_id(session, "a"), node_by_dom_id(session, "b")
    send(session, Msg.TOGGLE, node=b[0])
    assert changes(hub) == {b[0]: {"open": ""}, a[0]: {"open": None}}


def test_accordion_shows_and_hides_its_panel() -> None:
    session, hub = session_on(demo_page("/themen/wohngeld.html"))
    button = node_by_dom_id(session, "wohngeld-akk-1-knopf")
    panel = node_by_dom_id(session, "wohngeld-akk-1")
    assert "hidden" in panel[2]
    send(session, Msg.TOGGLE, node=button[0])
    assert changes(hub) == {button[0]: {"aria-expanded": "true"}, panel[0]: {"hidden": None}}
    send(session, Msg.TOGGLE, node=button[0])
    assert button[2]["aria-expanded"] == "false" and panel[2]["hidden"] == ""


def test_burger_menu_toggles_aria_expanded_but_never_hides_the_menu() -> None:
    session, _ = session_on(demo_page("/"))
    button, menu = menu_button(session), node_by_dom_id(session, "hauptmenue")
    send(session, Msg.TOGGLE, node=button[0])
    send(session, Msg.TOGGLE, node=button[0])
    assert button[2]["aria-expanded"] == "false"
    assert "hidden" not in menu[2]  # its CSS shows it on wide screens


def test_tabs_select_one_panel() -> None:
    session, hub = session_on(demo_page("/themen/kindergeld.html"))
    tab = node_by_dom_id(session, "tab-elterngeld")
    send(session, Msg.TOGGLE, node=tab[0])
    first, chosen = node_by_dom_id(session, "tab-kindergeld"), tab
    assert chosen[2]["aria-selected"] == "true" and "tabindex" not in chosen[2]
    assert first[2]["aria-selected"] == "false" and first[2]["tabindex"] == "-1"
    assert "hidden" not in node_by_dom_id(session, "panel-elterngeld")[2]
    assert node_by_dom_id(session, "panel-kindergeld")[2]["hidden"] == ""
    assert len(hub.sent) == 1  # one batch for the whole change


def test_collapse_trigger_toggles_show_class() -> None:
    session, _ = session_on(
        html_page(
            '<button data-bs-toggle="collapse" data-bs-target="#more" aria-expanded="false">'
            'Mehr</button><div id="more" class="collapse">Text</div>'
        )
    )
    button, more = nodes(session, "button")[0], node_by_dom_id(session, "more")
    send(session, Msg.TOGGLE, node=button[0])
    assert more[2]["class"] == "collapse show" and button[2]["aria-expanded"] == "true"


def test_not_a_widget_and_unknown_nodes_change_nothing() -> None:
    session, hub = session_on(demo_page("/themen/wohngeld.html"))
    send(session, Msg.TOGGLE, node=nodes(session, "p")[0][0])
    send(session, Msg.TOGGLE, node=10**6)
    assert hub.sent == []


def test_late_joiners_get_the_toggled_state_with_the_page() -> None:
    session, hub = session_on(demo_page("/themen/wohngeld.html"))
    button = node_by_dom_id(session, "wohngeld-akk-1-knopf")
    send(session, Msg.TOGGLE, node=button[0])
    frames = [msgpack.unpackb(f) for f in hub.current_frames()]
    assert [f[0] for f in frames] == [Msg.SNAPSHOT, Msg.MUTATIONS]


# --- form values and masking -----------------------------------------------------


def test_typed_search_text_goes_to_everyone() -> None:
    session, hub = session_on(demo_page("/"))
    field = node_by_dom_id(session, "suche-q")
    send(session, Msg.INPUT_SET, node=field[0], value="Wohngeld")
    assert hub.sent == [
        (
            Msg.MUTATIONS,
            {"page": session.page_no, "attributes": [[field[0], {"value": "Wohngeld"}]]},
            None,
        )
    ]
    assert field[2]["value"] == "Wohngeld"  # the relay's copy: late joiners see it too


def test_a_very_long_typing_session_starts_a_new_snapshot_before_the_log_overflows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cobrowse.session.publish.LOG_LIMIT", 5)
    session, hub = session_on(demo_page("/"))
    field = node_by_dom_id(session, "suche-q")
    for n in range(1, 6):
        send(session, Msg.INPUT_SET, node=field[0], value="x" * n)
    assert [msg for msg, _, _ in hub.sent] == [Msg.MUTATIONS] * 4 + [Msg.SNAPSHOT, Msg.MUTATIONS]
    assert hub.snapshot_frame is not None
    snapshot = read_frame(hub.snapshot_frame)[2]  # as sent
    assert snapshot["page"] == session.page_no  # the same page, whole, as it is now
    assert TreeIndex.build(snapshot["tree"]).nodes[field[0]][2]["value"] == "xxxx"
    assert len(hub.log) == 1  # late joiners: this snapshot plus the one change after it
    assert hub.current_frames()[0] == hub.snapshot_frame


def test_password_and_masked_fields_are_refused() -> None:
    session, hub = session_on(
        html_page(
            '<form><input type="password" id="pw"><input name="pin" id="pin">'
            '<input autocomplete="cc-number" id="cc"><input id="ok" name="ort">'
            '<input type="PASSWORD " id="pw2"><input data-cb-masked id="own"></form>'
        )
    )
    for dom_id in ("pw", "pin", "cc", "pw2"):
        field = node_by_dom_id(session, dom_id)
        assert MASK_ATTR in field[2], dom_id
        send(session, Msg.INPUT_SET, node=field[0], value="geheim-123")
    assert hub.sent == []
    assert "geheim-123" not in str(session.page.tree if session.page else "")
    # a page may mark a field private itself (that only hides more; the
    # operator's mask rules use the same mark), never unmark one
    assert MASK_ATTR in node_by_dom_id(session, "own")[2]
    assert MASK_ATTR not in node_by_dom_id(session, "ok")[2]


def test_password_refused_even_without_the_mark() -> None:
    session, hub = session_on(html_page('<input type="password" id="pw">'))
    field = node_by_dom_id(session, "pw")
    del field[2][MASK_ATTR]  # as if the marking had been lost: the type alone refuses
    send(session, Msg.INPUT_SET, node=field[0], value="geheim")
    assert hub.sent == []


def test_checkboxes_radios_selects_and_textareas() -> None:
    session, hub = session_on(
        html_page(
            '<form><input type="checkbox" id="cb"><input type="radio" name="r" id="r1" checked>'
            '<input type="radio" name="r" id="r2"><select id="s"><option>a</option>'
            "<optgroup><option selected>b</option><option>c</option></optgroup></select>"
            '<textarea id="t"></textarea><textarea id="t2">alt</textarea>'
            '<input type="hidden" name="x" id="h" value="1"></form>'
        )
    )
    cb, r1, r2 = (node_by_dom_id(session, i) for i in ("cb", "r1", "r2"))
    send(session, Msg.INPUT_SET, node=cb[0], checked=True)
    send(session, Msg.INPUT_SET, node=r2[0], checked=True)
    assert "checked" in cb[2] and "checked" in r2[2] and "checked" not in r1[2]
    options = nodes(session, "option")
    send(session, Msg.INPUT_SET, node=node_by_dom_id(session, "s")[0], selected=[2])
    assert ["selected" in o[2] for o in options] == [False, False, True]
    send(session, Msg.INPUT_SET, node=node_by_dom_id(session, "t")[0], value="neu")
    send(session, Msg.INPUT_SET, node=node_by_dom_id(session, "t2")[0], value="anders")
    assert node_by_dom_id(session, "t")[3][0][1] == "neu"
    assert node_by_dom_id(session, "t2")[3] == [[node_by_dom_id(session, "t2")[3][0][0], "anders"]]
    sent = len(hub.sent)
    send(session, Msg.INPUT_SET, node=node_by_dom_id(session, "h")[0], value="2")
    assert len(hub.sent) == sent  # hidden fields take no typing


def test_values_are_capped() -> None:
    session, _ = session_on(demo_page("/"))
    field = node_by_dom_id(session, "suche-q")
    send(session, Msg.INPUT_SET, node=field[0], value="x" * 100_000)
    assert len(field[2]["value"]) == 4000


# --- positions: scroll, hover, pulse ---------------------------------------------


def test_scroll_hover_pulse_are_latest_wins_for_the_others() -> None:
    session, hub = session_on(demo_page("/"))
    node, seq = nodes(session, "h1")[0][0], hub.seq
    send(session, Msg.SCROLL_TO, node=node, offset=0.25, jump=True)
    send(session, Msg.HOVER_AT, node=node, focus=None, ring=False)
    send(session, Msg.PULSE_AT, node=node, x=1.5, y=-2)
    page = session.page_no
    assert hub.sent == [
        (Msg.SCROLL, {"page": page, "node": node, "offset": 0.25, "jump": True}, "advisor"),
        (Msg.HOVER, {"page": page, "node": node, "focus": None, "ring": False}, "advisor"),
        (Msg.PULSE, {"page": page, "node": node, "x": 1.0, "y": 0.0}, "advisor"),
    ]
    assert hub.seq == seq  # none of them is an ordered frame


def test_hover_with_a_node_or_focus_not_in_the_page_is_dropped() -> None:
    session, hub = session_on(demo_page("/"))
    node = nodes(session, "h1")[0][0]
    assert session.page is not None
    missing = max(TreeIndex.build(session.page.tree).nodes) + 1000
    send(session, Msg.HOVER_AT, node=node, focus=missing, ring=True)
    send(session, Msg.HOVER_AT, node=missing, focus=None, ring=False)
    assert hub.sent == []
    send(session, Msg.HOVER_AT, node=None, focus=node, ring=True)  # a known focus is relayed
    assert hub.sent == [
        (Msg.HOVER, {"page": session.page_no, "node": None, "focus": node, "ring": True}, "advisor")
    ]


@pytest.mark.parametrize("step", [True, 1.0, -1.0])
def test_history_step_is_an_integer_not_a_boolean_or_float(step: object) -> None:
    with pytest.raises(ProtocolError):
        HistoryGo.parse({"step": step})


def test_frames_for_an_old_page_are_dropped() -> None:
    session, hub = session_on(demo_page("/"))
    handle(session, ADVISOR, Msg.SCROLL_TO, {"page": session.page_no - 1, "node": 1, "offset": 0})
    assert hub.sent == []


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (Msg.SCROLL_TO, {"node": 1, "offset": float("nan")}),
        (Msg.SCROLL_TO, {"node": True, "offset": 0}),
        (Msg.SCROLL_TO, {"node": 1, "offset": 0, "jump": "ja"}),
        (Msg.HOVER_AT, {"node": "1"}),
        (Msg.PULSE_AT, {"node": -1, "x": 0, "y": 0}),
        (Msg.TOGGLE, {}),
        (Msg.INPUT_SET, {"node": "x"}),
        (Msg.HIGHLIGHT_SET, {"node": 2**40}),
    ],
)
def test_malformed_frames_are_protocol_errors(kind: Msg, body: dict[str, Any]) -> None:
    session, _ = session_on(demo_page("/"))
    with pytest.raises(ProtocolError):
        send(session, kind, **body)
    with pytest.raises(ProtocolError):
        handle(session, ADVISOR, kind, {**body, "page": "1"})


def test_bad_input_values_are_protocol_errors() -> None:
    session, _ = session_on(demo_page("/servicekonto/anmelden.html"))
    text = node_by_dom_id(session, "anmeldung-benutzer")
    box = node_by_dom_id(session, "anmeldung-merken")
    with pytest.raises(ProtocolError):
        send(session, Msg.INPUT_SET, node=text[0], value=["a"])
    with pytest.raises(ProtocolError):
        send(session, Msg.INPUT_SET, node=box[0], checked="ja")


@pytest.mark.parametrize("kind", sorted({Msg.SCROLL_TO, Msg.HOVER_AT, Msg.TOGGLE, Msg.INPUT_SET}))
def test_only_the_advisor_moves_things(kind: Msg) -> None:
    session, hub = session_on(demo_page("/"))
    if kind == Msg.HOVER_AT:  # never the citizen's
        with pytest.raises(ProtocolError):
            send(session, kind, CITIZEN, node=1, offset=0, value="x")
    else:  # the leader's too (LEAD); without the lead refused, the socket kept
        send(session, kind, CITIZEN, node=1, offset=0, value="x")
    assert hub.sent == []


def test_the_leading_citizen_scrolls_for_everyone_but_never_fills_a_masked_field() -> None:
    session, hub = session_on(demo_page("/servicekonto/anmelden.html"))
    session.lead = CITIZEN.id
    password = node_by_dom_id(session, "anmeldung-passwort")
    send(session, Msg.INPUT_SET, CITIZEN, node=password[0], value="geheim")
    assert hub.sent == [] and "value" not in password[2]
    send(session, Msg.SCROLL_TO, CITIZEN, node=password[0], offset=0.5)
    assert [(m, exclude) for m, _, exclude in hub.sent] == [(Msg.SCROLL, CITIZEN.id)]


# --- highlight -------------------------------------------------------------------


def test_highlight_moves_and_clears() -> None:
    session, hub = session_on(demo_page("/"))
    h1, p = nodes(session, "h1")[0], nodes(session, "p")[0]
    send(session, Msg.HIGHLIGHT_SET, node=h1[0])
    send(session, Msg.HIGHLIGHT_SET, node=p[0])
    assert HIGHLIGHT_ATTR not in h1[2] and HIGHLIGHT_ATTR in p[2]
    send(session, Msg.HIGHLIGHT_SET, node=None)
    assert HIGHLIGHT_ATTR not in p[2]
    assert changes(hub) == {h1[0]: {HIGHLIGHT_ATTR: None}, p[0]: {HIGHLIGHT_ATTR: None}}
    before = len(hub.sent)
    send(session, Msg.HIGHLIGHT_SET, node=nodes(session, "head")[0][0])
    assert len(hub.sent) == before


def test_a_page_cannot_fake_a_highlight() -> None:
    session, _ = session_on(html_page(f'<p id="x" {HIGHLIGHT_ATTR}>Hier!</p>'))
    assert HIGHLIGHT_ATTR not in node_by_dom_id(session, "x")[2]


# --- new pages -------------------------------------------------------------------


def test_same_site_navigation_sends_a_diff_and_remaps_links() -> None:
    session, hub = session_on(demo_page("/"))
    button = menu_button(session)
    send(session, Msg.TOGGLE, node=button[0])  # the relay's copy differs from a fresh page now
    old_no = session.page_no
    session.record_history(DEMO + "/themen/rente.html", None)
    publish_page(session, demo_page("/themen/rente.html"))
    msg, body, _ = hub.sent[-1]
    assert msg is Msg.MUTATIONS and body["page"] == old_no
    assert body["navigate"] == {
        "page": old_no + 1,
        "url": DEMO + "/themen/rente.html",
        "title": body["navigate"]["title"],
        "history": {"back": True, "forward": False},
    }
    assert [button[0], {"aria-expanded": "false"}] in body["attributes"]  # toggles undone
    assert session.page is not None
    index = TreeIndex.build(session.page.tree)
    for node_id in session.page.links:
        link = index.element(node_id)
        assert link is not None and link[1] == "a" and link[2]["href"] == LINK_TARGET


def test_other_sites_get_a_snapshot() -> None:
    session, hub = session_on(demo_page("/"))
    publish_page(session, html_page("<p>anders</p>"))
    assert hub.sent[-1][0] is Msg.SNAPSHOT
    assert hub.sent[-1][1]["tree"][0] == 1


def test_the_worker_encoded_tree_is_sent_only_with_the_ids_it_was_encoded_with() -> None:
    """A page published with its tree packed in the worker: a snapshot uses the
    packed bytes. A same-site page so different that the snapshot wins over
    the diff gets its own ids back, so the packed bytes still fit (not
    encoded again on the loop); a page sent as a diff keeps the diff's ids."""
    session, hub = session_on(demo_page("/"))
    other = html_page("<p>anders</p><p>zwei</p>")
    publish_page(session, other, pack_tree(other.tree))
    assert isinstance(hub.sent[-1][1]["tree"], PackedTree)
    assert hub.snapshot_frame is not None and session.page is not None
    assert read_frame(hub.snapshot_frame)[2]["tree"] == session.page.tree
    # same site, and a page so different that the snapshot wins over the diff
    links = "".join(f'<li><a href="/p{i}">Punkt {i}</a></li>' for i in range(200))
    long = html_page(links, "https://example.org/b")
    fresh = copy.deepcopy(long.tree)
    publish_page(session, long, pack_tree(fresh))
    msg, body, _ = hub.sent[-1]
    assert msg is Msg.SNAPSHOT and isinstance(body["tree"], PackedTree)
    sent = read_frame(hub.snapshot_frame)[2]["tree"]
    assert sent == session.page.tree == fresh  # ids 1…n, as the worker numbered them
    index = TreeIndex.build(session.page.tree)
    assert len(session.page.links) == 200
    for node_id, target in session.page.links.items():
        link = index.element(node_id)
        assert link is not None and target.endswith(link[2]["data-cobrowse-href"])
    # a small change on the same site goes as a diff, with the diff's ids
    near = html_page(links.replace("Punkt 7<", "Punkt sieben<"), "https://example.org/c")
    publish_page(session, near, pack_tree(near.tree))
    msg, body, _ = hub.sent[-1]
    assert msg is Msg.MUTATIONS and body["texts"] and not body["adds"]


def test_new_nodes_never_reuse_a_client_id() -> None:
    session, _ = session_on(html_page("<textarea id=t></textarea><p>a</p>", DEMO + "/a"))
    send(session, Msg.INPUT_SET, node=node_by_dom_id(session, "t")[0], value="neu")
    assert session.page is not None
    held = set(TreeIndex.build(session.page.tree).nodes)
    publish_page(session, html_page("<p>a</p><p>b</p><p>c</p>", DEMO + "/b"))
    now = set(TreeIndex.build(session.page.tree).nodes)
    assert not (now - held) & held
    assert min(now - held) > max(held)


def test_history_moves_and_truncates() -> None:
    session, _ = session_on(demo_page("/"))
    for url in ("b", "c"):
        session.record_history(url, None)
    assert session.history == [DEMO + "/", "b", "c"] and session.history_at == 2
    session.record_history("b", 1)  # back
    assert session.history_at == 1
    session.record_history("d", None)  # a new page drops what was ahead
    assert session.history == [DEMO + "/", "b", "d"] and session.history_at == 2
    assert HistoryGo.parse({"step": -1}).step == -1
    for bad in ({"step": 2}, {"step": True}, {}):
        with pytest.raises(ProtocolError):
            HistoryGo.parse(bad)


# --- over the WebSocket ------------------------------------------------------------


@pytest.fixture
async def demo(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(make_demo_app())


@pytest.fixture
async def relay(aiohttp_server: ServerFactory, demo: TestServer) -> AsyncIterator[TestServer]:
    config = relay_config(demo, confirm_join=False, join_policy="open")
    server = await aiohttp_server(make_app(config))
    yield server
    await server.close()


async def frames_until(ws: Any, kind: Msg, seconds: float = 10.0) -> list[tuple[int, Any]]:
    """Every frame up to and including the next one of ``kind``."""
    seen: list[tuple[int, Any]] = []
    while True:
        message = await ws.receive(timeout=seconds)
        assert message.type is WSMsgType.BINARY, message
        frame_kind, _, body = read_frame(message.data)
        seen.append((frame_kind, body))
        if frame_kind == kind:
            return seen


def page_no(frames: list[tuple[int, Any]]) -> int:
    for kind, body in reversed(frames):
        if kind == Msg.SNAPSHOT:
            return int(body["page"])
        if kind == Msg.MUTATIONS and "navigate" in body:
            return int(body["navigate"]["page"])
    raise AssertionError("no page in these frames")


def find(tree: Node, dom_id: str) -> Node:
    node = TreeIndex.build(tree).by_dom_id(dom_id)
    assert node is not None
    return node


async def test_the_citizen_sees_widgets_and_typing_but_never_a_password(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    cit_ws = await connect(cit)
    base = f"http://127.0.0.1:{demo.port}"

    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": base + "/themen/wohngeld.html"}))
    snapshot = await receive(cit_ws, Msg.SNAPSHOT, seconds=10)
    page, tree = snapshot["page"], snapshot["tree"]
    button = find(tree, "wohngeld-akk-1-knopf")
    panel = find(tree, "wohngeld-akk-1")
    await adv_ws.send_bytes(encode(Msg.TOGGLE, 0, {"page": page, "node": button[0]}))
    batch = await receive(cit_ws, Msg.MUTATIONS)
    assert [panel[0], {"hidden": None}] in batch["attributes"]
    search = find(tree, "suche-q")
    await adv_ws.send_bytes(
        encode(Msg.INPUT_SET, 0, {"page": page, "node": search[0], "value": "Wohngeld"})
    )
    batch = await receive(cit_ws, Msg.MUTATIONS)
    assert batch["attributes"] == [[search[0], {"value": "Wohngeld"}]]

    # the login page (a same-site diff): a tampered advisor client sends the password anyway
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": base + "/servicekonto/anmelden.html"}))
    seen = await frames_until(cit_ws, Msg.MUTATIONS)
    page = page_no(seen)
    await receive(adv_ws, Msg.MUTATIONS, seconds=10)
    assert adv_ws.closed is False
    full = msgpack.unpackb(session_snapshot(relay, session["session"]))
    password = find(full[2]["tree"], "anmeldung-passwort")
    assert MASK_ATTR in password[2]
    user = find(full[2]["tree"], "anmeldung-benutzer")
    for value in ("Geheim-Passwort-1", "Geheim-Passwort-2"):
        await adv_ws.send_bytes(
            encode(Msg.INPUT_SET, 0, {"page": page, "node": password[0], "value": value})
        )
    await adv_ws.send_bytes(
        encode(Msg.INPUT_SET, 0, {"page": page, "node": user[0], "value": "erika"})
    )
    after = await frames_until(cit_ws, Msg.MUTATIONS)
    assert after[-1][1]["attributes"] == [[user[0], {"value": "erika"}]]
    assert b"Geheim-Passwort" not in msgpack.packb(seen + after)


def session_snapshot(relay: TestServer, session_id: str) -> bytes:
    """The snapshot a late joiner would get now (current page, ids as the clients have them)."""
    store = relay.app[STORE]
    session = store.get(session_id)
    assert session is not None and session.page is not None
    data: bytes = msgpack.packb(
        [int(Msg.SNAPSHOT), 0, {"page": session.page_no, "tree": session.page.tree}]
    )
    return data


async def test_citizens_cannot_toggle_scroll_or_type(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": f"http://127.0.0.1:{demo.port}/"}))
    snapshot = await receive(adv_ws, Msg.SNAPSHOT, seconds=10)
    body = {"page": snapshot["page"], "node": 1, "offset": 0, "value": "x", "step": 0}
    # without the lead (LEAD), scrolling and typing are dropped and a widget is
    # refused with a notice; the socket stays open (the lead may just have gone)
    cit = await citizen_client(relay, aiohttp_client, session["code"])
    cit_ws = await connect(cit)
    for kind in (Msg.SCROLL_TO, Msg.INPUT_SET, Msg.TOGGLE):
        await cit_ws.send_bytes(encode(kind, 0, body))
    notice = await receive(cit_ws, Msg.NOTICE)
    assert notice["key"] == "lead_not_yours" and not cit_ws.closed
    # never the citizen's, lead or not: a closed socket
    for kind in (Msg.HIGHLIGHT_SET, Msg.HISTORY_GO):
        cit = await citizen_client(relay, aiohttp_client, session["code"])
        cit_ws = await connect(cit)
        await cit_ws.send_bytes(encode(kind, 0, body))
        closed = await cit_ws.receive(timeout=5)
        while closed.type is WSMsgType.BINARY:
            closed = await cit_ws.receive(timeout=5)
        assert closed.type is WSMsgType.CLOSE and closed.data == 4400, kind
    assert adv_ws.closed is False
    # the advisor's answer comes after anything the citizens' frames could have sent
    await adv_ws.send_bytes(encode(Msg.NEW_CODE, 0, {}))
    kinds = {kind for kind, _ in await frames_until(adv_ws, Msg.CODE)}
    assert Msg.PARTICIPANTS in kinds and not {Msg.SCROLL, Msg.MUTATIONS} & kinds


async def test_back_forward_and_reload(
    relay: TestServer, demo: TestServer, aiohttp_client: ClientFactory
) -> None:
    adv, csrf = await advisor_client(relay, aiohttp_client)
    session = await new_session(adv, csrf)
    adv_ws = await connect(adv, f"/ws?session={session['session']}")
    base = f"http://127.0.0.1:{demo.port}"
    for path in ("/", "/themen/rente.html"):
        await adv_ws.send_bytes(encode(Msg.NAVIGATE, 0, {"url": base + path}))
        seen = await frames_until(adv_ws, Msg.SNAPSHOT if path == "/" else Msg.MUTATIONS)
    assert seen[-1][1]["navigate"]["history"] == {"back": True, "forward": False}
    for step, url, history in [
        (-1, base + "/", {"back": False, "forward": True}),
        (1, base + "/themen/rente.html", {"back": True, "forward": False}),
        (0, base + "/themen/rente.html", {"back": True, "forward": False}),
        (1, None, None),  # nothing ahead: nothing happens
    ]:
        await adv_ws.send_bytes(encode(Msg.HISTORY_GO, 0, {"step": step}))
        if url is None:
            break
        frames = await frames_until(adv_ws, Msg.MUTATIONS)
        assert frames[-1][1]["navigate"]["url"] == url
        assert frames[-1][1]["navigate"]["history"] == history


def test_a_long_change_log_makes_the_next_page_a_snapshot() -> None:
    session, hub = session_on(demo_page("/"))
    for seq in range(1000):  # as if the advisor had typed a lot on this page
        hub.log.append((seq, b""))
    publish_page(session, demo_page("/themen/rente.html"))
    assert hub.sent[-1][0] is Msg.SNAPSHOT and len(hub.log) == 0


def test_reset_button_brings_back_the_values_the_page_came_with() -> None:
    # Fails on the old code: a reset button was no widget, the click did nothing.
    session, hub = session_on(
        html_page(
            '<form action="/s"><input id="q" name="q" value="Rente">'
            '<textarea id="t" name="t">alt</textarea>'
            '<input type="checkbox" id="c" name="c">'
            '<button type="reset" id="r">Zurücksetzen</button></form>'
        )
    )
    q, t, c, r = (node_by_dom_id(session, i) for i in ("q", "t", "c", "r"))
    send(session, Msg.INPUT_SET, node=q[0], value="Wohngeld")
    send(session, Msg.INPUT_SET, node=t[0], value="neu")
    send(session, Msg.INPUT_SET, node=c[0], checked=True)
    hub.sent.clear()
    send(session, Msg.TOGGLE, node=r[0])
    assert q[2]["value"] == "Rente" and "checked" not in c[2]
    assert t[3][0][1] == "alt"
    assert hub.sent  # and everyone is told
