"""Page trees indexed and freed between loop iterations (cobrowse.session.tree_steps)."""

from __future__ import annotations

import asyncio
import copy
import time
import weakref
from collections import Counter

from cobrowse.chores import SPACING
from cobrowse.pipeline import Page
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node
from cobrowse.session.model import CoSession
from cobrowse.session.publish import page_state, publish_page
from cobrowse.session.tree_steps import STEP_NODES, IndexBuilder, release_later


class Marker(list):  # type: ignore[type-arg]
    """A text node that can be watched with a weak reference (plain lists cannot)."""


def big_tree(marker: Marker | None = None, sections: int = 40, items: int = 60) -> Node:
    """An ``html`` tree of several thousand nodes, ids from 1 in document order;
    ``marker`` is the text of its first paragraph (freed last: the releaser
    takes a tree apart from the end)."""
    next_id = iter(range(1, 10**6)).__next__
    html: Node = [next_id(), "html", {}, []]
    body: Node = [next_id(), "body", {"id": "s3"}, []]
    html[3].append(body)
    if marker is not None:
        body[3].append([next_id(), "p", {}, [marker]])
        marker[:] = [next_id(), "the start"]
    for s in range(sections):
        rows: list[Node] = []
        body[3].append([next_id(), "ul", {"id": f"s{s}"}, rows])
        for i in range(items):
            rows.append([next_id(), "li", {"class": f"r{i % 7}"}, []])
            rows[-1][3].append([next_id(), f"item {s}.{i}"])
    return html


def page_of(tree: Node, url: str) -> Page:
    return Page(url, "t", tree, {}, {}, Counter())


def new_session() -> CoSession:
    now = time.time()
    return CoSession("s1", "berater", "123456", now + 600, now)


async def steps(count: int) -> None:
    """Let the loop run ``count`` background steps (a step is due every SPACING)."""
    for _ in range(count):
        await asyncio.sleep(SPACING)


async def until_dead(watch: weakref.ref[Marker], limit: int) -> None:
    """Wait for ``watch`` to die, at most ``limit`` steps (nothing to await instead)."""
    for _ in range(limit):
        if watch() is None:
            return
        await asyncio.sleep(SPACING)


async def test_the_old_page_is_freed_after_publishing_not_during() -> None:
    session = new_session()
    marker = Marker()
    watch = weakref.ref(marker)
    publish_page(session, page_of(big_tree(marker), "https://a.example/"))
    page_state(session)  # the index refers to every node: it must go too
    del marker
    publish_page(session, page_of(big_tree(), "https://b.example/"))
    assert watch() is not None  # not freed in one go within publish_page
    await steps(1)
    assert watch() is not None  # a tree this big takes several steps
    await until_dead(watch, 200)
    assert watch() is None


async def test_a_node_held_elsewhere_stays_whole() -> None:
    session = new_session()
    marker = Marker()
    watch = weakref.ref(marker)
    tree = big_tree(marker)
    kept = tree[3][0][3][5]  # a <ul> someone still refers to
    before = copy.deepcopy(kept)
    publish_page(session, page_of(tree, "https://a.example/"))
    del tree, marker
    publish_page(session, page_of(big_tree(), "https://b.example/"))
    await until_dead(watch, 200)  # the marker goes last: the releaser is done
    assert watch() is None
    assert kept == before


async def test_a_tree_released_without_a_loop_is_freed_by_its_references() -> None:
    marker = Marker()
    watch = weakref.ref(marker)
    await asyncio.to_thread(release_later, big_tree(marker))
    del marker
    assert watch() is None


async def test_the_background_index_equals_the_index_built_at_once() -> None:
    page = build_shared_page(
        ("<title>x</title>" + "<div id=a><p id=b>t<b>u</b></p>v</div>" * 800).encode(),
        "text/html",
        "https://a.example/",
        lambda url, kind: None,
    )
    expected = TreeIndex.build(page.tree)
    finished = IndexBuilder(page.tree)
    await steps(2)  # part of it built in the background, the rest now
    assert 0 < len(finished.index.nodes) < len(expected.nodes)
    background = IndexBuilder(page.tree)
    for _ in range(len(expected.nodes) // STEP_NODES * 4 + 40):
        if len(background.index.nodes) == len(expected.nodes):
            break
        await asyncio.sleep(SPACING)
    assert len(background.index.nodes) == len(expected.nodes)
    for index in (finished.finish(), background.finish()):
        assert index.nodes == expected.nodes
        assert index.parents == expected.parents
        assert index.dom_ids == expected.dom_ids
        assert index.max_id == expected.max_id


async def test_page_state_finishes_the_index_publishing_started() -> None:
    session = new_session()
    publish_page(session, page_of(big_tree(), "https://a.example/"))
    assert session.interaction is not None and session.interaction.indexing is not None
    found = page_state(session)
    assert found is not None
    state, index = found
    assert state.indexing is None
    assert index.nodes == TreeIndex.build(session.page.tree).nodes  # type: ignore[union-attr]
