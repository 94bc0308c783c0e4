"""The operator's widget rules (``[[rules.widgets]]``) toggled by the relay:
the advisor's TOGGLE on a marked trigger changes the relay's copy of the page
and goes to everyone as MUTATIONS."""

from __future__ import annotations

import time
from typing import Any

import msgpack
import pytest

from cobrowse.config import HostPattern, HostRule
from cobrowse.pipeline import rules_for
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node
from cobrowse.pipeline.site_rules import WIDGET_ATTR, WidgetRule
from cobrowse.protocol import Msg
from cobrowse.session.edits import PageEdit
from cobrowse.session.hub import SessionHub
from cobrowse.session.model import CoSession, Participant
from cobrowse.session.publish import publish_page
from tests.session.helpers import handle

URL = "https://www.example.de/start"
ADVISOR = Participant("advisor", "advisor")
CITIZEN = Participant("c1", "citizen")

PAGE = """<!DOCTYPE html><html><body>
<header><button class="nav-toggle" aria-expanded="false">Menü</button>
<nav id="main-nav" class="nav"><a href="/a">A</a></nav></header>
<section class="acc">
  <h3 class="acc-head" id="h1">Eins</h3> text <div class="acc-body" id="b1">1</div>
  <h3 class="acc-head" id="h2">Zwei</h3><div class="acc-body open" id="b2">2</div>
  <h3 class="acc-head" id="h3">Drei</h3><div class="acc-body" id="b3">3</div>
</section>
<ul><li class="item" id="li1"><span class="opener" id="op1">+</span> Punkt</li></ul>
<p class="chip" id="chip">Chip</p>
<div class="toc"><a class="toc-link" id="toc" href="#x">Inhalt</a></div>
<ol id="toc-list" hidden><li>x</li></ol>
<div class="tab-ish" id="last">end</div>
</body></html>"""


class RecordingHub(SessionHub):
    """A hub without connections that remembers what was broadcast."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[Msg, dict[str, Any]]] = []

    def broadcast(self, msg: Msg, body: dict[str, Any], *, exclude: str | None = None) -> bytes:
        self.sent.append((msg, body))
        return super().broadcast(msg, body, exclude=exclude)


def session_with(
    *widgets: WidgetRule, html: str = PAGE, disable: tuple[str, ...] = ()
) -> tuple[CoSession, RecordingHub]:
    host = HostPattern.parse("www.example.de")
    rules = rules_for((HostRule(host, widgets=widgets, disable_presets=disable),), URL)
    page = build_shared_page(html.encode(), "text/html", URL, lambda u, k: None, rules)
    hub = RecordingHub()
    now = time.time()
    session = CoSession("s1", "berater", "123456", now + 600, now, hub=hub)
    session.participants = {"advisor": ADVISOR, "c1": CITIZEN}
    session.record_history(URL, None)
    publish_page(session, page)
    hub.sent.clear()
    return session, hub


def node(session: CoSession, dom_id: str) -> Node:
    """The node with ``id=dom_id`` in the relay's current copy of the page."""
    assert session.page is not None
    found = TreeIndex.build(session.page.tree).by_dom_id(dom_id)
    assert found is not None, dom_id
    return found


def first(session: CoSession, css_class: str) -> Node:
    assert session.page is not None
    index = TreeIndex.build(session.page.tree)
    return next(
        n
        for n in index.nodes.values()
        if len(n) == 4 and css_class in str(n[2].get("class", "")).split()
    )


def click(session: CoSession, target: Node, who: Participant = ADVISOR) -> None:
    handle(session, who, Msg.TOGGLE, {"page": session.page_no, "node": target[0]})


def classes(session: CoSession, dom_id: str) -> list[str]:
    return str(node(session, dom_id)[2].get("class", "")).split()


def changed(hub: RecordingHub) -> dict[int, dict[str, str | None]]:
    out: dict[int, dict[str, str | None]] = {}
    for msg, body in hub.sent:
        assert msg is Msg.MUTATIONS
        for node_id, attrs in body.get("attributes", []):
            out.setdefault(node_id, {}).update(attrs)
    return out


