"""The advisor's moves beyond the pointer: scroll, hover, clicks, forms, highlight.

Called by :mod:`cobrowse.ws` for the frames in :data:`INTERACTION_TYPES` and
by :mod:`cobrowse.session.navigation` for every new page (:func:`publish_page`).

* Scroll, hover/focus and click pulses are positions on the page (node id +
  offset or fraction), relayed latest-wins to everyone else; the relay keeps
  no copy (the advisor's client repeats scroll and hover when someone joins).
* Widget toggles, form values and the highlight change the relay's copy of
  the page (:mod:`cobrowse.session.edits`) and are broadcast as ``MUTATIONS``, so a
  late joiner gets them with the page.
* Masked fields: the pipeline marks private form fields ``data-cb-masked``
  (:mod:`cobrowse.pipeline.build`); the advisor's client never sends their
  values, and :func:`handle` refuses ``INPUT_SET`` for them anyway (defence
  in depth).

Every frame names the page it was meant for; frames for an older page are
dropped. Only the advisor may send these frames.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import msgpack

from cobrowse.errors import ProtocolError
from cobrowse.hub import LOG_LIMIT
from cobrowse.pipeline.diff import TreeIndex, diff_trees, max_node_id
from cobrowse.pipeline.page import Node, Page
from cobrowse.pipeline.site_rules import MASK_ATTR
from cobrowse.protocol import Msg
from cobrowse.session.edits import MAX_VALUE_CHARS, TEXT_INPUT_TYPES, PageEdit, input_type

if TYPE_CHECKING:
    from cobrowse.session.store import CoSession, Participant

__all__ = [
    "HIGHLIGHT_ATTR",
    "INTERACTION_TYPES",
    "PageState",
    "handle",
    "history_step",
    "page_info",
    "publish_page",
    "snapshot_body",
]

log = logging.getLogger(__name__)

INTERACTION_TYPES: Final = frozenset(
    {Msg.SCROLL_TO, Msg.HOVER_AT, Msg.INPUT_SET, Msg.TOGGLE, Msg.HIGHLIGHT_SET, Msg.PULSE_AT}
)
HIGHLIGHT_ATTR: Final = "data-cb-highlight"
_FIELDS: Final = frozenset({"input", "textarea", "select"})
_MAX_SCROLL_OFFSET: Final = 1000.0
# Diffing is plain Python; beyond this many nodes a snapshot is cheaper to make.
MAX_DIFF_NODES: Final = 8_000
# Late joiners get the last snapshot plus every change since (the hub's log):
# past this many changes the next page goes out whole, which starts afresh.
MAX_CHANGES_BEFORE_SNAPSHOT: Final = 1_000


@dataclass(slots=True)
class PageState:
    """What the relay tracks about the current page beyond its tree.

    ``top_id``: no client holds a node id above it (new nodes start above);
    ``index`` is built on the first frame that needs it.
    """

    page_no: int
    top_id: int
    index: TreeIndex | None = None
    highlight: int | None = None
    hidden_switch: dict[int, bool] = field(default_factory=dict)

    def top(self) -> int:
        return max(self.top_id, self.index.max_id if self.index else 0)


def _state(session: CoSession) -> tuple[PageState, TreeIndex] | None:
    page = session.page
    if page is None:
        return None
    state = session.interaction
    if state is None or state.page_no != session.page_no:
        state = PageState(session.page_no, max_node_id(page.tree))
        session.interaction = state
    if state.index is None:
        state.index = TreeIndex.build(page.tree)
        state.index.max_id = state.top()
    return state, state.index


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


def page_info(session: CoSession, page: Page) -> dict[str, Any]:
    """What every participant is told about the session's page ``page_no``."""
    history = {
        "back": session.history_at > 0,
        "forward": 0 <= session.history_at < len(session.history) - 1,
    }
    return {"page": session.page_no, "url": page.url, "title": page.title, "history": history}


def snapshot_body(session: CoSession) -> dict[str, Any] | None:
    """The SNAPSHOT body of the session's current page as it is now (None without one)."""
    if session.page is None:
        return None
    return {**page_info(session, session.page), "tree": session.page.tree}


def publish_page(session: CoSession, page: Page) -> None:
    """Make ``page`` (from :func:`cobrowse.pipeline.build.build_shared_page`,
    ids from 1 in document order) the session's page and send it to everyone.

    Within the same site the new tree is diffed against the current one and
    the ``MUTATIONS`` batch (with ``navigate``) goes out instead of the
    ``SNAPSHOT`` when it is smaller; either way the clients end up with the
    same tree and ids. Resets the page's interaction state.
    """
    old, old_no, state = session.page, session.page_no, session.interaction
    top = count = _last_id(page.tree)
    session.page_no += 1
    info = page_info(session, page)
    batch: dict[str, Any] | None = None
    hub = session.hub
    if (
        old is not None
        and _same_site(old.url, page.url)
        and count <= MAX_DIFF_NODES
        and len(hub.log) < MAX_CHANGES_BEFORE_SNAPSHOT
    ):
        old_top = state.top() if state and state.page_no == old_no else max_node_id(old.tree)
        diff = diff_trees(old.tree, page.tree, old_top + 1)
        top = max(old_top, diff.next_id - 1)
        page = replace(
            page,
            links={diff.ids[k]: v for k, v in page.links.items()},
            forms={diff.ids[k]: v for k, v in page.forms.items()},
        )
        batch = {"page": old_no, **diff.mutations, "navigate": info}
    session.page = page
    session.interaction = PageState(session.page_no, top)
    snapshot = {**info, "tree": page.tree}
    if batch is not None and len(msgpack.packb(batch)) < len(msgpack.packb(snapshot)):
        hub.broadcast(Msg.MUTATIONS, batch)
    else:
        hub.broadcast(Msg.SNAPSHOT, snapshot)


