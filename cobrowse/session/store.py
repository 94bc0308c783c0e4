"""The sessions of this node: who may come in, and how they leave.

The :class:`SessionStore` owns every live :class:`CoSession` of this node,
the access codes that lead to them and the participant tokens that citizens
get after a correct code (the code alone is never a credential on the
WebSocket).
"""

from __future__ import annotations

import secrets
import time
from typing import Protocol

from cobrowse.codes import CodeBook
from cobrowse.config import Config
from cobrowse.errors import JoinError
from cobrowse.i18n_catalogue import DE
from cobrowse.phrases import draw_phrase, phrase_matches
from cobrowse.protocol import Code, Ended, IdleWarning, Msg
from cobrowse.session.model import (
    CLOSE_REMOVED,
    REMOVED_MESSAGES,
    CoSession,
    Participant,
    Role,
    State,
)
from cobrowse.session.visits import ended_body
from cobrowse.tasks import spawn

__all__ = ["SessionStore", "StoreHooks"]


class StoreHooks(Protocol):
    """Told about changes other nodes must see (see :mod:`cobrowse.cluster`)."""

    def changed(self, session: CoSession, event: str, detail: str) -> None:
        """``event``: "code_revoked"/"code_issued" (detail: the code),
        "participant_removed" (the id) or "ended" (the reason). Must not block."""


