"""Co-browsing sessions: who is in, what page they see, where they have been.

The :class:`SessionStore` owns every live :class:`CoSession` of this node,
the access codes that lead to them and the participant tokens that citizens
get after a correct code (the code alone is never a credential on the
WebSocket).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cobrowse.codes import CodeBook
from cobrowse.config import Config
from cobrowse.errors import JoinError
from cobrowse.hub import SessionHub
from cobrowse.i18n_catalogue import DE
from cobrowse.phrases import draw_phrase, phrase_matches
from cobrowse.pipeline import Page
from cobrowse.protocol import Msg

if TYPE_CHECKING:
    from cobrowse.session.publish import PageState

__all__ = ["CoSession", "Participant", "SessionStore"]

CLOSE_REMOVED = 4010
# German texts from the catalogue (ids ``removed_<reason>``, ``role_<role>``).
REMOVED_MESSAGES = {
    reason: DE[f"removed_{reason}"] for reason in ("denied", "removed", "confirm_failed", "left")
}
MAX_HISTORY = 100
ROLE_LABELS = {role: DE[f"role_{role}"] for role in ("advisor", "citizen", "guest")}


CONFIRM_ATTEMPTS = 3


@dataclass(slots=True)
class Participant:
    """A person in a session. A joiner is ``pending`` until the advisor confirms
    the read-back phrase or admits them; only ``active`` participants receive
    anything of the session (see :mod:`cobrowse.ws`)."""

    id: str
    role: str  # "advisor", "citizen" (first joiner) or "guest"
    viewport: tuple[int, int] | None = None
    state: str = "active"  # "pending" or "active"
    phrase: str | None = None  # the read-back phrase while pending with confirmation
    attempts_left: int = CONFIRM_ATTEMPTS
    removed_reason: str = ""  # why a removed person is out (a key of REMOVED_MESSAGES)
    decided: asyncio.Event = field(default_factory=asyncio.Event)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "label": ROLE_LABELS[self.role],
            "state": self.state,
            "viewport": list(self.viewport) if self.viewport else None,
        }


@dataclass(slots=True)
class CoSession:
    """One advisor's co-browsing session and everything the relay knows about it."""

    id: str
    advisor: str
    code: str
    code_expires_at: float
    created_at: float
    confirm_mode: str = "type"
    hub: SessionHub = field(default_factory=SessionHub)
    participants: dict[str, Participant] = field(default_factory=dict)
    page: Page | None = None
    page_no: int = 0
    visited: list[dict[str, str]] = field(default_factory=list)
    ended: bool = False
    nav_task: asyncio.Task[None] | None = None
    last_activity: float = field(default_factory=time.monotonic)
    idle_warned: bool = False
    # Pages the advisor can go back/forward to; ``history_at`` is the current one.
    history: list[str] = field(default_factory=list)
    history_at: int = -1
    interaction: PageState | None = None  # see cobrowse.session.publish

    def record_history(self, url: str, at: int | None) -> None:
        """The page ``url`` is shown: entry ``at`` (back/forward/reload), or a new
        entry after the current one (dropping what was ahead of it)."""
        if at is not None and 0 <= at < len(self.history):
            self.history[at] = url  # a redirect may have changed it
            self.history_at = at
            return
        del self.history[self.history_at + 1 :]
        if not self.history or self.history[-1] != url:
            self.history.append(url)
        del self.history[:-MAX_HISTORY]
        self.history_at = len(self.history) - 1

    def touch(self) -> None:
        """Something happened: the idle timeout starts again."""
        self.last_activity = time.monotonic()
        self.idle_warned = False

    def broadcast_participants(self) -> None:
        """Tell everyone who is here (pending joiners included, without phrases)."""
        body = {"participants": [p.describe() for p in self.participants.values()]}
        self.hub.broadcast(Msg.PARTICIPANTS, body)
        self.send_admissions()

    def send_admissions(self) -> None:
        """Tell the advisor (only) who waits, with the phrase in "button" mode."""
        waiting = [
            {
                "id": p.id,
                "role": p.role,
                "label": ROLE_LABELS[p.role],
                "phrase": p.phrase if self.confirm_mode == "button" else None,
                "confirm": p.phrase is not None,
                "attempts_left": p.attempts_left,
            }
            for p in self.participants.values()
            if p.state == "pending"
        ]
        self.hub.send_to("advisor", Msg.ADMISSIONS, {"waiting": waiting, "mode": self.confirm_mode})

    def notice(
        self, key: str, text: str, level: str = "info", params: dict[str, str] | None = None
    ) -> None:
        """Tell everyone: German ``text``; clients show catalogue id ``notice_<key>``
        filled with ``params`` in their own language when they have it."""
        body: dict[str, Any] = {"key": key, "text": text, "level": level}
        if params:
            body["params"] = params
        self.hub.broadcast(Msg.NOTICE, body)


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
        session.participants["advisor"] = Participant("advisor", "advisor")
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
        others = [p for p in session.participants.values() if p.role != "advisor"]
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
            "citizen" if first else "guest",
            state="pending" if pending else "active",
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
        if person is None or person.state != "pending":
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
        person.state = "active"
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
        if person is None or person.role == "advisor":
            return
        self.remove_participant(session, participant_id)
        person.state = "removed"
        person.removed_reason = reason
        person.decided.set()
        conn = session.hub.connections.get(participant_id)
        if conn is not None:
            session.hub.detach(conn)
            session.hub.spawn(conn.close(CLOSE_REMOVED, REMOVED_MESSAGES.get(reason, "")))
        if reason != "left":
            self.codes.revoke(session.code)
            self._changed(session, "code_revoked", session.code)
            session.hub.send_to("advisor", Msg.CODE, {"code": None, "expires_at": None})

    def new_code(self, session: CoSession) -> None:
        """Revoke the session's code and draw a new one for the advisor."""
        self.codes.revoke(session.code)
        self._changed(session, "code_revoked", session.code)
        code, ttl = self.codes.issue(session.id)
        session.code = code
        session.code_expires_at = time.time() + ttl
        session.touch()
        self._changed(session, "code_issued", code)
        session.hub.send_to(
            "advisor", Msg.CODE, {"code": code, "expires_at": session.code_expires_at}
        )

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

    async def end(self, session: CoSession, reason: str) -> None:
        """End a session for everyone: send the visited pages, close, forget."""
        if session.ended:
            return
        session.ended = True
        session.hub.broadcast(Msg.ENDED, {"reason": reason, "visited": session.visited})
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
                session.hub.broadcast(Msg.IDLE_WARNING, {"seconds": remaining})
