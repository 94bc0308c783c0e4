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
from typing import Any

from cobrowse.codes import CodeBook
from cobrowse.config import Config
from cobrowse.errors import JoinError
from cobrowse.hub import SessionHub
from cobrowse.pipeline import Page
from cobrowse.protocol import Msg

__all__ = ["CoSession", "Participant", "SessionStore"]

ROLE_LABELS = {"advisor": "Berater/in", "citizen": "Bürger/in", "guest": "Gast"}


@dataclass(slots=True)
class Participant:
    id: str
    role: str  # "advisor", "citizen" (first joiner) or "guest"
    viewport: tuple[int, int] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "label": ROLE_LABELS[self.role],
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
    hub: SessionHub = field(default_factory=SessionHub)
    participants: dict[str, Participant] = field(default_factory=dict)
    page: Page | None = None
    page_no: int = 0
    visited: list[dict[str, str]] = field(default_factory=list)
    ended: bool = False
    nav_task: asyncio.Task[None] | None = None

    def broadcast_participants(self) -> None:
        body = {"participants": [p.describe() for p in self.participants.values()]}
        self.hub.broadcast(Msg.PARTICIPANTS, body)

    def notice(self, key: str, text: str, level: str = "info") -> None:
        self.hub.broadcast(Msg.NOTICE, {"key": key, "text": text, "level": level})


class SessionStore:
    """Live sessions of this node, their codes and participant tokens."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.codes = CodeBook(config.code_ttl_seconds)
        self.sessions: dict[str, CoSession] = {}
        self._tokens: dict[str, tuple[str, str]] = {}

    def create(self, advisor: str) -> CoSession:
        """Open a session for ``advisor`` with a fresh code."""
        session_id = secrets.token_urlsafe(16)
        code, ttl = self.codes.issue(session_id)
        now = time.time()
        session = CoSession(session_id, advisor, code, now + ttl, now)
        session.participants["advisor"] = Participant("advisor", "advisor")
        self.sessions[session_id] = session
        return session

    def get(self, session_id: str | None) -> CoSession | None:
        session = self.sessions.get(session_id or "")
        return None if session is None or session.ended else session

    def join(self, code: str) -> tuple[CoSession, Participant, str]:
        """Admit a person with a normalized code; returns (session, participant, token).

        Raises :class:`JoinError` (``unknown``, ``expired``, ``full``).
        """
        session = self.get(self.codes.lookup(code))
        if session is None:
            raise JoinError("expired")
        if len(session.participants) >= self.config.max_participants:
            raise JoinError("full")
        role = (
            "guest"
            if any(p.role == "citizen" for p in session.participants.values())
            else "citizen"
        )
        participant = Participant(secrets.token_urlsafe(8), role)
        session.participants[participant.id] = participant
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (session.id, participant.id)
        session.broadcast_participants()
        return session, participant, token

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
        session.broadcast_participants()

    async def end(self, session: CoSession, reason: str) -> None:
        """End a session for everyone: send the visited pages, close, forget."""
        if session.ended:
            return
        session.ended = True
        session.hub.broadcast(Msg.ENDED, {"reason": reason, "visited": session.visited})
        self.codes.revoke(session.code)
        for token, (sid, _) in list(self._tokens.items()):
            if sid == session.id:
                del self._tokens[token]
        self.sessions.pop(session.id, None)
        await session.hub.close_all(4000, "Die Sitzung ist beendet.")

    async def sweep(self) -> None:
        """End sessions past their maximum age; drop expired codes."""
        self.codes.sweep()
        limit = time.time() - self.config.session_max_seconds
        for session in [s for s in self.sessions.values() if s.created_at < limit]:
            await self.end(session, "timeout")
