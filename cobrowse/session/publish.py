"""The session's page: preparing a new page, publishing it, and its state.

:func:`publish_page` is called by :mod:`cobrowse.session.navigation` for every
new page: within the same site it sends a diff, otherwise a snapshot.
:func:`page_state` gives the commands of :mod:`cobrowse.session.moves` the
current page's :class:`~cobrowse.session.model.PageState` and node index.

Masked fields: the pipeline marks private form fields ``data-cb-masked``
(:mod:`cobrowse.pipeline.build`); the advisor's client never sends their
values, and ``INPUT_SET`` is refused for them anyway (defence in depth,
:mod:`cobrowse.session.moves`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final
from urllib.parse import urlsplit

import msgpack

from cobrowse.page_worker import PreviousPage, WorkerDiff, diff_loses
from cobrowse.pipeline.diff import MAX_DIFF_NODES, TreeDiff, TreeIndex, diff_trees, max_node_id
from cobrowse.pipeline.page import Node, Page
from cobrowse.protocol import (
    History,
    Msg,
    Mutations,
    PackedTree,
    PageInfo,
    Snapshot,
)
from cobrowse.session.edits import PageEdit
from cobrowse.session.hub import LOG_LIMIT
from cobrowse.session.model import CoSession, PageState
from cobrowse.session.tree_steps import IndexBuilder, release_later

__all__ = [
    "FIELD_TAGS",
    "HIGHLIGHT_ATTR",
    "page_info",
    "page_mark",
    "page_state",
    "previous_page",
    "publish_edit",
    "publish_page",
    "snapshot_body",
]

HIGHLIGHT_ATTR: Final = "data-cb-highlight"
FIELD_TAGS: Final = frozenset({"input", "textarea", "select"})
# Late joiners get the last snapshot plus every change since (the hub's log):
# past this many changes the next page goes out whole, which starts afresh.
MAX_CHANGES_BEFORE_SNAPSHOT: Final = 1_000


def page_state(session: CoSession) -> tuple[PageState, TreeIndex] | None:
    """The current page's state and node index (None without a page), made
    fresh when the page changed; the index is built on first use (or
    finished, when :func:`publish_page` started building it)."""
    page = session.page
    if page is None:
        return None
    state = session.interaction
    if state is None or state.page_no != session.page_no:
        state = PageState(session.page_no, max_node_id(page.tree))
        session.interaction = state
    if state.index is None:
        building, state.indexing = state.indexing, None
        state.index = TreeIndex.build(page.tree) if building is None else building.finish()
        state.index.max_id = state.top()
    return state, state.index


def publish_edit(session: CoSession, edit: PageEdit) -> None:
    """Broadcast the edit's changes of the current page (if any) as one ``MUTATIONS`` batch."""
    batch = edit.batch(session.page_no)
    if batch is not None:
        hub = session.hub
        hub.broadcast(Msg.MUTATIONS, batch)
        if len(hub.log) >= LOG_LIMIT - 1:
            # The hub's log is about to drop changes a late joiner needs (a very
            # long text typed): the current page goes out whole and starts a new log.
            hub.broadcast(Msg.SNAPSHOT, snapshot_body(session) or {})


# --- new pages ------------------------------------------------------------------


def _last_id(root: Node) -> int:
    """The id of the last node in document order (the largest in a fresh tree)."""
    node = root
    while len(node) == 4 and node[3]:
        node = node[3][-1]
    return int(node[0])


def _same_site(a: str, b: str) -> bool:
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme, x.netloc) == (y.scheme, y.netloc)


def page_info(session: CoSession, page: Page) -> PageInfo:
    """What every participant is told about the session's page ``page_no``."""
    history: History = {
        "back": session.history_at > 0,
        "forward": 0 <= session.history_at < len(session.history) - 1,
    }
    return {"page": session.page_no, "url": page.url, "title": page.title, "history": history}


def snapshot_body(session: CoSession) -> Snapshot | None:
    """The SNAPSHOT body of the session's current page as it is now (None without one)."""
    if session.page is None:
        return None
    return {**page_info(session, session.page), "tree": session.page.tree}


def page_mark(session: CoSession) -> int:
    """Which state of the current page the clients hold: the sequence number
    of the last frame that changed it (every change of the relay's copy goes
    out as a logged frame, and a new page as a snapshot or one of them)."""
    hub = session.hub
    return hub.log[-1][0] if hub.log else hub.snapshot_seq


def _diffable(session: CoSession, url: str) -> bool:
    """Whether a page at ``url`` would be diffed against the current one."""
    old = session.page
    return (
        old is not None
        and _same_site(old.url, url)
        and len(session.hub.log) < MAX_CHANGES_BEFORE_SNAPSHOT
    )


def _old_top(session: CoSession) -> int:
    old, state = session.page, session.interaction
    assert old is not None
    return state.top() if state and state.page_no == session.page_no else max_node_id(old.tree)