BURGER = WidgetRule(".nav-toggle", "#main-nav", toggle_class="is-open", trigger_class="active")


def test_burger_button_toggles_a_class_on_a_page_target_for_everyone() -> None:
    session, hub = session_with(BURGER)
    button, nav = first(session, "nav-toggle"), node(session, "main-nav")
    click(session, button)
    assert changed(hub) == {
        nav[0]: {"class": "nav is-open"},
        button[0]: {"class": "nav-toggle active", "aria-expanded": "true"},
    }
    assert [body["page"] for _, body in hub.sent] == [session.page_no]
    hub.sent.clear()
    click(session, button)  # and closed again
    assert changed(hub) == {
        nav[0]: {"class": "nav"},
        button[0]: {"class": "nav-toggle", "aria-expanded": "false"},
    }


def test_late_joiners_get_the_opened_menu_with_the_page() -> None:
    session, hub = session_with(BURGER)
    click(session, first(session, "nav-toggle"))
    assert "is-open" in classes(session, "main-nav")  # in the relay's copy
    frames = [msgpack.unpackb(f) for f in hub.current_frames()]
    assert [f[0] for f in frames] == [Msg.SNAPSHOT, Msg.MUTATIONS]


def test_accordion_group_with_next_sibling_opens_one_at_a_time() -> None:
    session, _ = session_with(
        WidgetRule(".acc-head", "next", toggle_class="open", trigger_class="active", group=True)
    )
    click(session, node(session, "h1"))  # the text between h1 and b1 is skipped
    assert "open" in classes(session, "b1") and "open" not in classes(session, "b2")
    assert "active" in classes(session, "h1")
    click(session, node(session, "h3"))
    assert [("open" in classes(session, f"b{i}")) for i in (1, 2, 3)] == [False, False, True]
    assert "active" not in classes(session, "h1") and "active" in classes(session, "h3")
    click(session, node(session, "h3"))  # closing one opens nothing else
    assert [("open" in classes(session, f"b{i}")) for i in (1, 2, 3)] == [False, False, False]


def test_without_group_the_others_stay_as_they_are() -> None:
    session, _ = session_with(WidgetRule(".acc-head", "next", toggle_class="open"))
    click(session, node(session, "h1"))
    assert "open" in classes(session, "b1") and "open" in classes(session, "b2")


def test_parent_and_self_targets_and_boolean_attributes() -> None:
    session, _ = session_with(
        WidgetRule(".opener", "parent", toggle_class="expanded", toggle_attribute="aria-expanded"),
        WidgetRule(".chip", "self", toggle_attribute="aria-selected"),
    )
    click(session, node(session, "op1"))
    assert node(session, "li1")[2]["aria-expanded"] == "true"
    assert "expanded" in classes(session, "li1")
    click(session, node(session, "chip"))
    assert node(session, "chip")[2]["aria-selected"] == "true"
    click(session, node(session, "chip"))
    assert node(session, "chip")[2]["aria-selected"] == "false"


def test_hidden_is_removed_to_open_and_set_to_close() -> None:
    session, _ = session_with(WidgetRule(".toc-link", "#toc-list", toggle_attribute="hidden"))
    click(session, node(session, "toc"))
    assert "hidden" not in node(session, "toc-list")[2]
    click(session, node(session, "toc"))
    assert node(session, "toc-list")[2]["hidden"] == ""


def test_next_without_a_next_element_changes_nothing() -> None:
    session, hub = session_with(WidgetRule(".tab-ish", "next", toggle_class="open"))
    click(session, node(session, "last"))
    assert hub.sent == []


