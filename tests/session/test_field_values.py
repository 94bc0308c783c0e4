"""Field values carried from a page to the same page loaded again
(cobrowse.session.field_values): matched by form and name, or by element path
without a name; only what differs is typed, and nothing where nothing matches."""

from __future__ import annotations

from cobrowse.pipeline.page import Node, Page
from cobrowse.protocol import Msg
from cobrowse.session.field_values import FieldValues, type_again, typed_again, typed_values
from cobrowse.session.model import CoSession
from tests.session.test_moves import html_page, node_by_dom_id, send, session_on

URL = "https://example.org/termin.html"
FORM = """<!DOCTYPE html><html><head><title>Termin</title></head><body>
<h1>Termin</h1>{before}
<form id="termin" action="/buchen" method="get">
  <input id="name" name="name">
  <textarea id="anliegen" name="anliegen"></textarea>
  <select id="amt" name="amt">{options}</select>
  <input id="vormittag" type="radio" name="zeit" value="vormittag" checked>
  <input id="nachmittag" type="radio" name="zeit" value="nachmittag">
  <input id="erinnerung" type="checkbox" name="erinnerung" value="ja">
  <input id="pin" type="password" name="pin">
  <input type="hidden" name="token" value="t1">
</form>
<form action="/suche" method="get"><input id="suche" name="q"></form>
<p><input id="ohne-name" type="text"></p>
</body></html>"""
OPTIONS = (
    '<option value="buergeramt">Bürgeramt</option>'
    '<option value="kfz" selected>Kfz-Zulassung</option>'
    '<option value="standesamt">Standesamt</option>'
)


def page(before: str = "", options: str = OPTIONS, url: str = URL) -> Page:
    return html_page(FORM.format(before=before, options=options), url)


def typed_into(page: Page) -> CoSession:
    """The advisor typed into every kind of field of ``page``."""
    session, _ = session_on(page)

    def node(dom_id: str) -> int:
        return int(node_by_dom_id(session, dom_id)[0])

    send(session, Msg.INPUT_SET, node=node("name"), value="Erika Mustermann")
    send(session, Msg.INPUT_SET, node=node("anliegen"), value="Umzug\nmit Kindern")
    send(session, Msg.INPUT_SET, node=node("amt"), selected=[2])  # Standesamt
    send(session, Msg.INPUT_SET, node=node("nachmittag"), checked=True)
    send(session, Msg.INPUT_SET, node=node("erinnerung"), checked=True)
    send(session, Msg.INPUT_SET, node=node("suche"), value="Reisepass")
    send(session, Msg.INPUT_SET, node=node("ohne-name"), value="frei")
    return session


def state(session: CoSession, dom_id: str) -> Node:
    return node_by_dom_id(session, dom_id)


def text(node: Node) -> str:
    return "".join(c[1] for c in node[3] if len(c) == 2)


def chosen(session: CoSession, dom_id: str) -> list[str]:
    return [o[2]["value"] for o in state(session, dom_id)[3] if "selected" in o[2]]


def reloaded(values: FieldValues, again: Page) -> tuple[CoSession, list[Msg]]:
    """``again`` published, then ``values`` typed into it; the kinds of frames sent."""
    session, hub = session_on(again)
    assert session.page is not None
    sent = len(hub.sent)
    type_again(session, typed_again(values, session.page, session.page_no))
    return session, [msg for msg, _, _ in hub.sent[sent:]]


def test_every_kind_of_field_gets_its_value_back_in_one_batch() -> None:
    before = typed_into(page())
    assert before.page is not None
    session, frames = reloaded(typed_values(before.page), page())
    assert frames == [Msg.MUTATIONS]
    assert state(session, "name")[2]["value"] == "Erika Mustermann"
    assert text(state(session, "anliegen")) == "Umzug\nmit Kindern"
    assert chosen(session, "amt") == ["standesamt"]
    assert "checked" in state(session, "nachmittag")[2]
    assert "checked" not in state(session, "vormittag")[2]
    assert "checked" in state(session, "erinnerung")[2]
    assert state(session, "suche")[2]["value"] == "Reisepass"  # the other form's field
    assert state(session, "ohne-name")[2]["value"] == "frei"  # by its place
    assert session.page is not None
    assert typed_values(session.page) == typed_values(before.page)


def test_fields_match_by_form_and_name_where_the_page_moved_around_them() -> None:
    before = typed_into(page())
    assert before.page is not None
    reordered = (
        '<option value="standesamt">Standesamt</option>'
        '<option value="buergeramt">Bürgeramt</option>'
        '<option value="kfz" selected>Kfz-Zulassung</option>'
    )
    moved = page(before="<p>Neu: Termine auch samstags.</p>", options=reordered)
    session, _ = reloaded(typed_values(before.page), moved)
    assert state(session, "name")[2]["value"] == "Erika Mustermann"
    assert chosen(session, "amt") == ["standesamt"]  # the same option, now first
    assert "checked" in state(session, "nachmittag")[2]
    # the field without a name is elsewhere now: it is left alone
    assert "value" not in state(session, "ohne-name")[2]


def test_nothing_is_typed_where_nothing_matches_or_nothing_differs() -> None:
    before = typed_into(page())
    assert before.page is not None
    values = typed_values(before.page)
    other = html_page("<html><body><form><input name='plz'></form></body></html>", URL)
    assert typed_again(values, other, 2) == []  # the page changed: no field matches
    elsewhere = page(url="https://example.org/anmelden.html")
    assert typed_again(values, elsewhere, 2) == []  # the reload led elsewhere
    assert typed_again(values, before.page, before.page_no) == []  # all as they were
    _, frames = reloaded(typed_values(page()), page())
    assert frames == []  # nothing typed before: nothing sent


def test_private_fields_are_never_taken() -> None:
    masked = FORM.replace(
        '<input id="name" name="name">', '<input id="name" name="name" autocomplete="cc-number">'
    )
    session, _ = session_on(html_page(masked.format(before="", options=OPTIONS), URL))
    assert session.page is not None
    names = [field.key[3] for field in typed_values(session.page).fields if field.key[0] == "name"]
    assert "pin" not in names and "token" not in names
    assert "name" not in names  # masked by the pipeline (a card number)
