"""State every relay node must see the same: codes, throttles, sessions, frames.

:class:`SharedState` is the typed async contract; :class:`MemorySharedState`
(one node, the default) and :class:`~cobrowse.shared_state.redis.RedisSharedState`
(many nodes) implement it with the same semantics, and one contract test
suite runs against both. Everything has a TTL, so a node that dies leaves
nothing behind for longer than ``session_ttl``.

What lives here (per co-browsing session unless noted):

* live access codes (global, ``SET NX`` — unique across nodes) and tombstones
  of expired/revoked ones, so a citizen hears "abgelaufen" instead of "unbekannt";
* failed-join counters (global, sliding window per client and overall);
* session metadata (and which sessions each advisor runs), participants,
  participant tokens (stored as SHA-256 digests — a dump of the store holds
  no usable credential);
* the sequence counter (``INCR``), the latest snapshot frame, and a bounded
  log of the ordered frames after it, for late joiners and resume-from-seq;
* the visited pages;
* which node owns a session (compare-and-set, for the hand-over), node
  heartbeats, the owner's page record (what a new owner needs beyond the
  frames: links, forms, history) and advisor logins (digest → record).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from cobrowse.errors import JoinError

__all__ = [
    "ParticipantRecord",
    "SessionMeta",
    "SharedState",
    "StateSettings",
    "ThrottleLimits",
    "create_shared_state",
]

_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CODE_RE = re.compile(r"[0-9]{6}")
CODE_DRAWS = 50  # random draws before issue_code gives up (the code space is nearly full)


@dataclass(frozen=True, slots=True)
class SessionMeta:
    """What any node needs to serve a session it did not create."""

    session_id: str
    advisor: str  # the advisor's login name
    code: str
    created_at: float  # wall clock (time.time())
    code_expires_at: float  # wall clock
    owner: str = ""  # node id that produces the session's ordered frames


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    """One participant as every node sees it."""

    id: str
    role: str  # "advisor", "citizen", "guest"
    node: str = ""  # node id the participant is connected to ("" = not connected)
    viewport: tuple[int, int] | None = None
    state: str = "active"  # for the join policy ("pending", "active", "removed")
    joined_at: float = 0.0  # wall clock; participants() is ordered by it
    phrase: str | None = None  # read-back phrase while pending with confirmation
    attempts_left: int = 3
    removed_reason: str = ""


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """Failed joins allowed per client within ``window`` seconds and overall
    within ``global_window`` seconds (the same as ``window`` when unset)."""

    per_client: int = 10
    global_limit: int = 1000
    window: float = 60.0
    global_window: float | None = None

    @property
    def overall_window(self) -> float:
        return self.window if self.global_window is None else self.global_window


@dataclass(frozen=True, slots=True)
class StateSettings:
    """Lifetimes and bounds. ``secret`` keys the client hashes (same on every node)."""

    secret: bytes = field(repr=False)
    session_ttl: float = 4 * 3600 + 600  # idle lifetime of a session's keys
    tombstone_ttl: float = 3600.0  # how long an expired code is remembered
    log_limit: int = 512  # ordered frames kept after the latest snapshot
    visited_limit: int = 200
    throttle: ThrottleLimits = field(default_factory=ThrottleLimits)


def check_id(value: str) -> str:
    """Session and participant ids are URL-safe tokens (they become key names)."""
    if not _ID_RE.fullmatch(value):
        raise ValueError("not a session or participant id")
    return value


def check_code(code: str) -> str:
    if not _CODE_RE.fullmatch(code):
        raise JoinError("malformed")
    return code


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_digest(secret: bytes, client: str) -> str:
    """Keyed hash of a client key (an IP address): what is stored is not the address."""
    return hmac.new(secret, client.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class SharedState(ABC):
    """The shared-state contract. All methods are coroutines; ids must pass :func:`check_id`."""

    settings: StateSettings

    # -- access codes (global) ---------------------------------------------

    @abstractmethod
    async def claim_code(self, code: str, session_id: str, ttl: float) -> bool:
        """Take ``code`` for ``session_id`` if no node holds it (``SET NX``); True if taken."""

    async def issue_code(self, session_id: str, ttl: float) -> str:
        """Draw a random six-digit code unique among the live codes of all nodes.

        Raises ``RuntimeError`` when no free code was found in :data:`CODE_DRAWS` draws.
        """
        for _ in range(CODE_DRAWS):
            code = f"{secrets.randbelow(1_000_000):06d}"
            if await self.claim_code(code, session_id, ttl):
                return code
        raise RuntimeError("code space exhausted")

    @abstractmethod
    async def lookup_code(self, code: str, keep: float) -> str:
        """The session id of a live code; it then stays valid for ``keep`` seconds.

        Raises ``JoinError("expired")`` for a code that lapsed or was revoked
        within ``tombstone_ttl``, ``JoinError("unknown")`` otherwise.
        """

    @abstractmethod
    async def revoke_code(self, code: str, session_id: str) -> None:
        """Retire ``code`` if it still belongs to ``session_id`` (leaves a tombstone)."""

    # -- join throttling (global) --------------------------------------------

    @abstractmethod
    async def check_join(self, client: str) -> None:
        """Raise ``JoinError("throttled")`` if ``client`` or everybody failed too often."""

    @abstractmethod
    async def record_failed_join(self, client: str) -> None:
        """Count one failed join of ``client`` (stored as a keyed hash, never the key)."""

    # -- sessions -------------------------------------------------------------

    @abstractmethod
    async def save_session(self, meta: SessionMeta) -> None:
        """Create or replace a session's metadata."""

    @abstractmethod
    async def load_session(self, session_id: str) -> SessionMeta | None:
        """The metadata, or None when the session ended or expired."""

    @abstractmethod
    async def drop_session(self, session_id: str) -> None:
        """Forget everything of a session: metadata, participants, tokens, frames, pages."""

    @abstractmethod
    async def advisor_sessions(self, advisor: str) -> list[SessionMeta]:
        """The metadata of every running session of ``advisor`` (login name), whichever
        node owns it, newest first: the advisor's next login anywhere may resume one."""

    # -- participants and their tokens ---------------------------------------

    @abstractmethod
    async def put_participant(
        self, session_id: str, participant: ParticipantRecord, *, limit: int | None = None
    ) -> bool:
        """Add or replace a participant; a new one only while fewer than ``limit`` are in.

        Atomic across nodes: returns False (nothing stored) when the session is full.
        """

    @abstractmethod
    async def remove_participant(self, session_id: str, participant_id: str) -> None:
        """Remove a participant and revoke every token issued to it."""

    @abstractmethod
    async def participants(self, session_id: str) -> list[ParticipantRecord]:
        """All participants, in order of ``joined_at``."""

    async def issue_token(self, session_id: str, participant_id: str) -> str:
        """A new secret token that stands for this participant on every node."""
        token = secrets.token_urlsafe(32)
        await self.put_token(token, session_id, participant_id)
        return token

    @abstractmethod
    async def put_token(self, token: str, session_id: str, participant_id: str) -> None:
        """Let ``token`` stand for the participant (only its digest is kept).

        For re-seeding after Redis lost its data: a node knows the tokens of
        the participants connected to it (their cookies).
        """

    @abstractmethod
    async def token_owner(self, token: str) -> tuple[str, str] | None:
        """(session id, participant id) of a valid token, else None."""

    # -- ordered frames ---------------------------------------------------------

    @abstractmethod
    async def next_seq(self, session_id: str) -> int:
        """The next sequence number of the session (``INCR``, starts at 1)."""

    @abstractmethod
    async def current_seq(self, session_id: str) -> int:
        """The last sequence number handed out (0 when none)."""

    @abstractmethod
    async def ensure_seq(self, session_id: str, at_least: int) -> int:
        """Raise the counter to ``at_least`` if it is lower (re-seeding after a Redis loss)."""

    @abstractmethod
    async def record_frame(
        self, session_id: str, seq: int, frame: bytes, *, snapshot: bool = False
    ) -> bool:
        """Keep an ordered frame for resume. A snapshot replaces the log before it.

        Frames at or below the log's floor (older than the latest snapshot)
        are ignored (returns False). Beyond ``log_limit`` frames the oldest
        are dropped and the floor rises. The sequence counter rises to ``seq``.
        """

    @abstractmethod
    async def latest_snapshot(self, session_id: str) -> tuple[int, bytes] | None:
        """(seq, frame) of the latest snapshot, if any."""

    async def current_frames(self, session_id: str) -> list[bytes]:
        """The current page from scratch: the latest snapshot and the log after it.

        ``[]`` without a snapshot. Like ``SessionHub.current_frames``; when the
        log overflowed (``frames_after(sid, 0) is None``) it lacks early changes.
        """
        snapshot = await self.latest_snapshot(session_id)
        if snapshot is None:
            return []
        later = await self.frames_after(session_id, snapshot[0])
        return [snapshot[1], *(later or [])]

    @abstractmethod
    async def frames_after(self, session_id: str, seq: int) -> list[bytes] | None:
        """Frames that bring a client holding everything up to ``seq`` up to date.

        ``[]`` when it is current; the frames after ``seq`` when the log still
        has them; the latest snapshot plus the frames after it when ``seq`` is
        older than that snapshot; None when neither is possible (``seq`` is
        unknown, or the log overflowed) — then send a fresh snapshot.
        """

    # -- visited pages -----------------------------------------------------------

    @abstractmethod
    async def add_visited(self, session_id: str, url: str, title: str) -> None:
        """Append a page unless it equals the last one (bounded by ``visited_limit``)."""

    @abstractmethod
    async def visited(self, session_id: str) -> list[dict[str, str]]:
        """The visited pages, oldest first: ``[{"url", "title"}]``."""

    # -- ownership, nodes, page records, logins ------------------------------------

    @abstractmethod
    async def heartbeat(self, node: str, ttl: float) -> None:
        """Node ``node`` is alive for the next ``ttl`` seconds."""

    @abstractmethod
    async def alive(self, nodes: Iterable[str]) -> set[str]:
        """Those of ``nodes`` whose last heartbeat has not run out."""

    @abstractmethod
    async def claim_owner(self, session_id: str, node: str, expected: str) -> bool:
        """Make ``node`` the session's owner if its owner is still ``expected``
        (compare and set: of several nodes taking over, one wins). False when
        the session is gone or another node changed the owner first."""

    @abstractmethod
    async def save_page(self, session_id: str, record: bytes, owner: str) -> bool:
        """Keep the owner's page record (opaque bytes, see :mod:`cobrowse.cluster.handover`)
        if ``owner`` still owns the session (a former owner's late write is dropped)."""

    @abstractmethod
    async def load_page(self, session_id: str) -> bytes | None:
        """The last saved page record, if any."""

    @abstractmethod
    async def save_login(self, token: str, record: bytes, ttl: float) -> None:
        """Let an advisor's login cookie ``token`` work on every node (digest kept only)."""

    @abstractmethod
    async def load_login(self, token: str) -> bytes | None:
        """The record saved for a login token that has not run out, else None."""

    @abstractmethod
    async def drop_login(self, token: str) -> None:
        """Log out everywhere."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections (nothing to do in memory)."""


def create_shared_state(url: str | None, settings: StateSettings) -> SharedState:
    """:class:`RedisSharedState` for a Redis URL, else :class:`MemorySharedState`."""
    if not url:
        from cobrowse.shared_state.memory import MemorySharedState

        return MemorySharedState(settings)
    from cobrowse.shared_state.redis import RedisSharedState

    return RedisSharedState.from_url(url, settings)