def _held_as_sent(session: CoSession) -> PageState | None:
    """The current page's state, if the clients hold the page as it was sent
    by this node: its wire form at hand, nothing changed since."""
    state = session.interaction
    if (
        state is None
        or state.wire is None
        or state.wire_page is not session.page
        or state.page_no != session.page_no
        or state.wire_mark != page_mark(session)
        or not session.hub.owned
    ):
        return None
    return state


def previous_page(session: CoSession, url: str) -> PreviousPage | None:
    """The current page for a page worker to diff a page at ``url`` against
    (:class:`cobrowse.page_worker.PreviousPage`), if it would be diffed and
    the clients hold it as it was sent."""
    state = _held_as_sent(session)
    if state is None or state.wire is None or not _diffable(session, url):
        return None
    return PreviousPage(state.wire, _old_top(session), state.wire_mark)


def publish_page(
    session: CoSession,
    page: Page,
    packed: PackedTree | None = None,
    done: WorkerDiff | None = None,
) -> None:
    """Make ``page`` (from :func:`cobrowse.pipeline.build.build_shared_page`,
    ids from 1 in document order) the session's page and send it to everyone.
    ``packed``: its tree already encoded (by the page worker), used when the
    page goes out whole with those ids. ``done``: the worker's diff against
    the page :func:`previous_page` gave it (``page``'s tree renumbered to
    match), used when the clients still hold that page, else undone.

    Within the same site the new tree is diffed against the current one and
    the ``MUTATIONS`` batch (with ``navigate``) goes out instead of the
    ``SNAPSHOT`` when it is smaller; either way the clients end up with the
    same tree and ids (a page that goes out whole after all gets its own
    ids back, so the worker's encoding fits). Resets the page's interaction
    state: the new page's node index is built in the background, and the old
    page is freed in pieces (:mod:`cobrowse.session.tree_steps`), both
    between loop iterations rather than in one go.
    """
    old, old_no, state = session.page, session.page_no, session.interaction
    hub = session.hub
    # the worker's encoding of the tree fits while the ids are the ones it had
    ready = packed if hub.owned else None
    diffable = old is not None and _diffable(session, page.url)
    old_top = _old_top(session) if diffable else 0
    if done is not None and not (
        ready is not None
        and diffable
        and _held_as_sent(session) is not None
        and (done.mark, done.top) == (page_mark(session), old_top)
    ):
        done.undo(page.tree)  # the clients' page changed meanwhile: diffed here
        done = None
    top = count = len(done.diff.ids) if done and done.diff else _last_id(page.tree)
    session.page_no += 1
    info = page_info(session, page)
    batch: Mutations | None = None
    wire = ready.packed if ready is not None else None  # the tree as the clients get it
    if old is not None and diffable and count <= MAX_DIFF_NODES:
        if done is not None:
            whole = done.diff is None
            diff = done.diff or TreeDiff({}, {}, 0)  # whole: not used (the packed tree goes)
            wire = done.wire
        else:
            diff = diff_trees(old.tree, page.tree, old_top + 1)
            if ready is not None:  # weighed as they would go out
                whole = diff_loses(diff, ready)
            else:
                snapshot_size = len(msgpack.packb({**info, "tree": page.tree}))
                whole = len(msgpack.packb(diff.mutations)) >= snapshot_size
            if whole and ready is not None:
                # out whole as the worker encoded it, with its ids: encoding it again
                # on the loop took 3-27 ms for corpus pages of 1,400-6,000 nodes
                diff.undo(page.tree)
            elif not whole:
                wire = None  # the clients get a renumbered tree: not at hand packed
        if not (whole and ready is not None):  # the diff's ids stand
            ready = None
            top = max(old_top, diff.next_id - 1)
            page = replace(
                page,
                links={diff.ids[k]: v for k, v in page.links.items()},
                forms={diff.ids[k]: v for k, v in page.forms.items()},
            )
        if not whole:
            m = diff.mutations
            batch = {
                "page": old_no,
                "texts": m["texts"],
                "attributes": m["attributes"],
                "removes": m["removes"],
                "adds": m["adds"],
                "navigate": info,
            }
    session.page = page
    fresh = PageState(session.page_no, top, indexing=IndexBuilder(page.tree))
    session.interaction = fresh
    if old is not None:
        index = None
        if state is not None:
            index = state.index
            state.forget_index()
        release_later(old.tree, index)
        del old, state, index
    if batch is not None:
        hub.broadcast(Msg.MUTATIONS, batch)
    elif ready is not None:
        hub.broadcast(Msg.SNAPSHOT, {**info, "tree": ready})
    else:
        snapshot: Snapshot = {**info, "tree": page.tree}
        hub.broadcast(Msg.SNAPSHOT, snapshot)
    if wire is not None:  # for the next page's diff in a worker
        fresh.wire, fresh.wire_page, fresh.wire_mark = wire, page, page_mark(session)
