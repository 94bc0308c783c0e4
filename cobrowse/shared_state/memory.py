"""Shared state held by one node in memory: the default without Redis.

Same semantics as the Redis implementation (one contract test suite runs
against both), with a clock that tests may replace. Expired entries are
dropped when touched and by a sweep at most once per second.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from cobrowse.errors import JoinError
from cobrowse.shared_state import (
    ParticipantRecord,
    SessionMeta,
    SharedState,
    StateSettings,
    check_code,
    check_id,
    client_digest,
    token_digest,
)

__all__ = ["MemorySharedState"]


@dataclass(slots=True)
class _Session:
    expires_at: float
    meta: SessionMeta | None = None
    participants: dict[str, ParticipantRecord] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token digest → participant id
    seq: int = 0
    snapshot: tuple[int, bytes] | None = None
    floor: int = 0
    log: dict[int, bytes] = field(default_factory=dict)
    visited: list[dict[str, str]] = field(default_factory=list)
    page: bytes | None = None


class MemorySharedState(SharedState):
    """:class:`SharedState` for a single node."""

    def __init__(
        self, settings: StateSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._codes: dict[str, tuple[str, float]] = {}  # code → (session id, expires at)
        self._tombs: dict[str, float] = {}
        self._fails: dict[str, deque[float]] = {}
        self._all_fails: deque[float] = deque(maxlen=settings.throttle.global_limit)
        self._sessions: dict[str, _Session] = {}
        self._tokens: dict[str, tuple[str, str, float]] = {}  # digest → (sid, pid, expires)
        self._nodes: dict[str, float] = {}  # node id → heartbeat runs out at
        self._logins: dict[str, tuple[bytes, float]] = {}  # digest → (record, expires)
        self._swept = 0.0

    async def close(self) -> None:
        pass

    # -- housekeeping -----------------------------------------------------------

    def _sweep(self) -> None:
        now = self._clock()
        if now - self._swept < 1.0:
            return
        self._swept = now
        for code, (_, until) in list(self._codes.items()):
            if until <= now:
                del self._codes[code]
        for code, until in list(self._tombs.items()):
            if until <= now:
                del self._tombs[code]
        for digest, (*_, until) in list(self._tokens.items()):
            if until <= now:
                del self._tokens[digest]
        for sid, session in list(self._sessions.items()):
            if session.expires_at <= now:
                del self._sessions[sid]

    def _session(self, session_id: str, *, write: bool = False) -> _Session | None:
        check_id(session_id)
        now = self._clock()
        session = self._sessions.get(session_id)
        if session is not None and session.expires_at <= now:
            self._forget(session_id)
            session = None
        if write:
            if session is None:
                session = self._sessions[session_id] = _Session(now)
            session.expires_at = now + self.settings.session_ttl
        return session

    def _forget(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is not None:
            for digest in session.tokens:
                self._tokens.pop(digest, None)

    # -- access codes -------------------------------------------------------------

    async def claim_code(self, code: str, session_id: str, ttl: float) -> bool:
        check_code(code)
        check_id(session_id)
        self._sweep()
        now = self._clock()
        live = self._codes.get(code)
        if live is not None and live[1] > now:
            return False
        if self._tombs.get(code, 0.0) > now:
            return False  # recently used: its late holder must not land in a stranger's session
        self._codes[code] = (session_id, now + ttl)
        self._tombs[code] = now + ttl + self.settings.tombstone_ttl
        return True

    async def lookup_code(self, code: str, keep: float) -> str:
        check_code(code)
        now = self._clock()
        live = self._codes.get(code)
        if live is not None and live[1] > now:
            self._codes[code] = (live[0], now + keep)
            self._tombs[code] = now + keep + self.settings.tombstone_ttl
            return live[0]
        if self._tombs.get(code, 0.0) > now:
            raise JoinError("expired")
        raise JoinError("unknown")

    async def revoke_code(self, code: str, session_id: str) -> None:
        check_code(code)
        live = self._codes.get(code)
        if live is not None and live[0] == session_id:
            del self._codes[code]
            self._tombs[code] = self._clock() + self.settings.tombstone_ttl

    # -- join throttling ------------------------------------------------------------

    @staticmethod
    def _trim(times: deque[float], now: float, window: float) -> None:
        while times and times[0] <= now - window:
            times.popleft()

    async def check_join(self, client: str) -> None:
        limits = self.settings.throttle
        now = self._clock()
        digest = client_digest(self.settings.secret, client)
        times = self._fails.get(digest)
        if times is not None:
            self._trim(times, now, limits.window)
            if not times:
                del self._fails[digest]
            elif len(times) >= limits.per_client:
                raise JoinError("throttled")
        self._trim(self._all_fails, now, limits.overall_window)
        if len(self._all_fails) >= limits.global_limit:
            raise JoinError("throttled")

    async def record_failed_join(self, client: str) -> None:
        now = self._clock()
        digest = client_digest(self.settings.secret, client)
        limit = self.settings.throttle.per_client
        self._fails.setdefault(digest, deque(maxlen=limit)).append(now)
        self._all_fails.append(now)

    # -- sessions ---------------------------------------------------------------------

    async def save_session(self, meta: SessionMeta) -> None:
        session = self._session(meta.session_id, write=True)
        assert session is not None
        session.meta = meta

    async def load_session(self, session_id: str) -> SessionMeta | None:
        session = self._session(session_id)
        return session.meta if session is not None else None

    async def drop_session(self, session_id: str) -> None:
        check_id(session_id)
        self._forget(session_id)

    async def advisor_sessions(self, advisor: str) -> list[SessionMeta]:
        found = [
            session.meta
            for sid in list(self._sessions)
            if (session := self._session(sid)) is not None
            and session.meta is not None
            and session.meta.advisor == advisor
        ]
        return sorted(found, key=lambda meta: meta.created_at, reverse=True)

    # -- participants and tokens ----------------------------------------------------------

    async def put_participant(
        self, session_id: str, participant: ParticipantRecord, *, limit: int | None = None
    ) -> bool:
        check_id(participant.id)
        session = self._session(session_id, write=True)
        assert session is not None
        known = participant.id in session.participants
        if not known and limit is not None and len(session.participants) >= limit:
            return False
        session.participants[participant.id] = participant
        return True

    async def remove_participant(self, session_id: str, participant_id: str) -> None:
        session = self._session(session_id)
        if session is None:
            return
        session.participants.pop(participant_id, None)
        for digest, pid in list(session.tokens.items()):
            if pid == participant_id:
                del session.tokens[digest]
                self._tokens.pop(digest, None)

    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        session = self._session(session_id)
        found = list(session.participants.values()) if session is not None else []
        return sorted(found, key=lambda p: (p.joined_at, p.id))

    async def put_token(self, token: str, session_id: str, participant_id: str) -> None:
        check_id(participant_id)
        session = self._session(session_id, write=True)
        assert session is not None
        digest = token_digest(token)
        session.tokens[digest] = participant_id
        expires = self._clock() + self.settings.session_ttl
        self._tokens[digest] = (session_id, participant_id, expires)

    async def token_owner(self, token: str) -> tuple[str, str] | None:
        found = self._tokens.get(token_digest(token))
        if found is None or found[2] <= self._clock():
            return None
        return found[0], found[1]

    # -- ordered frames -----------------------------------------------------------------------

    async def next_seq(self, session_id: str) -> int:
        session = self._session(session_id, write=True)
        assert session is not None
        session.seq += 1
        return session.seq

    async def current_seq(self, session_id: str) -> int:
        session = self._session(session_id)
        return session.seq if session is not None else 0

    async def ensure_seq(self, session_id: str, at_least: int) -> int:
        session = self._session(session_id, write=True)
        assert session is not None
        session.seq = max(session.seq, at_least)
        return session.seq

    async def record_frame(
        self, session_id: str, seq: int, frame: bytes, *, snapshot: bool = False
    ) -> bool:
        session = self._session(session_id, write=True)
        assert session is not None
        if seq <= session.floor:
            return False
        session.seq = max(session.seq, seq)
        if snapshot:
            session.snapshot = (seq, frame)
            session.log = {s: f for s, f in session.log.items() if s > seq}
            session.floor = seq
            return True
        session.log[seq] = frame
        excess = len(session.log) - self.settings.log_limit
        if excess > 0:
            dropped = sorted(session.log)[:excess]
            for old in dropped:
                del session.log[old]
            session.floor = dropped[-1]
        return True

    async def latest_snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        session = self._session(session_id)
        return session.snapshot if session is not None else None

    async def frames_after(self, session_id: str, seq: int) -> list[bytes] | None:
        session = self._session(session_id)
        if session is None:
            return None if seq > 0 else []
        if seq > session.seq:
            return None
        later = [session.log[s] for s in sorted(session.log) if s > seq]
        if seq >= session.floor:
            return later
        if session.snapshot is not None and session.snapshot[0] == session.floor:
            return [session.snapshot[1], *later]
        return None

    # -- visited pages ---------------------------------------------------------------------------

    async def add_visited(self, session_id: str, url: str, title: str) -> None:
        session = self._session(session_id, write=True)
        assert session is not None
        if session.visited and session.visited[-1]["url"] == url:
            return
        session.visited.append({"url": url, "title": title})
        del session.visited[: -self.settings.visited_limit]

    async def visited(self, session_id: str) -> list[dict[str, str]]:
        session = self._session(session_id)
        return [dict(page) for page in session.visited] if session is not None else []

    # -- ownership, nodes, page records, logins --------------------------------------------

    async def heartbeat(self, node: str, ttl: float) -> None:
        self._nodes[check_id(node)] = self._clock() + ttl

    async def alive(self, nodes: Iterable[str]) -> set[str]:
        now = self._clock()
        return {node for node in nodes if self._nodes.get(node, 0.0) > now}

    async def claim_owner(self, session_id: str, node: str, expected: str) -> bool:
        check_id(node)
        session = self._session(session_id)
        if session is None or session.meta is None or session.meta.owner != expected:
            return False
        session.meta = replace(session.meta, owner=node)
        return True

    async def save_page(self, session_id: str, record: bytes, owner: str) -> bool:
        session = self._session(session_id)
        if session is None or session.meta is None or session.meta.owner != owner:
            return False
        session.page = record
        return True

    async def load_page(self, session_id: str) -> bytes | None:
        session = self._session(session_id)
        return session.page if session is not None else None

    async def save_login(self, token: str, record: bytes, ttl: float) -> None:
        self._logins[token_digest(token)] = (record, self._clock() + ttl)

    async def load_login(self, token: str) -> bytes | None:
        found = self._logins.get(token_digest(token))
        if found is None or found[1] <= self._clock():
            return None
        return found[0]

    async def drop_login(self, token: str) -> None:
        self._logins.pop(token_digest(token), None)
