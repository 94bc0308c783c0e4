"""Who may be in a session: admitting, denying, removing, new codes, staying alive.

Handlers of :data:`cobrowse.session.commands.COMMANDS`: only the advisor may
admit, deny, remove or draw a code; anyone active may ``EXTEND`` an idle
session. The state changes themselves are :class:`~cobrowse.session.store.SessionStore`'s;
here they are answered with notices for the advisor.
"""

from __future__ import annotations

from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import Admit, Deny, Extend, Msg, NewCode, Notice, Remove
from cobrowse.session.call import Call
from cobrowse.session.model import CoSession, Role

__all__ = ["admit", "deny", "extend", "new_code", "remove"]


def extend(call: Call, body: Extend) -> bool:
    call.session.touch()
    call.session.notice("extended", DE["notice_extended"])
    return False


def new_code(call: Call, body: NewCode) -> bool:
    call.services.store.new_code(call.session)
    return False


def admit(call: Call, body: Admit) -> bool:
    session = call.session
    outcome = call.services.store.admit(session, body.participant, body.phrase)
    person = session.participants.get(body.participant)
    if outcome == "wrong" and person is not None:
        _advise(session, "confirm_wrong", "warning", n=str(person.attempts_left))
    elif outcome == "removed":
        _advise(session, "confirm_failed", "error")
    return False


def deny(call: Call, body: Deny) -> bool:
    call.services.store.remove(call.session, body.participant, "denied")
    _advise(call.session, "denied", "info")
    return False


def remove(call: Call, body: Remove) -> bool:
    call.services.store.remove(call.session, body.participant, "removed")
    _advise(call.session, "removed", "info")
    return False


def _advise(session: CoSession, key: str, level: str, **params: str) -> None:
    """A notice for the advisor only (joiners must not learn about each other):
    German text of catalogue id ``notice_<key>`` plus ``key`` and ``params``."""
    text = DE[f"notice_{key}"].format(**params)
    body: Notice = {"key": key, "text": text, "level": level, "params": params}
    session.hub.send_to(Role.ADVISOR, Msg.NOTICE, body)
