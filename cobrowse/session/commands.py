"""Every client frame's one entry: ``Msg → (allowed roles, typed body, handler)``.

:mod:`cobrowse.ws` parses each frame after ``HELLO`` once
(:func:`cobrowse.protocol.parse`) and hands the typed message to
:func:`dispatch`, which checks the sender's state and role and runs the
handler from :data:`COMMANDS`.
A frame the sender may not send, or a malformed one, raises
:class:`ProtocolError` (the connection is closed); a handler returns True when
the sender's connection is done (it left, or ended the session).

Pending joiners may only report their viewport or leave. Anything the advisor
sends keeps the session from going idle.

The citizen's turn: the advisor may hand the lead to one admitted citizen or
guest (``LEAD``; :attr:`CoSession.lead`). While they lead, the commands marked
``lead`` (link clicks, form submits, widgets, typing, scrolling) are theirs
too and take exactly the advisor's path (allowlist, SSRF guard, fetch,
pipeline). The advisor can always act meanwhile; their client only stops
sending its scroll position and follows the leader's instead. A joiner who
does not lead (any more) and sends such a frame is no tampered client but
usually one whose lead was just taken back: a click, submit or widget gets a
plain notice, typing and scrolling (passing states) are dropped. The lead goes
back to the advisor when the leader leaves, drops or is removed
(:meth:`CoSession.broadcast_participants`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from cobrowse.errors import ProtocolError
from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import (
    Admit,
    CitizenPointer,
    Click,
    ClientMessage,
    Deny,
    End,
    Extend,
    HighlightSet,
    HistoryGo,
    HoverAt,
    InputSet,
    Lead,
    Leave,
    Msg,
    Navigate,
    NewCode,
    Notice,
    Pointer,
    PointerMove,
    PulseAt,
    Remove,
    ScrollTo,
    Submit,
    Toggle,
    Viewport,
)
from cobrowse.session import admission, moves
from cobrowse.session.call import Call
from cobrowse.session.model import CoSession, Role, State

__all__ = ["COMMANDS", "Command", "apply", "dispatch"]

B = TypeVar("B", bound=ClientMessage)
# True: the sender's connection is done. END is the one that must be awaited.
Reply = bool | Awaitable[bool]

ANYONE: Final = frozenset(Role)
ADVISOR: Final = frozenset({Role.ADVISOR})
JOINERS: Final = frozenset({Role.CITIZEN, Role.GUEST})


@dataclass(frozen=True, slots=True)
class Command(Generic[B]):
    """Who may send a message, its body type, and what it does."""

    roles: frozenset[Role]
    body: type[B]
    handler: Callable[[Call, B], Reply]
    while_pending: bool = False  # a joiner not yet admitted may send it
    lead: bool = False  # the joiner the advisor handed the lead to may send it too


# --- pointer and presence -------------------------------------------------------------


def pointer_move(call: Call, body: PointerMove) -> bool:
    """The advisor's pointer goes to everyone else; a citizen's (checked all the
    same) to the advisor only, and only with ``show_citizen_pointer``."""
    me = call.participant
    pointer: Pointer = {"node": None}
    if body.node is not None:
        pointer = {"node": body.node, "x": body.x, "y": body.y}
    if me.role == Role.ADVISOR:
        call.session.hub.broadcast_latest(Msg.POINTER, pointer, exclude=me.id)
    elif call.services.show_citizen_pointer:  # never to other citizens
        theirs: CitizenPointer = {"participant": me.id, "x": 0, "y": 0, **pointer}
        call.session.hub.send_latest_to(Role.ADVISOR, Msg.CITIZEN_POINTER, theirs, me.id)
    return False


def viewport(call: Call, body: Viewport) -> bool:
    call.participant.viewport = body.viewport
    call.session.broadcast_participants()
    return False


def leave(call: Call, body: Leave) -> bool:
    """A joiner goes: a pending one is simply out, an active one gets ``ENDED``."""
    session, me, store = call.session, call.participant, call.services.store
    if me.state != State.ACTIVE:
        store.remove(session, me.id, "left")
        return True
    session.hub.send_to(me.id, Msg.ENDED, store.ended_body(session, "left"))
    store.remove_participant(session, me.id)
    return True


# --- navigation -------------------------------------------------------------------------


def navigate(call: Call, body: Navigate) -> bool:
    call.services.navigator.navigate(call.session, body.url)
    return False


def click(call: Call, body: Click) -> bool:
    call.services.navigator.click(call.session, body.node, call.participant.id)
    return False


def submit(call: Call, body: Submit) -> bool:
    fields = list(body.fields)
    navigator, me = call.services.navigator, call.participant.id
    navigator.submit(call.session, body.node, fields, body.submitter, sender=me)
    return False


# --- the citizen's turn ---------------------------------------------------------------


def lead(call: Call, body: Lead) -> bool:
    """The advisor hands the lead to a citizen or guest, or (None, or the
    advisor's own id) takes it back. A refusal is a notice for the advisor."""
    session = call.session
    target = body.participant
    if target is None or target == call.participant.id:
        if session.lead is not None:
            session.lead = None
            session.broadcast_participants()
        return False
    person = session.participants.get(target)
    if person is None:
        _advise(session, "lead_unknown")
    elif person.state != State.ACTIVE:
        _advise(session, "lead_pending")
    elif not session.can_lead(person):
        # in cluster mode a joiner may be connected to another node than the
        # one that navigates; the lead stays with the advisor then
        reachable = person.connected and session.hub.clustered
        _advise(session, "lead_elsewhere" if reachable else "lead_away")
    elif session.lead != target:
        session.lead = target
        session.broadcast_participants()
    return False


def _advise(session: CoSession, key: str) -> None:
    """A refused ``LEAD``: catalogue id ``notice_<key>``, to the advisor only."""
    body: Notice = {"key": key, "text": DE[f"notice_{key}"], "level": "warning"}
    session.hub.send_to(Role.ADVISOR, Msg.NOTICE, body)


def _not_leading(call: Call, kind: Msg) -> bool:
    """A joiner sent a ``lead`` command without the lead (it was taken back
    while the frame was under way): a click, submit or widget is told so,
    typing and scrolling are dropped."""
    if kind in (Msg.CLICK, Msg.SUBMIT, Msg.TOGGLE):
        text = DE["notice_lead_not_yours"]
        body: Notice = {"key": "lead_not_yours", "text": text, "level": "info"}
        call.session.hub.send_to(call.participant.id, Msg.NOTICE, body)
    return False


def history_go(call: Call, body: HistoryGo) -> bool:
    call.services.navigator.go(call.session, body.step)
    return False


async def end(call: Call, body: End) -> bool:
    await call.services.navigator.cancel(call.session)
    await call.services.store.end(call.session, "advisor")
    return True


def _table(*commands: tuple[Msg, Command[Any]]) -> dict[Msg, Command[Any]]:
    table = dict(commands)
    for kind, command in table.items():
        assert command.body.MSG is kind, kind  # the body type belongs to the message
    return table


COMMANDS: Final = _table(
    (Msg.POINTER_MOVE, Command(ANYONE, PointerMove, pointer_move)),
    (Msg.VIEWPORT, Command(ANYONE, Viewport, viewport, while_pending=True)),
    (Msg.LEAVE, Command(JOINERS, Leave, leave, while_pending=True)),  # the advisor ENDs
    (Msg.EXTEND, Command(ANYONE, Extend, admission.extend)),
    (Msg.NAVIGATE, Command(ADVISOR, Navigate, navigate)),
    (Msg.CLICK, Command(ADVISOR, Click, click, lead=True)),
    (Msg.SUBMIT, Command(ADVISOR, Submit, submit, lead=True)),
    (Msg.HISTORY_GO, Command(ADVISOR, HistoryGo, history_go)),
    (Msg.END, Command(ADVISOR, End, end)),
    (Msg.SCROLL_TO, Command(ADVISOR, ScrollTo, moves.scroll_to, lead=True)),
    (Msg.HOVER_AT, Command(ADVISOR, HoverAt, moves.hover_at)),
    (Msg.PULSE_AT, Command(ADVISOR, PulseAt, moves.pulse_at)),
    (Msg.TOGGLE, Command(ADVISOR, Toggle, moves.toggle, lead=True)),
    (Msg.HIGHLIGHT_SET, Command(ADVISOR, HighlightSet, moves.highlight_set)),
    (Msg.INPUT_SET, Command(ADVISOR, InputSet, moves.input_set, lead=True)),
    (Msg.ADMIT, Command(ADVISOR, Admit, admission.admit)),
    (Msg.DENY, Command(ADVISOR, Deny, admission.deny)),
    (Msg.REMOVE, Command(ADVISOR, Remove, admission.remove)),
    (Msg.LEAD, Command(ADVISOR, Lead, lead)),
    (Msg.NEW_CODE, Command(ADVISOR, NewCode, admission.new_code)),
)


def apply(call: Call, message: ClientMessage) -> Reply:
    """Check and apply one parsed frame (``HELLO`` is the WebSocket's, not a command).

    Returns the handler's reply: True when the sender's connection is done,
    or an awaitable of that (only ``END``).
    """
    kind = message.MSG
    command = COMMANDS.get(kind)
    if command is None:
        raise ProtocolError(f"unexpected {kind.name}")
    me, session = call.participant, call.session
    if me.state != State.ACTIVE and not command.while_pending:
        raise ProtocolError(f"{kind.name} while waiting for admission")
    if me.role not in command.roles:
        if not command.lead:
            raise ProtocolError(f"{kind.name} is not for the {me.role}")
        if not session.leads(me):
            return _not_leading(call, kind)
    if me.role == Role.ADVISOR or session.leads(me):
        session.touch()
    return command.handler(call, message)


async def dispatch(call: Call, message: ClientMessage) -> bool:
    """:func:`apply`, awaited: True when the sender's connection is done."""
    reply = apply(call, message)
    return reply if isinstance(reply, bool) else await reply
