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

from cobrowse.pipeline.diff import TreeIndex, diff_trees, max_node_id
from cobrowse.pipeline.page import Node, Page
from cobrowse.protocol import (
    History,
    Msg,
    Mutations,
    PackedTree,
    PageInfo,
    Snapshot,
    wire_tree,
)
from cobrowse.session.edits import PageEdit
from cobrowse.session.hub import LOG_LIMIT
from cobrowse.session.model import CoSession, PageState
from cobrowse.session.tree_steps import IndexBuilder, release_later

__all__ = [
    "FIELD_TAGS",
    "HIGHLIGHT_ATTR",
    "page_info",
    "page_state",
    "publish_edit",
    "publish_page",
    "snapshot_body",
]

HIGHLIGHT_ATTR: Final = "data-cb-highlight"
FIELD_TAGS: Final = frozenset({"input", "textarea", "select"})
# Diffing is plain Python; beyond this many nodes a snapshot is cheaper to make.
MAX_DIFF_NODES: Final = 8_000
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


def _wire_size(batch: Mutations) -> int:
    """The batch's packed size as :func:`cobrowse.protocol.encode` sends it (its
    adds compact), to weigh against a :class:`PackedTree`'s ``packed``."""
    adds = [[parent, after, wire_tree(node)] for parent, after, node in batch["adds"]]
    return len(msgpack.packb({**batch, "adds": adds}, use_bin_type=True))


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


def publish_page(session: CoSession, page: Page, packed: PackedTree | None = None) -> None:
    """Make ``page`` (from :func:`cobrowse.pipeline.build.build_shared_page`,
    ids from 1 in document order) the session's page and send it to everyone.
    ``packed``: its tree already encoded (by the page worker), used when the
    page goes out whole with those ids.

    Within the same site the new tree is diffed against the current one and
    the ``MUTATIONS`` batch (with ``navigate``) goes out instead of the
    ``SNAPSHOT`` when it is smaller; either way the clients end up with the
    same tree and ids (a page that goes out whole after all gets its own
    ids back, so the worker's encoding fits). Resets the page's interaction state: the new page's
    node index is built in the background, and the old page is freed in
    pieces (:mod:`cobrowse.session.tree_steps`), both between loop
    iterations rather than in one go.
    """
    old, old_no, state = session.page, session.page_no, session.interaction
    top = count = _last_id(page.tree)
    session.page_no += 1
    info = page_info(session, page)
    batch: Mutations | None = None
    hub = session.hub
    # the worker's encoding of the tree fits while the ids are the ones it had
    ready = packed if hub.owned else None
    if (
        old is not None
        and _same_site(old.url, page.url)
        and count <= MAX_DIFF_NODES
        and len(hub.log) < MAX_CHANGES_BEFORE_SNAPSHOT
    ):
        old_top = state.top() if state and state.page_no == old_no else max_node_id(old.tree)
        diff = diff_trees(old.tree, page.tree, old_top + 1)
        m = diff.mutations
        batch = {
            "page": old_no,
            "texts": m["texts"],
            "attributes": m["attributes"],
            "removes": m["removes"],
            "adds": m["adds"],
            "navigate": info,
        }
        if ready is not None:  # weighed as they would go out
            whole = _wire_size(batch) >= len(ready.packed)
        else:
            whole = len(msgpack.packb(batch)) >= len(msgpack.packb({**info, "tree": page.tree}))
        if whole and ready is not None:
            # out whole as the worker encoded it, with its ids: encoding it again
            # on the loop took 3-27 ms for corpus pages of 1,400-6,000 nodes
            diff.undo(page.tree)
        else:  # the diff's ids stand
            ready = None
            top = max(old_top, diff.next_id - 1)
            page = replace(
                page,
                links={diff.ids[k]: v for k, v in page.links.items()},
                forms={diff.ids[k]: v for k, v in page.forms.items()},
            )
        if whole:
            batch = None
    session.page = page
    session.interaction = PageState(session.page_no, top, indexing=IndexBuilder(page.tree))
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