def test_only_the_advisor_toggles_and_only_on_the_current_page() -> None:
    session, hub = session_with(BURGER)
    button = first(session, "nav-toggle")
    click(session, button, who=CITIZEN)  # a citizen without the lead: refused (a notice)
    assert "is-open" not in classes(session, "main-nav")
    assert hub.sent == []  # nothing broadcast
    handle(session, ADVISOR, Msg.TOGGLE, {"page": session.page_no - 1, "node": button[0]})
    assert hub.sent == []
    assert "is-open" not in classes(session, "main-nav")
    session.lead = CITIZEN.id  # handed the lead (LEAD): the citizen's toggle opens it
    click(session, button, who=CITIZEN)
    assert "is-open" in classes(session, "main-nav")


@pytest.mark.parametrize(
    "mark",
    [
        "not json",
        "[1]",
        '{"rule":0,"target":"","class":"x\\" onclick=\\"y","attribute":"","trigger_class":"",'
        '"group":false}',
        '{"rule":0,"target":"self","class":"","attribute":"style","trigger_class":"","group":false}',
        '{"rule":0,"target":"self","class":"","attribute":"src","trigger_class":"","group":false}',
        '{"rule":0,"target":"up","class":"x","attribute":"","trigger_class":"","group":false}',
        '{"rule":0,"target":"self","class":"cb-hover","attribute":"","trigger_class":"",'
        '"group":false}',
    ],
)
def test_a_bad_mark_toggles_nothing(mark: str) -> None:
    """Defence in depth: only the pipeline sets marks, and they are checked again."""
    session, _ = session_with()
    assert session.page is not None
    index = TreeIndex.build(session.page.tree)
    target = node(session, "chip")
    target[2][WIDGET_ATTR] = mark
    edit = PageEdit(index, {})
    assert edit.toggle(target) is False
    assert edit.batch(session.page_no) is None


def test_an_unmarked_element_is_no_rule_widget() -> None:
    session, hub = session_with(BURGER)
    click(session, node(session, "chip"))
    click(session, node(session, "main-nav"))  # a target is not a trigger
    assert hub.sent == []


# --- built-in presets: common widgets without a rule -------------------------------

BOOTSTRAP5 = """<!DOCTYPE html><html><body>
<nav class="navbar"><button class="navbar-toggler collapsed" type="button"
  data-bs-toggle="collapse" data-bs-target="#nav" aria-controls="nav" aria-expanded="false">
  Menü</button><div class="collapse navbar-collapse" id="nav"><a href="/a">A</a></div></nav>
<div class="accordion" id="acc">
  <h2><button class="accordion-button" id="t1" data-bs-toggle="collapse" data-bs-target="#c1"
    aria-expanded="true" aria-controls="c1">Eins</button></h2>
  <div id="c1" class="accordion-collapse collapse show" data-bs-parent="#acc">1</div>
  <h2><button class="accordion-button collapsed" id="t2" data-bs-toggle="collapse"
    data-bs-target="#c2" aria-expanded="false" aria-controls="c2">Zwei</button></h2>
  <div id="c2" class="accordion-collapse collapse" data-bs-parent="#acc">2</div>
</div>
<ul class="nav nav-tabs" role="tablist">
  <li class="nav-item"><button class="nav-link active" id="tab-a" data-bs-toggle="tab"
    data-bs-target="#pane-a" role="tab" aria-controls="pane-a" aria-selected="true">A</button></li>
  <li class="nav-item"><button class="nav-link" id="tab-b" data-bs-toggle="tab"
    data-bs-target="#pane-b" role="tab" aria-controls="pane-b" aria-selected="false">B</button></li>
</ul>
<div class="tab-content"><div class="tab-pane fade show active" id="pane-a">a</div>
<div class="tab-pane fade" id="pane-b">b</div></div>
<div class="dropdown"><button class="btn dropdown-toggle" id="dd" data-bs-toggle="dropdown"
  aria-expanded="false">Mehr</button><ul class="dropdown-menu" id="dd-menu"><li>x</li></ul></div>
<div class="modal show" id="modal" role="dialog"><div class="modal-dialog">
  <button type="button" class="btn-close" id="close" data-bs-dismiss="modal">x</button></div></div>
</body></html>"""

