"""Live rendered pages: what the page's own scripts change reaches everyone.

The server-side page reports DOM changes (the MutationObserver of
:data:`cobrowse.render.scripts.GUARD`); after a short quiet window the relay
serializes it again, runs the same sanitizing pipeline and diffs the result
against the tree the participants hold (:func:`cobrowse.pipeline.diff.diff_trees`):
the change goes out as an ordinary ``MUTATIONS`` batch.

Node ids ↔ server-side elements: the serialized DOM carries a key per
element (:data:`~cobrowse.render.scripts.KEY_ATTR`); :func:`take_keys`
removes every key from the built tree before anyone sees it and remembers
which node had which, so the advisor's click on node 42 can be replayed on
the element it came from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cobrowse.pipeline.diff import diff_trees, max_node_id
from cobrowse.pipeline.page import Node, Page
from cobrowse.pipeline.site_rules import MASK_ATTR
from cobrowse.protocol import Msg
from cobrowse.render.scripts import KEY_ATTR
from cobrowse.session.hub import LOG_LIMIT
from cobrowse.session.model import PageState
from cobrowse.session.publish import HIGHLIGHT_ATTR, snapshot_body

if TYPE_CHECKING:
    from cobrowse.session.model import CoSession

__all__ = ["KeyedNodes", "apply_update", "take_keys"]

KeyedNodes = list[tuple[Node, str]]


def take_keys(root: Node) -> tuple[KeyedNodes, set[str]]:
    """Remove the element keys from ``root`` (in place): the keyed nodes
    (their ids may still change: read ``node[0]`` after publishing) and the
    keys of private fields, which the relay never types into (and whose
    values it drops)."""
    pairs: KeyedNodes = []
    private: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if len(node) != 4:
            continue
        attrs = node[2]
        key = attrs.pop(KEY_ATTR, None)
        if MASK_ATTR in attrs or attrs.get("type", "").lower() == "password":
            # the live page's value of a private field (a script may fill one)
            # stays in the relay's browser
            attrs.pop("value", None)
            if key is not None:
                private.add(key)
        if key is not None:
            pairs.append((node, key))
        stack.extend(node[3])
    return pairs, private


def apply_update(
    session: CoSession, page: Page, pairs: KeyedNodes, old_keys: dict[int, str]
) -> dict[int, str]:
    """Turn the session's current page into ``page`` (the same document after
    its scripts changed it, built by the pipeline, keys taken) with one
    ``MUTATIONS`` batch; returns the new node id → key map.

    The relay's own highlight stays on the same element.
    """
    old = session.page
    assert old is not None
    state = session.interaction
    if state is None or state.page_no != session.page_no:
        state = PageState(session.page_no, max_node_id(old.tree))
        session.interaction = state
    if state.highlight is not None:
        key = old_keys.get(state.highlight)
        marked = [node for node, k in pairs if k == key] if key else []
        for node in marked[:1]:
            node[2][HIGHLIGHT_ATTR] = ""
        if not marked:
            state.highlight = None
    diff = diff_trees(old.tree, page.tree, state.top() + 1)
    keys = {int(node[0]): key for node, key in pairs}
    if not any(diff.mutations.values()):
        return keys  # the diff gave matched nodes the ids everyone holds
    session.page = replace(
        page,
        links={diff.ids[k]: v for k, v in page.links.items()},
        forms={diff.ids[k]: v for k, v in page.forms.items()},
    )
    state.top_id = max(state.top(), diff.next_id - 1)
    state.forget_index()  # it was of the old tree
    state.hidden_switch.clear()
    if state.highlight is not None:
        key = old_keys.get(state.highlight)
        state.highlight = next((i for i, k in keys.items() if k == key), None)
    hub = session.hub
    hub.broadcast(Msg.MUTATIONS, {"page": session.page_no, **diff.mutations})
    if len(hub.log) >= LOG_LIMIT - 1:
        hub.broadcast(Msg.SNAPSHOT, snapshot_body(session) or {})
    return keys