# --- frames from the advisor -----------------------------------------------------


def _node(body: dict[str, Any], key: str, *, optional: bool = False) -> int | None:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise ProtocolError(f"{key} is not a node id")
    return value


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float:
    value = body.get(key, 0)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ProtocolError(f"{key} is not a number")
    return min(high, max(low, float(value)))


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ProtocolError(f"{key} is not true/false")
    return value


def history_step(body: dict[str, Any]) -> int:
    """The ``step`` of a ``HISTORY_GO`` body: -1 back, 0 reload, 1 forward."""
    step = body.get("step")
    if type(step) is not int or step not in (-1, 0, 1):  # not True, not 1.0
        raise ProtocolError("step is not -1, 0 or 1")
    return step


def handle(session: CoSession, participant: Participant, kind: Msg, body: dict[str, Any]) -> None:
    """Apply one advisor frame of :data:`INTERACTION_TYPES`.

    Raises :class:`ProtocolError` for other roles and malformed bodies; frames
    for another page, unknown nodes or refused fields are dropped.
    """
    if participant.role != "advisor":
        raise ProtocolError(f"{kind.name} is for the advisor only")
    page = body.get("page")
    if not isinstance(page, int) or isinstance(page, bool):
        raise ProtocolError("page is not a number")
    found = _state(session)
    if found is None or page != session.page_no:
        return  # meant for a page that is gone
    state, index = found
    hub, me = session.hub, participant.id
    if kind is Msg.SCROLL_TO:
        node = _node(body, "node")
        offset = _number(body, "offset", -_MAX_SCROLL_OFFSET, _MAX_SCROLL_OFFSET)
        if node in index.nodes:
            out: dict[str, Any] = {"page": page, "node": node, "offset": offset}
            out["jump"] = _flag(body, "jump")
            hub.broadcast_latest(Msg.SCROLL, out, exclude=me)
    elif kind is Msg.HOVER_AT:
        out = {
            "page": page,
            "node": _node(body, "node", optional=True),
            "focus": _node(body, "focus", optional=True),
            "ring": _flag(body, "ring"),
        }
        if all(out[key] is None or out[key] in index.nodes for key in ("node", "focus")):
            hub.broadcast_latest(Msg.HOVER, out, exclude=me)
    elif kind is Msg.PULSE_AT:
        node = _node(body, "node")
        x, y = _number(body, "x", 0.0, 1.0), _number(body, "y", 0.0, 1.0)
        if node in index.nodes:
            hub.broadcast_latest(
                Msg.PULSE, {"page": page, "node": node, "x": x, "y": y}, exclude=me
            )
    else:
        _edit(session, state, index, kind, body)


def _edit(
    session: CoSession, state: PageState, index: TreeIndex, kind: Msg, body: dict[str, Any]
) -> None:
    """TOGGLE, HIGHLIGHT_SET, INPUT_SET: change the relay's copy, broadcast the change."""
    edit = PageEdit(index, state.hidden_switch)
    if kind is Msg.TOGGLE:
        node = index.element(_node(body, "node") or 0)
        if node is None or not edit.toggle(node):
            return
    elif kind is Msg.HIGHLIGHT_SET:
        target = _node(body, "node", optional=True)
        node = None if target is None else index.element(target)
        if target is not None and (node is None or node[1] in ("html", "head")):
            return
        old = None if state.highlight is None else index.element(state.highlight)
        if old is not None:
            edit.set(old, HIGHLIGHT_ATTR, None)
        if node is not None:
            edit.set(node, HIGHLIGHT_ATTR, "")
        state.highlight = target
    elif kind is Msg.INPUT_SET:
        # Everyone gets it, the advisor too: every mirror holds the same tree
        # (the advisor's client keeps the field being typed in as it is).
        node = index.element(_node(body, "node") or 0)
        if node is None or not _set_value(edit, node, body):
            return
    body_out = edit.batch(session.page_no)
    if body_out is not None:
        hub = session.hub
        hub.broadcast(Msg.MUTATIONS, body_out)
        if len(hub.log) >= LOG_LIMIT - 1:
            # The hub's log is about to drop changes a late joiner needs (a very
            # long text typed): the current page goes out whole and starts a new log.
            hub.broadcast(Msg.SNAPSHOT, snapshot_body(session) or {})


def _set_value(edit: PageEdit, node: Node, body: dict[str, Any]) -> bool:
    """Apply an INPUT_SET body to a field; False (and nothing changed) if refused."""
    tag, attrs = node[1], node[2]
    if tag not in _FIELDS:
        return False
    if MASK_ATTR in attrs or (tag == "input" and input_type(node) == "password"):
        # The advisor's client never sends these; a tampered or buggy one did.
        log.warning("refused a value for a masked field")
        return False
    if "disabled" in attrs:
        return False  # nobody can type there (e.g. a form the relay will not send)
    kind = input_type(node) if tag == "input" else tag
    if kind in ("checkbox", "radio"):
        edit.set_checked(node, _flag(body, "checked"))
    elif kind == "select":
        chosen = body.get("selected")
        if not (
            isinstance(chosen, list)
            and len(chosen) <= 1000
            and all(isinstance(i, int) and not isinstance(i, bool) for i in chosen)
        ):
            raise ProtocolError("selected is not a list of positions")
        edit.select_options(node, chosen)
    elif kind in TEXT_INPUT_TYPES or kind == "textarea":
        value = body.get("value")
        if not isinstance(value, str):
            raise ProtocolError("value is not a string")
        value = value[:MAX_VALUE_CHARS]
        if kind == "textarea":
            edit.set_text(node, value)
        else:
            edit.set(node, "value", value)
    else:
        return False  # hidden, file, buttons: nothing to type
    return True
