"""Advisor logins that work on every node (cluster mode).

A login is made on one node (:class:`~cobrowse.accounts.AdvisorAuth`); its
record goes to the shared state under the cookie token's digest, so the
advisor's browser may reach any node behind the load balancer. Every advisor
request checks the shared state again (one GET), so a logout on one node
ends the login on all of them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack

from cobrowse.accounts import AdvisorAuth, LoginSession
from cobrowse.shared_state import SharedState

__all__ = ["SharedLogins"]

log = logging.getLogger(__name__)

Write = Callable[[Callable[[], Awaitable[Any]]], None]


class SharedLogins:
    """Mirrors ``auth``'s logins into ``state`` and back (``write`` queues a write)."""

    def __init__(self, auth: AdvisorAuth, state: SharedState, write: Write) -> None:
        self.auth = auth
        self.state = state
        self._write = write
        auth.listener = self._changed

    def _changed(self, token: str, login: LoginSession | None) -> None:
        if login is None:
            self._write(functools.partial(self.state.drop_login, token))
            return
        seconds = self.auth.remaining(login)
        record = msgpack.packb([login.name, login.csrf, time.time() + seconds])
        self._write(functools.partial(self.state.save_login, token, record, seconds))

    async def sync(self, token: str | None) -> None:
        """Bring this node's copy of the login behind ``token`` in line with the
        shared state (made on another node, or logged out there)."""
        if not token or len(token) > 128:
            return
        try:
            record = await self.state.load_login(token)
        except Exception as exc:  # Redis away: this node's copy stands meanwhile
            log.warning("login lookup failed: %s", type(exc).__name__)
            return
        if record is None:
            self.auth.adopt(token, "", "", 0)
            return
        name, csrf, until = msgpack.unpackb(record, raw=False)
        self.auth.adopt(token, str(name), str(csrf), float(until) - time.time())
