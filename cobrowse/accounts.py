"""Advisor accounts: password check, login sessions, CSRF tokens.

Passwords are verified against argon2 hashes from the config. A login creates
a server-side session (random token in an ``HttpOnly``, ``SameSite=Strict``
cookie) carrying its own CSRF token, which every state-changing request must
echo in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cobrowse.codes import FailureThrottle
from cobrowse.config import Advisor

__all__ = ["AdvisorAuth", "LoginSession", "hash_password"]

_HASHER = PasswordHasher()
# Verified against when the user is unknown, so timing does not reveal names.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
LOGIN_SECONDS = 12 * 3600


def hash_password(password: str) -> str:
    """An argon2id hash for the config file (``cobrowse hash-password``)."""
    return _HASHER.hash(password)


@dataclass(slots=True)
class LoginSession:
    name: str
    csrf: str
    expires_at: float

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf)


class AdvisorAuth:
    """Checks advisor passwords and keeps their login sessions."""

    def __init__(
        self,
        advisors: tuple[Advisor, ...],
        throttle: FailureThrottle,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._hashes = {a.name: a.password_hash for a in advisors}
        self._throttle = throttle
        self._clock = clock
        self._sessions: dict[str, LoginSession] = {}
        # Cluster mode: told of every login and logout (None); see cobrowse.cluster.logins.
        self.listener: Callable[[str, LoginSession | None], None] | None = None

    @property
    def throttle(self) -> FailureThrottle:
        return self._throttle

    def verify(self, name: str, password: str) -> bool:
        """True when ``password`` matches the account ``name``; constant work otherwise."""
        stored = self._hashes.get(name, _DUMMY_HASH)
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return name in self._hashes

    def login(self, name: str) -> tuple[str, LoginSession]:
        """Open a login session; returns (cookie token, session)."""
        token = secrets.token_urlsafe(32)
        session = LoginSession(name, secrets.token_urlsafe(32), self._clock() + LOGIN_SECONDS)
        self._sessions[token] = session
        if self.listener is not None:
            self.listener(token, session)
        return token, session

    def remaining(self, session: LoginSession) -> float:
        """Seconds until ``session`` runs out."""
        return session.expires_at - self._clock()

    def adopt(self, token: str, name: str, csrf: str, seconds: float) -> None:
        """Accept a login another node made (cluster mode) for ``seconds`` more;
        with ``seconds <= 0`` (or an unknown name) forget it: logged out elsewhere."""
        if seconds > 0 and name in self._hashes:
            self._sessions[token] = LoginSession(name, csrf, self._clock() + seconds)
        else:
            self._sessions.pop(token, None)

    def session(self, token: str | None) -> LoginSession | None:
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        if session.expires_at <= self._clock():
            del self._sessions[token]
            return None
        return session

    def logout(self, token: str | None) -> None:
        if token:
            self._sessions.pop(token, None)
            if self.listener is not None:
                self.listener(token, None)