BOOTSTRAP3 = """<!DOCTYPE html><html><body>
<div class="panel-group" id="accordion">
  <a id="p1" data-toggle="collapse" data-parent="#accordion" href="#one">Eins</a>
  <div id="one" class="panel-collapse collapse in">1</div>
  <a id="p2" class="collapsed" data-toggle="collapse" data-parent="#accordion" href="#two">Zwei</a>
  <div id="two" class="panel-collapse collapse">2</div>
</div>
<ul class="nav nav-tabs"><li class="active"><a id="t1" href="#home" data-toggle="tab">H</a></li>
<li><a id="t2" href="#more" data-toggle="tab">M</a></li></ul>
<div class="tab-content"><div class="tab-pane fade in active" id="home">h</div>
<div class="tab-pane fade" id="more">m</div></div>
<li class="dropdown" id="dd-parent"><a id="dd" class="dropdown-toggle" data-toggle="dropdown"
  href="#">Mehr</a><ul class="dropdown-menu"><li>x</li></ul></li>
</body></html>"""


def test_bootstrap5_collapse_opens_without_a_rule_and_the_trigger_loses_collapsed() -> None:
    # Fails on the old code: the trigger also has aria-controls, so it was
    # taken for a disclosure whose panel, without `hidden`, never changed.
    session, hub = session_with(html=BOOTSTRAP5)
    toggler, nav = first(session, "navbar-toggler"), node(session, "nav")
    click(session, toggler)
    assert classes(session, "nav") == ["collapse", "navbar-collapse", "show"]
    assert changed(hub)[toggler[0]] == {"class": "navbar-toggler", "aria-expanded": "true"}
    assert "hidden" not in nav[2]
    click(session, toggler)
    assert "show" not in classes(session, "nav")
    assert "collapsed" in str(toggler[2]["class"]).split()
    assert toggler[2]["aria-expanded"] == "false"


def test_bootstrap_accordion_with_data_bs_parent_shows_one_section_at_a_time() -> None:
    session, _ = session_with(html=BOOTSTRAP5)
    click(session, node(session, "t2"))
    assert "show" in classes(session, "c2") and "show" not in classes(session, "c1")
    assert "collapsed" in classes(session, "t1") and "collapsed" not in classes(session, "t2")
    assert node(session, "t1")[2]["aria-expanded"] == "false"
    # The navbar's collapse is in no group: opening it leaves the accordion alone.
    click(session, first(session, "navbar-toggler"))
    assert "show" in classes(session, "c2")


def test_bootstrap3_accordion_groups_by_the_triggers_data_parent_and_uses_in() -> None:
    session, _ = session_with(html=BOOTSTRAP3)
    click(session, node(session, "p2"))
    assert classes(session, "two") == ["panel-collapse", "collapse", "show", "in"]
    assert classes(session, "one") == ["panel-collapse", "collapse"]
    assert "collapsed" in classes(session, "p1")


def test_bootstrap_tabs_move_active_to_the_chosen_tab_and_pane() -> None:
    session, _ = session_with(html=BOOTSTRAP5)
    click(session, node(session, "tab-b"))
    assert "active" in classes(session, "tab-b") and "active" not in classes(session, "tab-a")
    assert node(session, "tab-b")[2]["aria-selected"] == "true"
    assert classes(session, "pane-b") == ["tab-pane", "fade", "active", "show"]
    assert classes(session, "pane-a") == ["tab-pane", "fade"]
    session3, _ = session_with(html=BOOTSTRAP3)
    click(session3, node(session3, "t2"))
    assert "active" in classes(session3, "more") and "in" in classes(session3, "more")
    assert "active" not in classes(session3, "home")
    index = TreeIndex.build(session3.page.tree if session3.page else [])
    t2_li = index.nodes[index.parents[node(session3, "t2")[0]]]
    assert "active" in str(t2_li[2].get("class", "")).split()


