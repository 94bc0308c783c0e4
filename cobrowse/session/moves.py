"""The advisor's moves beyond the pointer: scroll, hover, pulses, widgets, highlight, forms.

Handlers of :data:`cobrowse.session.commands.COMMANDS` (which checks the
sender's role and parses the body first).

* Scroll, hover/focus and click pulses are positions on the page (node id +
  offset or fraction), relayed latest-wins to everyone else; the relay keeps
  no copy (the advisor's client repeats scroll and hover when someone joins).
* Widget toggles, form values and the highlight change the relay's copy of
  the page (:mod:`cobrowse.session.edits`) and are broadcast as ``MUTATIONS``,
  so a late joiner gets them with the page.

Every frame names the page it was meant for; frames for an older page are
dropped, and so are frames for unknown nodes or refused fields.
"""

from __future__ import annotations

from typing import Final

from cobrowse.pipeline.diff import TreeIndex
from cobrowse.protocol import (
    HighlightSet,
    Hover,
    HoverAt,
    InputSet,
    Msg,
    Pulse,
    PulseAt,
    Scroll,
    ScrollTo,
    Toggle,
)
from cobrowse.session.call import Call
from cobrowse.session.edits import PageEdit
from cobrowse.session.field_values import set_field
from cobrowse.session.model import CoSession, PageState
from cobrowse.session.publish import HIGHLIGHT_ATTR, page_state, publish_edit

__all__ = ["highlight_set", "hover_at", "input_set", "pulse_at", "scroll_to", "toggle"]

# The highlight marks something the page shows: never the root or the head.
_UNHIGHLIGHTABLE: Final = ("html", "head")


def _current(session: CoSession, page: int) -> tuple[PageState, TreeIndex] | None:
    """The page state, if ``page`` is still the session's page (else the frame is dropped)."""
    found = page_state(session)
    return found if found is not None and page == session.page_no else None


def scroll_to(call: Call, body: ScrollTo) -> bool:
    found = _current(call.session, body.page)
    if found is not None and body.node in found[1].nodes:
        out: Scroll = {
            "page": body.page,
            "node": body.node,
            "offset": body.offset,
            "jump": body.jump,
        }
        call.session.hub.broadcast_latest(Msg.SCROLL, out, exclude=call.participant.id)
    return False


def hover_at(call: Call, body: HoverAt) -> bool:
    """Relayed only when the hovered and focused nodes (if any) are on the page."""
    found = _current(call.session, body.page)
    if found is not None and all(n is None or n in found[1].nodes for n in (body.node, body.focus)):
        out: Hover = {"page": body.page, "node": body.node, "focus": body.focus, "ring": body.ring}
        call.session.hub.broadcast_latest(Msg.HOVER, out, exclude=call.participant.id)
    return False


def pulse_at(call: Call, body: PulseAt) -> bool:
    found = _current(call.session, body.page)
    if found is not None and body.node in found[1].nodes:
        _replay(call.session, body)
        out: Pulse = {"page": body.page, "node": body.node, "x": body.x, "y": body.y}
        call.session.hub.broadcast_latest(Msg.PULSE, out, exclude=call.participant.id)
    return False


def toggle(call: Call, body: Toggle) -> bool:
    found = _current(call.session, body.page)
    if found is not None and not _replay(call.session, body):
        state, index = found
        edit = PageEdit(index, state.hidden_switch, state.originals)
        node = index.element(body.node)
        if node is not None and edit.toggle(node):
            publish_edit(call.session, edit)
    return False


def highlight_set(call: Call, body: HighlightSet) -> bool:
    found = _current(call.session, body.page)
    if found is None:
        return False
    state, index = found
    target = body.node
    node = None if target is None else index.element(target)
    if target is not None and (node is None or node[1] in _UNHIGHLIGHTABLE):
        return False
    edit = PageEdit(index, state.hidden_switch, state.originals)
    old = None if state.highlight is None else index.element(state.highlight)
    if old is not None:
        edit.set(old, HIGHLIGHT_ATTR, None)
    if node is not None:
        edit.set(node, HIGHLIGHT_ATTR, "")
    state.highlight = target
    publish_edit(call.session, edit)
    return False


def input_set(call: Call, body: InputSet) -> bool:
    # Everyone gets it, the advisor too: every mirror holds the same tree
    # (the advisor's client keeps the field being typed in as it is).
    found = _current(call.session, body.page)
    if found is not None:
        _replay(call.session, body)
        state, index = found
        edit = PageEdit(index, state.hidden_switch, state.originals)
        node = index.element(body.node)
        if node is not None and set_field(edit, node, body):
            publish_edit(call.session, edit)
    return False


def _replay(session: CoSession, body: PulseAt | Toggle | InputSet) -> bool:
    """render seam (issue 18): on a page of the relay's browser, clicks and
    typing also reach the page's own scripts (cobrowse.render); True when the
    move needs nothing else (a toggle: the page's script does it)."""
    return session.live is not None and session.live.replay(body)
