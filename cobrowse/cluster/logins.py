"""Advisor logins that work on every node (cluster mode).

A login is made on one node (:class:`~cobrowse.accounts.AdvisorAuth`); its
record goes to the shared state under the cookie token's digest, so the
advisor's browser may reach any node behind the load balancer. Every advisor
request checks the shared state again (one GET), so a logout on one node
ends the login on all of them.

The write is queued (:meth:`~cobrowse.cluster.Cluster.write`), so the request
that logs in or out answers only once it is done (:meth:`SharedLogins.settled`):
the browser's next request (the redirect, on any node) finds the login. A
request on this node while such a write is still under way waits for it
rather than reading the shared state before it (which would look like a
logout elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
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

# queues a shared-state write (Cluster.write); the future is done when the write is
Write = Callable[[Callable[[], Awaitable[Any]]], asyncio.Future[None]]
WRITE_WAIT = 2.0  # seconds a request waits for a login's write (Redis away: go on)


class SharedLogins:
    """Mirrors ``auth``'s logins into ``state`` and back (``write`` queues a write)."""

    def __init__(self, auth: AdvisorAuth, state: SharedState, write: Write) -> None:
        self.auth = auth
        self.state = state
        self._write = write
        self._pending: dict[str, asyncio.Future[None]] = {}  # token → its queued write
        auth.listener = self._changed

    def _changed(self, token: str, login: LoginSession | None) -> None:
        if login is None:
            done = self._write(functools.partial(self.state.drop_login, token))
        else:
            seconds = self.auth.remaining(login)
            record = msgpack.packb([login.name, login.csrf, time.time() + seconds])
            done = self._write(functools.partial(self.state.save_login, token, record, seconds))
        self._pending[token] = done
        done.add_done_callback(functools.partial(self._written, token))

    def _written(self, token: str, done: asyncio.Future[None]) -> None:
        if self._pending.get(token) is done:
            del self._pending[token]

    async def settled(self, token: str | None = None) -> None:
        """Wait (bounded) for this node's queued login writes: of ``token``, or all."""
        pending = list(self._pending.values()) if token is None else [self._pending.get(token)]
        waiting = [done for done in pending if done is not None]
        if waiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*map(asyncio.shield, waiting)), WRITE_WAIT)

    async def sync(self, token: str | None) -> None:
        """Bring this node's copy of the login behind ``token`` in line with the
        shared state (made on another node, or logged out there)."""
        if not token or len(token) > 128:
            return
        await self.settled(token)  # this node's own write of it first
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