def test_bootstrap_dropdown_opens_its_menu_and_closes_again() -> None:
    session, _ = session_with(html=BOOTSTRAP5)
    click(session, node(session, "dd"))
    assert (
        "show" in classes(session, "dd-menu") and node(session, "dd")[2]["aria-expanded"] == "true"
    )
    click(session, node(session, "dd"))
    assert "show" not in classes(session, "dd-menu")
    session3, _ = session_with(html=BOOTSTRAP3)
    click(session3, node(session3, "dd"))
    assert "open" in classes(session3, "dd-parent")


def test_close_button_hides_its_modal() -> None:
    session, _ = session_with(html=BOOTSTRAP5)
    click(session, node(session, "close"))
    modal = node(session, "modal")
    assert "hidden" in modal[2] and "show" not in classes(session, "modal")


def test_dialog_close_button_of_a_native_dialog() -> None:
    html = '<dialog open id="d"><form method="dialog"><button id="x">OK</button></form></dialog>'
    session, _ = session_with(html=html)
    click(session, node(session, "x"))
    assert "open" not in node(session, "d")[2]


def test_burger_that_names_its_menu_by_href_or_data_target() -> None:
    html = (
        '<a class="burger" id="b1" href="#menu">Menü</a><nav id="menu" hidden>m</nav>'
        '<a class="navbar-burger" id="b2" data-target="navMenu">x</a>'
        '<div class="navbar-menu" id="navMenu">n</div>'
    )
    session, _ = session_with(html=html)
    click(session, node(session, "b1"))
    assert "hidden" not in node(session, "menu")[2] and "is-open" in classes(session, "menu")
    click(session, node(session, "b2"))  # Bulma: data-target without "#"
    assert "is-active" in classes(session, "navMenu") and "is-active" in classes(session, "b2")


def test_a_disabled_preset_leaves_its_widgets_alone() -> None:
    session, hub = session_with(html=BOOTSTRAP5, disable=("bootstrap-collapse", "aria-disclosure"))
    toggler = first(session, "navbar-toggler")
    assert WIDGET_ATTR not in toggler[2]
    click(session, toggler)
    assert hub.sent == []
    session, hub = session_with(html=BOOTSTRAP5, disable=("all",))
    click(session, node(session, "tab-b"))
    assert hub.sent == []


def test_an_operator_rule_for_the_same_trigger_overrides_the_preset() -> None:
    own = WidgetRule(".navbar-toggler", "#nav", toggle_class="offen")
    session, _ = session_with(own, html=BOOTSTRAP5)
    click(session, first(session, "navbar-toggler"))
    assert classes(session, "nav") == ["collapse", "navbar-collapse", "offen"]


def test_a_page_cannot_mark_its_own_element_as_a_preset_trigger() -> None:
    mark = (
        '{"rule":0,"target":"named","class":"","attribute":"","trigger_class":"",'
        '"group":false,"behaviour":"dismiss"}'
    )
    html = f"<div class='modal' id='m'><div id='x' data-cb-widget='{mark}'>x</div></div>"
    session, hub = session_with(html=html)
    assert WIDGET_ATTR not in node(session, "x")[2]
    click(session, node(session, "x"))
    assert hub.sent == [] and "hidden" not in node(session, "m")[2]


def test_aria_menu_button_opens_its_menu_but_a_haspopup_link_still_navigates() -> None:
    html = (
        '<button id="mb" aria-haspopup="true" aria-controls="m">Aktionen</button>'
        '<ul id="m" role="menu" hidden><li role="menuitem">Drucken</li></ul>'
        '<a id="link" href="/themen/" aria-haspopup="true" aria-controls="m">Themen</a>'
    )
    session, _ = session_with(html=html)
    click(session, node(session, "mb"))
    assert "hidden" not in node(session, "m")[2]
    assert node(session, "mb")[2]["aria-expanded"] == "true"
    assert WIDGET_ATTR not in node(session, "link")[2]
