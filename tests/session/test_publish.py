"""Same-site pages diffed in a page worker: the clients get exactly what the
loop's own diff would send them, and a page that changed meanwhile is diffed
on the loop instead."""

from __future__ import annotations

import copy

import pytest

from cobrowse.page_worker import diff_against
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Page
from cobrowse.protocol import Msg, PackedTree, pack_tree, read_frame
from cobrowse.session.model import CoSession
from cobrowse.session.publish import previous_page, publish_page
from tests.session.test_moves import (
    DEMO,
    RecordingHub,
    demo_page,
    html_page,
    menu_button,
    send,
    session_on,
)

TOUR = ["/", "/themen/rente.html", "/themen/wohngeld.html", "/service/faq.html", "/"]


def _published(page: Page) -> tuple[CoSession, RecordingHub]:
    """A session on ``page``, published as the worker encoded it."""
    session, hub = session_on(html_page("<p>vorher</p>", "https://elsewhere.example/"))
    publish_page(session, page, pack_tree(page.tree))
    return session, hub


def _go(session: CoSession, path: str, in_worker: bool) -> None:
    """Publish the demo page at ``path``, diffed in a worker or on the loop."""
    page = demo_page(path)
    packed = pack_tree(page.tree)
    done = None
    if in_worker:
        previous = previous_page(session, page.url)
        assert previous is not None
        done = diff_against(previous, page.tree, packed)
    session.record_history(page.url, None)
    publish_page(session, page, packed, done)


def _frames(hub: RecordingHub) -> list[bytes]:
    return [frame for _, frame in hub.log] if hub.log else [hub.snapshot_frame or b""]


@pytest.mark.parametrize("start", ["/", "/service/faq.html"])
def test_a_tour_diffed_in_workers_sends_what_the_loop_would(start: str) -> None:
    worker, worker_hub = _published(demo_page(start))
    loop, loop_hub = _published(demo_page(start))
    for path in TOUR:
        _go(worker, path, in_worker=True)
        _go(loop, path, in_worker=False)
        assert worker_hub.sent[-1][0] is loop_hub.sent[-1][0]
        assert _frames(worker_hub)[-1] == _frames(loop_hub)[-1]  # the same bytes
        assert worker.page is not None and loop.page is not None
        assert worker.page.tree == loop.page.tree
        assert worker.page.links == loop.page.links and worker.page.forms == loop.page.forms
        assert worker.interaction is not None and loop.interaction is not None
        assert worker.interaction.top() == loop.interaction.top()
    assert any(msg is Msg.MUTATIONS for msg, _, _ in worker_hub.sent)


def test_a_page_changed_while_the_worker_diffed_is_diffed_again_on_the_loop() -> None:
    session, hub = _published(demo_page("/"))
    twin, twin_hub = _published(demo_page("/"))
    page, again = demo_page("/themen/rente.html"), demo_page("/themen/rente.html")
    packed = pack_tree(page.tree)
    previous = previous_page(session, page.url)
    assert previous is not None
    done = diff_against(previous, page.tree, packed)
    assert done is not None and done.diff is not None  # renumbered
    for s in (session, twin):  # the advisor opens the menu meanwhile
        send(s, Msg.TOGGLE, node=menu_button(s)[0])
    publish_page(session, page, packed, done)
    publish_page(twin, again, pack_tree(again.tree))
    assert hub.sent[-1][1] == twin_hub.sent[-1][1]
    assert session.page is not None and twin.page is not None
    assert session.page.tree == twin.page.tree
    # the open menu is closed again by the loop's diff
    assert any("aria-expanded" in attrs for _, attrs in hub.sent[-1][1]["attributes"])


def test_a_page_too_different_goes_whole_as_the_worker_encoded_it() -> None:
    links = "".join(f'<li><a href="/p{i}">Punkt {i}</a></li>' for i in range(200))
    session, hub = _published(html_page("<p>a</p>", "https://example.org/a"))
    page = html_page(links, "https://example.org/b")
    fresh = copy.deepcopy(page.tree)
    packed = pack_tree(page.tree)
    previous = previous_page(session, page.url)
    assert previous is not None
    done = diff_against(previous, page.tree, packed)
    assert done is not None and done.diff is None and page.tree == fresh
    publish_page(session, page, packed, done)
    msg, body, _ = hub.sent[-1]
    assert msg is Msg.SNAPSHOT and isinstance(body["tree"], PackedTree)
    assert hub.snapshot_frame is not None
    assert read_frame(hub.snapshot_frame)[2]["tree"] == fresh
    index = TreeIndex.build(fresh)
    assert all(index.element(node_id) is not None for node_id in session.page.links)  # type: ignore[union-attr]
    assert previous_page(session, "https://example.org/c") is not None  # the next diff


def test_only_the_page_the_clients_hold_as_sent_is_given_to_a_worker() -> None:
    session, _ = _published(demo_page("/"))
    assert previous_page(session, DEMO + "/themen/rente.html") is not None
    assert previous_page(session, "https://example.org/") is None  # another site
    send(session, Msg.TOGGLE, node=menu_button(session)[0])
    assert previous_page(session, DEMO + "/themen/rente.html") is None  # changed since
    plain, _ = session_on(demo_page("/"))  # published without the worker's encoding
    assert previous_page(plain, DEMO + "/themen/rente.html") is None
