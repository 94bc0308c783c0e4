"""A new owner rebuilds the page from the shared state exactly as the clients have it
(cobrowse.cluster.handover); when the pieces do not fit it reloads instead of guessing."""

from __future__ import annotations

import time

import msgpack

from cobrowse.cluster.handover import SEQ_STRIDE, next_epoch, page_record, restore_page
from cobrowse.protocol import Msg
from cobrowse.session.model import CoSession
from cobrowse.session.publish import HIGHLIGHT_ATTR, publish_page, snapshot_body
from tests.session.test_moves import RecordingHub, demo_page, menu_button, nodes, send, session_on


def fresh() -> CoSession:
    now = time.time()
    return CoSession("s1", "berater", "123456", now + 600, now, hub=RecordingHub())


def shared_state_of(session: CoSession) -> tuple[bytes, bytes, list[bytes]]:
    """What the owner left in the shared state: record, snapshot frame, later frames."""
    hub = session.hub
    assert hub.snapshot_frame is not None
    return page_record(session), hub.snapshot_frame, [frame for _, frame in hub.log]


def test_page_with_diff_navigation_widgets_values_and_highlight_comes_back() -> None:
    owner, _ = session_on(demo_page("/"))
    owner.record_history(demo_page("/themen/rente.html").url, None)
    publish_page(owner, demo_page("/themen/rente.html"))  # same site: a diff, not a snapshot
    assert owner.hub.log, "the second page should have gone out as MUTATIONS"
    send(owner, Msg.TOGGLE, node=menu_button(owner)[0])
    send(owner, Msg.TOGGLE, node=nodes(owner, "summary")[0][0])
    field = next(n for n in nodes(owner, "input") if n[2].get("type") in ("search", "text"))
    send(owner, Msg.INPUT_SET, node=field[0], value="Grundrente")
    marked = nodes(owner, "h1")[0]
    send(owner, Msg.HIGHLIGHT_SET, node=marked[0])
    record, snapshot, later = shared_state_of(owner)

    heir = fresh()
    assert restore_page(heir, record, snapshot, later)
    assert heir.page is not None and owner.page is not None
    assert heir.page.tree == owner.page.tree
    assert heir.page.links == owner.page.links and heir.page.forms == owner.page.forms
    assert (heir.page.url, heir.page.title) == (owner.page.url, owner.page.title)
    assert heir.page_no == owner.page_no
    assert (heir.history, heir.history_at) == (owner.history, owner.history_at)
    assert heir.interaction is not None and heir.interaction.highlight == marked[0]
    assert HIGHLIGHT_ATTR in marked[2]
    assert snapshot_body(heir) == snapshot_body(owner)
    # the new owner goes on where the old one stopped: a toggle changes its copy
    send(heir, Msg.TOGGLE, node=menu_button(heir)[0])
    assert heir.hub.log, "a toggle on the restored page goes out as MUTATIONS"


def test_pieces_that_do_not_fit_give_back_the_history_only() -> None:
    owner, _ = session_on(demo_page("/"))
    record, snapshot, later = shared_state_of(owner)
    older_record = record
    owner.record_history(demo_page("/service/faq.html").url, None)
    publish_page(owner, demo_page("/service/faq.html"))
    _, newer_snapshot, newer_later = shared_state_of(owner)
    # the owner died after sending the new page but before saving its record
    heir = fresh()
    assert not restore_page(heir, older_record, newer_snapshot, newer_later)
    assert heir.page is None
    assert heir.history == [demo_page("/").url]  # reload this one
    # an incomplete log (None), a missing record and a broken record: no page either
    for args in ((record, snapshot, None), (None, snapshot, later), (b"\xc1junk", snapshot, later)):
        assert not restore_page(fresh(), *args)
    wrong = msgpack.packb({"page_no": 1, "history": [], "history_at": -1, "visited": []})
    assert not restore_page(fresh(), wrong, snapshot, later)  # no url in the record


def test_a_new_owner_starts_above_everything_seen() -> None:
    assert next_epoch(0) == SEQ_STRIDE
    assert next_epoch(SEQ_STRIDE - 1) == SEQ_STRIDE
    assert next_epoch(SEQ_STRIDE) == 2 * SEQ_STRIDE
    assert next_epoch(5 * SEQ_STRIDE + 17) == 6 * SEQ_STRIDE


def test_a_sent_forms_answer_is_known_as_one_on_the_new_owner() -> None:
    owner, _ = session_on(demo_page("/service/kontakt.html"))
    owner.page_posted = True  # the page answered a POST (cobrowse.session.navigation)
    record, snapshot, later = shared_state_of(owner)
    heir = fresh()
    assert restore_page(heir, record, snapshot, later) and heir.page_posted
    # a record written by a node that knew nothing of it: not a form's answer
    older = msgpack.unpackb(record)
    del older["posted"]
    older_heir = fresh()
    assert restore_page(older_heir, msgpack.packb(older), snapshot, later)
    assert not older_heir.page_posted
