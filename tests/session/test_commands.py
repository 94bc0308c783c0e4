"""The command table: who may send what, checked before any handler runs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cobrowse.errors import ProtocolError
from cobrowse.protocol import CLIENT_TYPES, Msg
from cobrowse.session.commands import ADVISOR, COMMANDS
from cobrowse.session.model import CoSession, Participant, Role, State
from tests.session.helpers import handle

# A well-formed body for every command, so only the sender can be the problem.
BODIES: dict[Msg, dict[str, Any]] = {
    Msg.NAVIGATE: {"url": "https://example.org/"},
    Msg.CLICK: {"node": 1},
    Msg.POINTER_MOVE: {"node": 1, "x": 0.5, "y": 0.5},
    Msg.SUBMIT: {"node": 1, "fields": [["q", "rente"]]},
    Msg.LEAVE: {},
    Msg.END: {},
    Msg.VIEWPORT: {"viewport": [800, 600]},
    Msg.SCROLL_TO: {"page": 1, "node": 1, "offset": 0},
    Msg.HOVER_AT: {"page": 1, "node": 1},
    Msg.INPUT_SET: {"page": 1, "node": 1, "value": "x"},
    Msg.TOGGLE: {"page": 1, "node": 1},
    Msg.HIGHLIGHT_SET: {"page": 1, "node": 1},
    Msg.PULSE_AT: {"page": 1, "node": 1, "x": 0.5, "y": 0.5},
    Msg.HISTORY_GO: {"step": -1},
    Msg.ADMIT: {"participant": "g1", "phrase": None},
    Msg.DENY: {"participant": "g1"},
    Msg.REMOVE: {"participant": "g1"},
    Msg.LEAD: {"participant": "g1"},
    Msg.NEW_CODE: {},
    Msg.EXTEND: {},
}


def session_with(*people: Participant) -> CoSession:
    now = time.time()
    session = CoSession("s1", "berater", "123456", now + 600, now)
    session.participants = {p.id: p for p in (Participant(Role.ADVISOR, Role.ADVISOR), *people)}
    return session


def test_every_command_has_a_sample_body() -> None:
    assert set(BODIES) == set(COMMANDS) == CLIENT_TYPES - {Msg.HELLO}


@pytest.mark.parametrize(
    "kind", sorted(k for k, c in COMMANDS.items() if c.roles == ADVISOR and not c.lead)
)
@pytest.mark.parametrize("role", [Role.CITIZEN, Role.GUEST])
def test_joiners_cannot_send_what_is_the_advisors(kind: Msg, role: Role) -> None:
    joiner = Participant("c1", role)
    session = session_with(joiner)
    with pytest.raises(ProtocolError):
        handle(session, joiner, kind, BODIES[kind])
    assert session.participants.keys() == {"advisor", "c1"} and not session.ended


@pytest.mark.parametrize("kind", sorted(k for k in COMMANDS if k not in (Msg.VIEWPORT, Msg.LEAVE)))
def test_a_pending_joiner_may_only_report_its_viewport_or_leave(kind: Msg) -> None:
    waiting = Participant("c1", Role.CITIZEN, state=State.PENDING, phrase="rot blau")
    session = session_with(waiting)
    with pytest.raises(ProtocolError):
        handle(session, waiting, kind, BODIES[kind])
    handle(session, waiting, Msg.VIEWPORT, BODIES[Msg.VIEWPORT])
    assert waiting.viewport == (800, 600) and waiting.state is State.PENDING


def test_the_advisor_ends_but_does_not_leave() -> None:
    session = session_with()
    with pytest.raises(ProtocolError):
        handle(session, session.participants["advisor"], Msg.LEAVE, {})
    assert "advisor" in session.participants


def test_hello_is_no_command() -> None:
    session = session_with()
    with pytest.raises(ProtocolError):
        handle(session, session.participants["advisor"], Msg.HELLO, {"version": 1})


LEAD_COMMANDS = sorted(k for k, c in COMMANDS.items() if c.lead)


def test_what_a_leading_joiner_may_do() -> None:
    # link clicks, form submits, widgets, typing and scrolling; never the
    # address bar, history, highlights, admissions or the end
    assert LEAD_COMMANDS == [Msg.CLICK, Msg.SUBMIT, Msg.SCROLL_TO, Msg.INPUT_SET, Msg.TOGGLE]
    assert all(COMMANDS[k].roles == ADVISOR for k in LEAD_COMMANDS)


@pytest.mark.parametrize("kind", LEAD_COMMANDS)
@pytest.mark.parametrize("role", [Role.CITIZEN, Role.GUEST])
def test_a_joiner_without_the_lead_is_refused_without_losing_the_connection(
    kind: Msg, role: Role
) -> None:
    joiner, other = Participant("c1", role), Participant("g2", Role.GUEST)
    session = session_with(joiner, other)
    session.lead = "g2"  # someone else leads
    before = session.last_activity
    handle(session, joiner, kind, BODIES[kind])  # no ProtocolError: the lead may just have gone
    assert session.lead == "g2" and session.page is None and session.nav_task is None
    assert session.last_activity == before  # a refused frame keeps nothing alive


def test_lead_names_someone_or_nobody() -> None:
    session = session_with(Participant("c1", Role.CITIZEN))
    advisor = session.participants["advisor"]
    for bad in ({}, {"participant": 7}, {"participant": ""}, {"participant": "x" * 65}):
        with pytest.raises(ProtocolError):
            handle(session, advisor, Msg.LEAD, bad)
    handle(session, advisor, Msg.LEAD, {"participant": None})
    assert session.lead is None


def test_the_lead_needs_a_live_connection_and_goes_back_with_it() -> None:
    citizen = Participant("c1", Role.CITIZEN)
    session = session_with(citizen)
    handle(session, session.participants["advisor"], Msg.LEAD, {"participant": "c1"})
    assert session.lead is None  # no connection to this node: refused (lead_away)
    session.lead = "c1"  # as if it had been handed over, then the list changes
    session.broadcast_participants()
    assert session.lead is None


@pytest.mark.parametrize(
    "kind", sorted(k for k, c in COMMANDS.items() if c.roles == ADVISOR and not c.lead)
)
def test_the_lead_opens_no_other_door(kind: Msg) -> None:
    # the address bar, history, highlight, admissions, codes, the end and LEAD
    # itself stay the advisor's: a leader who sends them is a tampered client
    leader = Participant("c1", Role.CITIZEN)
    session = session_with(leader)
    session.lead = "c1"
    with pytest.raises(ProtocolError):
        handle(session, leader, kind, BODIES[kind])
    assert session.lead == "c1" and session.page is None and not session.ended
