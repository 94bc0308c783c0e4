"""Handing a cluster session from one owner node to another.

The owner (see :mod:`cobrowse.cluster`) keeps the session's page in memory:
the node-id tree with every widget, highlight and form value, the links and
forms behind the node ids, the history. Another node takes over when the
advisor comes through it (a load balancer without affinity, a reload) or
when the owner stopped sending heartbeats (it died). What it needs is in the
shared state: the latest snapshot frame and the ordered page frames after it
(the tree, rebuilt here by applying the same batches the clients applied),
and the owner's *page record* (:func:`page_record`, written with every new
page: links, forms, history, visited pages, whether the page answered a
sent form). When the two do not fit together (the owner died between
writing them) the new owner reloads the page from the history instead;
either way everyone gets one full SNAPSHOT.

Sequence numbers stay increasing for every client across owners: a new
owner starts at the next multiple of :data:`SEQ_STRIDE` above everything it
or the shared state has seen, so a frame the old owner sent during the
hand-over can never overtake the new owner's. (2**53 / 2**20 leaves room
for billions of hand-overs within JavaScript's exact integers.)
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import msgpack

from cobrowse.pipeline import Page
from cobrowse.pipeline.diff import TreeIndex, apply_batch, max_node_id
from cobrowse.pipeline.page import FormInfo
from cobrowse.protocol import Msg, read_frame
from cobrowse.session.model import CoSession, PageState
from cobrowse.session.publish import HIGHLIGHT_ATTR

__all__ = ["SEQ_STRIDE", "next_epoch", "page_record", "restore_page"]

log = logging.getLogger(__name__)

SEQ_STRIDE = 1 << 20
VISITED_KEPT = 200


def next_epoch(seen: int) -> int:
    """The first sequence number of a new owner that has seen up to ``seen``."""
    return (seen // SEQ_STRIDE + 1) * SEQ_STRIDE


def page_record(session: CoSession) -> bytes:
    """What a new owner needs of the current page besides its frames."""
    record: dict[str, Any] = {
        "page_no": session.page_no,
        "history": session.history,
        "history_at": session.history_at,
        "visited": session.visited[-VISITED_KEPT:],
        "posted": session.page_posted,
    }
    page = session.page
    if page is not None:
        record["url"], record["title"] = page.url, page.title
        record["links"] = list(page.links.items())
        record["forms"] = [[k, f.method, f.action, f.enabled] for k, f in page.forms.items()]
    data: bytes = msgpack.packb(record, use_bin_type=True)
    return data


def _frame_body(frame: bytes) -> tuple[int, dict[str, Any]]:
    """(type, body) of one of the owner's frames, as a client reads it."""
    kind, _, body = read_frame(frame)
    return int(kind), body


def restore_page(
    session: CoSession,
    record: bytes | None,
    snapshot: bytes | None,
    later: list[bytes] | None,
) -> bool:
    """Give ``session`` its history and, when the frames fit the record, its page.

    ``snapshot`` and ``later``: the latest SNAPSHOT frame and the ordered
    frames after it (None: the log is incomplete). Returns True when the
    page is back exactly as the clients have it; False when only the
    history (and visited pages) are: then reload ``history[history_at]``.
    """
    if record is None:
        return False
    try:
        data = msgpack.unpackb(record, raw=False, strict_map_key=False)
        session.history = [str(url) for url in data["history"]]
        session.history_at = int(data["history_at"])
        session.visited = [dict(v) for v in data["visited"]]
        if snapshot is None or later is None or "url" not in data:
            return False
        kind, body = _frame_body(snapshot)
        if kind != Msg.SNAPSHOT:
            return False
        tree, page_no, url, title = body["tree"], body["page"], body["url"], body["title"]
        index = TreeIndex.build(tree)
        for frame in later:
            kind, batch = _frame_body(frame)
            if kind != Msg.MUTATIONS or batch.get("page") != page_no:
                continue  # not a change of this page (the log keeps page frames only)
            apply_batch(tree, batch, index)
            navigate = batch.get("navigate")
            if isinstance(navigate, dict):
                page_no, url, title = navigate["page"], navigate["url"], navigate["title"]
        if page_no != data["page_no"] or url != data["url"]:
            return False  # the record is of another page than the frames
        links = {int(k): str(v) for k, v in data["links"]}
        forms = {int(k): FormInfo(str(m), str(a), bool(e)) for k, m, a, e in data["forms"]}
    except (ValueError, KeyError, TypeError, msgpack.UnpackException) as exc:
        log.warning("page record not usable: %s", type(exc).__name__)
        return False
    session.page = Page(str(url), str(title), tree, links, forms, Counter())
    session.page_no = int(page_no)
    session.page_posted = bool(data.get("posted", False))  # an older node's record: False
    state = PageState(session.page_no, max_node_id(tree))
    state.highlight = next(
        (i for i, n in index.nodes.items() if len(n) == 4 and HIGHLIGHT_ATTR in n[2]), None
    )
    session.interaction = state
    return True
