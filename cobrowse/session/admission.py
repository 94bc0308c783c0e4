"""Session control frames: admission, removal, new codes, keeping a session alive.

Called by :mod:`cobrowse.ws` for the types in :data:`CONTROL_TYPES`. Only the
advisor may admit, deny, remove or draw a code; anyone active may ``EXTEND``
an idle session. Also the per-connection frame budget against floods.
"""

from __future__ import annotations

import time
from typing import Any

from cobrowse.errors import ProtocolError
from cobrowse.i18n_catalogue import DE
from cobrowse.protocol import Msg
from cobrowse.session.store import CoSession, Participant, SessionStore

__all__ = ["CONTROL_TYPES", "FrameBudget", "control"]

CONTROL_TYPES = frozenset({Msg.ADMIT, Msg.DENY, Msg.REMOVE, Msg.NEW_CODE, Msg.EXTEND})


class FrameBudget:
    """Token bucket for inbound frames of one connection: ``rate`` per second
    sustained, bursts up to ``burst``. A pointer at 30 Hz stays well inside."""

    def __init__(self, rate: float = 100.0, burst: float = 200.0) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


def _target(body: dict[str, Any]) -> str:
    value = body.get("participant")
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise ProtocolError("participant is not an id")
    return value


def control(
    store: SessionStore,
    session: CoSession,
    participant: Participant,
    kind: Msg,
    body: dict[str, Any],
) -> bool:
    """Apply one control frame; returns True when the sender's connection is done."""
    if kind is Msg.EXTEND:
        session.touch()
        session.notice("extended", DE["notice_extended"])
        return False
    if participant.role != "advisor":
        raise ProtocolError(f"{kind.name} is for the advisor only")
    if kind is Msg.NEW_CODE:
        store.new_code(session)
    elif kind is Msg.ADMIT:
        heard = body.get("phrase")
        if heard is not None and (not isinstance(heard, str) or len(heard) > 200):
            raise ProtocolError("phrase is not a string")
        target = _target(body)
        outcome = store.admit(session, target, heard)
        person = session.participants.get(target)
        if outcome == "wrong" and person is not None:
            _advise(session, "confirm_wrong", "warning", n=str(person.attempts_left))
        elif outcome == "removed":
            _advise(session, "confirm_failed", "error")
    elif kind is Msg.DENY:
        store.remove(session, _target(body), "denied")
        _advise(session, "denied", "info")
    elif kind is Msg.REMOVE:
        store.remove(session, _target(body), "removed")
        _advise(session, "removed", "info")
    return False


def _advise(session: CoSession, key: str, level: str, **params: str) -> None:
    """A notice for the advisor only (joiners must not learn about each other):
    German text of catalogue id ``notice_<key>`` plus ``key`` and ``params``."""
    text = DE[f"notice_{key}"].format(**params)
    body = {"key": key, "text": text, "level": level, "params": params}
    session.hub.send_to("advisor", Msg.NOTICE, body)
