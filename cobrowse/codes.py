"""Access codes (Zugangscodes) and the throttle on failed joins and logins.

A code is six digits from a CSPRNG, unique among live codes, leading zeros
allowed. It expires when nobody joined within the TTL; once somebody joined
it stays valid while its session is open (further persons may follow). An
expired code is remembered for a while so the citizen gets the right message.
Codes are never logged.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from cobrowse.errors import JoinError

__all__ = ["CodeBook", "FailureThrottle", "normalize_code"]

_TOMBSTONE_SECONDS = 3600
_CODE_RE = re.compile(r"[0-9]{6}")


def normalize_code(text: str) -> str:
    """Strip the spaces, dashes and dots people type or paste (``123 456``).

    Raises ``JoinError("malformed")`` unless six digits remain.
    """
    digits = re.sub(r"[\s\-./]", "", text)
    if not _CODE_RE.fullmatch(digits):
        raise JoinError("malformed")
    return digits


@dataclass(slots=True)
class _Entry:
    session_id: str
    expires_at: float  # only while nobody joined
    joined: bool = False


class CodeBook:
    """Live codes of this node, mapping code → co-browsing session id."""

    def __init__(self, ttl_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._live: dict[str, _Entry] = {}
        self._expired: dict[str, float] = {}
        self._swept_at = float("-inf")

    def issue(self, session_id: str) -> tuple[str, float]:
        """Draw a fresh code for ``session_id``; returns (code, seconds until expiry)."""
        self.sweep()
        if len(self._live) > 500_000:
            raise RuntimeError("code space exhausted")
        while True:
            code = f"{secrets.randbelow(1_000_000):06d}"
            # nor a recently expired one: its late holder must not land in a stranger's session
            if code not in self._live and code not in self._expired:
                break
        self._live[code] = _Entry(session_id, self._clock() + self.ttl)
        return code, float(self.ttl)

    def lookup(self, code: str) -> str:
        """Session id for a normalized code, marking it as joined.

        Raises ``JoinError("expired")`` or ``JoinError("unknown")``.
        """
        self.sweep()
        entry = self._live.get(code)
        if entry is not None and not entry.joined and entry.expires_at <= self._clock():
            self.revoke(code)
            entry = None
        if entry is None:
            raise JoinError("expired" if code in self._expired else "unknown")
        entry.joined = True
        return entry.session_id

    def revoke(self, code: str) -> None:
        """Forget a code (its session ended or the advisor drew a new one)."""
        if self._live.pop(code, None) is not None:
            self._expired[code] = self._clock() + _TOMBSTONE_SECONDS

    def sweep(self) -> None:
        """Forget expired codes and old tombstones (at most once a second:
        lookups check expiry themselves, this only frees memory)."""
        now = self._clock()
        if now - self._swept_at < 1.0:
            return
        self._swept_at = now
        for code, entry in list(self._live.items()):
            if not entry.joined and entry.expires_at <= now:
                del self._live[code]
                self._expired[code] = now + _TOMBSTONE_SECONDS
        for code, until in list(self._expired.items()):
            if until <= now:
                del self._expired[code]

    def __len__(self) -> int:
        return len(self._live)


class FailureThrottle:
    """Sliding-window limit on failed attempts, per client and for the whole node:
    joins with a code (``JOIN_THROTTLE``) and advisor logins (:class:`AdvisorAuth`).

    ``client`` is an opaque key (the peer address); it is held in memory only
    for the window and never logged.
    """

    def __init__(
        self,
        per_client: int,
        global_limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.monotonic,
        global_window_seconds: int | None = None,
    ) -> None:
        self.per_client = per_client
        self.global_limit = global_limit
        self.window = window_seconds
        self.global_window = global_window_seconds or window_seconds
        self._clock = clock
        self._by_client: dict[str, deque[float]] = {}
        self._global: deque[float] = deque()

    @staticmethod
    def _trim(times: deque[float], now: float, window: float) -> None:
        while times and times[0] <= now - window:
            times.popleft()

    def check(self, client: str) -> None:
        """Raise ``JoinError("throttled")`` when this client or the node is over its limit."""
        now = self._clock()
        self._trim(self._global, now, self.global_window)
        times = self._by_client.get(client)
        if times is not None:
            self._trim(times, now, self.window)
            if not times:
                del self._by_client[client]
            elif len(times) >= self.per_client:
                raise JoinError("throttled")
        if len(self._global) >= self.global_limit:
            raise JoinError("throttled")

    def failed(self, client: str) -> None:
        """Record one failed attempt."""
        now = self._clock()
        self._global.append(now)
        self._by_client.setdefault(client, deque()).append(now)