class SessionStore:
    """Live sessions of this node, their codes and participant tokens."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.codes = CodeBook(config.code_ttl_seconds)
        self.sessions: dict[str, CoSession] = {}
        self._tokens: dict[str, tuple[str, str]] = {}
        self.hooks: StoreHooks | None = None  # set in cluster mode only

    def _changed(self, session: CoSession, event: str, detail: str) -> None:
        if self.hooks is not None:
            self.hooks.changed(session, event, detail)

    def add_token(self, token: str, session_id: str, participant_id: str) -> None:
        """Let ``token`` stand for a participant on this node (cluster mode)."""
        self._tokens[token] = (session_id, participant_id)

    def tokens(self) -> list[tuple[str, str, str]]:
        """(token, session id, participant id) of every token this node issued or adopted."""
        return [(token, sid, pid) for token, (sid, pid) in self._tokens.items()]

    def create(self, advisor: str) -> CoSession:
        """Open a session for ``advisor`` with a fresh code."""
        session_id = secrets.token_urlsafe(16)
        code, ttl = self.codes.issue(session_id)
        now = time.time()
        session = CoSession(
            session_id, advisor, code, now + ttl, now, confirm_mode=self.config.confirm_mode
        )
        session.participants[Role.ADVISOR] = Participant(Role.ADVISOR, Role.ADVISOR)
        self.sessions[session_id] = session
        return session

    def get(self, session_id: str | None) -> CoSession | None:
        session = self.sessions.get(session_id or "")
        return None if session is None or session.ended else session

    def join(self, code: str) -> tuple[CoSession, Participant, str]:
        """Let a person in with a normalized code; returns (session, participant, token).

        The participant is ``pending`` (sees nothing of the session) until the
        advisor confirms the read-back phrase or admits them, as the join
        policy and ``confirm_join`` say. Raises :class:`JoinError`
        (``unknown``, ``expired``, ``full``).
        """
        return self.enter(self.get(self.codes.lookup(code)))

    def enter(self, session: CoSession | None) -> tuple[CoSession, Participant, str]:
        """:meth:`join` once the code led to ``session`` (None: it has ended)."""
        if session is None:
            raise JoinError("expired")
        others = [p for p in session.participants.values() if p.role != Role.ADVISOR]
        policy = self.config.join_policy
        if len(session.participants) >= self.config.max_participants or (
            policy == "single" and others
        ):
            raise JoinError("full")
        first = not others
        phrase = draw_phrase() if self.config.confirm_join else None
        pending = phrase is not None or (policy == "admit" and not first)
        participant = Participant(
            secrets.token_urlsafe(8),
            Role.CITIZEN if first else Role.GUEST,
            state=State.PENDING if pending else State.ACTIVE,
            phrase=phrase,
        )
        session.participants[participant.id] = participant
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (session.id, participant.id)
        session.touch()
        session.broadcast_participants()
        return session, participant, token

    def admit(self, session: CoSession, participant_id: str, heard: str | None) -> str:
        """The advisor confirms a waiting person, typing the phrase they heard
        (``heard``) or — in "button" mode or without confirmation — clicking.

        Returns ``"admitted"``, ``"wrong"`` (attempts remain), ``"removed"``
        (third wrong entry) or ``"unknown"``.
        """
        person = session.participants.get(participant_id)
        if person is None or person.state != State.PENDING:
            return "unknown"
        if person.phrase is not None:
            clicked = heard is None and session.confirm_mode == "button"
            if not clicked and not phrase_matches(person.phrase, heard or ""):
                person.attempts_left -= 1
                if person.attempts_left > 0:
                    session.send_admissions()
                    return "wrong"
                self.remove(session, participant_id, "confirm_failed")
                return "removed"
        person.state = State.ACTIVE
        person.phrase = None
        person.decided.set()
        session.touch()
        session.broadcast_participants()
        return "admitted"

    def remove(self, session: CoSession, participant_id: str, reason: str) -> None:
        """Deny a waiting person, remove a participant, or let one leave
        (``reason``: "denied", "removed", "confirm_failed", "left"). Unless
        they left, the code is revoked so nobody comes back with it; the
        advisor may draw a new one."""
        person = session.participants.get(participant_id)
        if person is None or person.role == Role.ADVISOR:
            return
        self.remove_participant(session, participant_id)
        person.state = State.REMOVED
        person.removed_reason = reason
        person.decided.set()
        conn = session.hub.connections.get(participant_id)
        if conn is not None:
            session.hub.detach(conn)
            spawn(conn.close(CLOSE_REMOVED, REMOVED_MESSAGES.get(reason, "")), "close-removed")
        if reason != "left":
            self.codes.revoke(session.code)
            self._changed(session, "code_revoked", session.code)
            revoked: Code = {"code": None, "expires_at": None}
            session.hub.send_to(Role.ADVISOR, Msg.CODE, revoked)

    def new_code(self, session: CoSession) -> None:
        """Revoke the session's code and draw a new one for the advisor."""
        self.codes.revoke(session.code)
        self._changed(session, "code_revoked", session.code)
        code, ttl = self.codes.issue(session.id)
        session.code = code
        session.code_expires_at = time.time() + ttl
        session.touch()
        self._changed(session, "code_issued", code)
        issued: Code = {"code": code, "expires_at": session.code_expires_at}
        session.hub.send_to(Role.ADVISOR, Msg.CODE, issued)

    def by_token(self, token: str | None) -> tuple[CoSession, Participant] | None:
        """The session and participant a citizen's token stands for, if still valid."""
        found = self._tokens.get(token or "")
        if found is None:
            return None
        session = self.get(found[0])
        participant = session.participants.get(found[1]) if session else None
        if session is None or participant is None:
            self._tokens.pop(token or "", None)
            return None
        return session, participant

    def remove_participant(self, session: CoSession, participant_id: str) -> None:
        session.participants.pop(participant_id, None)
        for token, (sid, pid) in list(self._tokens.items()):
            if sid == session.id and pid == participant_id:
                del self._tokens[token]
        self._changed(session, "participant_removed", participant_id)
        session.broadcast_participants()

    def ended_body(self, session: CoSession, reason: str) -> Ended:
        """``ENDED`` for ``session``: the reason and the list of visited pages."""
        return ended_body(
            self.config, reason, session.visited, session.advisor, session.created_at, time.time()
        )

    async def end(self, session: CoSession, reason: str) -> None:
        """End a session for everyone: send the visited pages, close, forget."""
        if session.ended:
            return
        session.ended = True
        session.end_reason = reason
        session.hub.broadcast(Msg.ENDED, self.ended_body(session, reason))
        for person in session.participants.values():
            person.decided.set()  # whoever still waits for admission is let go (and closed)
        self.codes.revoke(session.code)
        for token, (sid, _) in list(self._tokens.items()):
            if sid == session.id:
                del self._tokens[token]
        self.sessions.pop(session.id, None)
        self._changed(session, "ended", reason)
        await session.hub.close_all(4000, DE["close_ended"])

    async def sweep(self) -> None:
        """End sessions past their maximum age or idle too long (after a
        warning the citizen can answer); drop expired codes."""
        self.codes.sweep()
        limit = time.time() - self.config.session_max_seconds
        now = time.monotonic()
        timeout, warning = self.config.idle_timeout_seconds, self.config.idle_warning_seconds
        for session in list(self.sessions.values()):
            if not session.hub.owned:  # another node's session: its owner keeps time
                if session.created_at < limit:
                    await self.end(session, "timeout")
                continue
            idle = now - session.last_activity
            if session.created_at < limit or idle >= timeout:
                await self.end(session, "timeout")
            elif idle >= timeout - warning and not session.idle_warned:
                session.idle_warned = True
                remaining = max(1, round(timeout - idle))
                warning_body: IdleWarning = {"seconds": remaining}
                session.hub.broadcast(Msg.IDLE_WARNING, warning_body)
