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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from cobrowse.errors import ProtocolError
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
    Leave,
    Msg,
    Navigate,
    NewCode,
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
from cobrowse.session.model import Role, State

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
    call.services.navigator.click(call.session, body.node)
    return False


def submit(call: Call, body: Submit) -> bool:
    call.services.navigator.submit(call.session, body.node, list(body.fields), body.submitter)
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
    (Msg.CLICK, Command(ADVISOR, Click, click)),
    (Msg.SUBMIT, Command(ADVISOR, Submit, submit)),
    (Msg.HISTORY_GO, Command(ADVISOR, HistoryGo, history_go)),
    (Msg.END, Command(ADVISOR, End, end)),
    (Msg.SCROLL_TO, Command(ADVISOR, ScrollTo, moves.scroll_to)),
    (Msg.HOVER_AT, Command(ADVISOR, HoverAt, moves.hover_at)),
    (Msg.PULSE_AT, Command(ADVISOR, PulseAt, moves.pulse_at)),
    (Msg.TOGGLE, Command(ADVISOR, Toggle, moves.toggle)),
    (Msg.HIGHLIGHT_SET, Command(ADVISOR, HighlightSet, moves.highlight_set)),
    (Msg.INPUT_SET, Command(ADVISOR, InputSet, moves.input_set)),
    (Msg.ADMIT, Command(ADVISOR, Admit, admission.admit)),
    (Msg.DENY, Command(ADVISOR, Deny, admission.deny)),
    (Msg.REMOVE, Command(ADVISOR, Remove, admission.remove)),
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
    me = call.participant
    if me.state != State.ACTIVE and not command.while_pending:
        raise ProtocolError(f"{kind.name} while waiting for admission")
    if me.role not in command.roles:
        raise ProtocolError(f"{kind.name} is not for the {me.role}")
    if me.role == Role.ADVISOR:
        call.session.touch()
    return command.handler(call, message)


async def dispatch(call: Call, message: ClientMessage) -> bool:
    """:func:`apply`, awaited: True when the sender's connection is done."""
    reply = apply(call, message)
    return reply if isinstance(reply, bool) else await reply
