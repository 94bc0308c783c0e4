"""Noticing a vanished peer within seconds, on both ends of a ``/ws`` connection.

A browser that disappears without a WebSocket close (network cut, laptop lid,
process killed) leaves a TCP connection that looks open on the relay until
something is sent and goes unanswered. The citizen must see within 5 s that
the advisor is gone (issue #17), and the advisor that a participant is, so:

* **The relay notices a silent peer.** Every inbound frame counts as a sign of
  life. After :data:`PING_AFTER` of inbound silence the relay sends a
  WebSocket *protocol* ping; :data:`DEAD_AFTER` of silence and the read loop
  gives up (:mod:`cobrowse.ws` reads with that timeout) and the participant is
  marked "getrennt" for everyone. Protocol pings are answered by the
  browser's network stack, not by page script, so a phone or laptop tab in
  the background, whose timers the browser throttles to one a minute, still
  answers at once and is not marked as gone; only a browser that is really
  unreachable (no network, suspended, killed) misses them. An app-level ping
  that script must answer would make exactly those backgrounded tabs look
  dead. :data:`DEAD_AFTER` leaves a pong 2–3 s on a slow mobile link.
* **The client notices a silent relay.** Page script never sees protocol
  pings, so after :data:`ALIVE_AFTER` of outbound silence the relay sends a
  tiny ``ALIVE`` frame; a client that hears nothing at all for a few seconds
  drops its socket and shows it is reconnecting (client_js/connection.js).
  Its watchdog timer may run late in a throttled background tab; that only
  delays noticing, it never makes a live connection look dead, because
  frames are handled as they arrive.

Cost: an idle connection sees one ping and one ``ALIVE`` every 2 s (a few
bytes each); a busy one (pointer moves, frames both ways) neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from aiohttp import web

from cobrowse.protocol import Msg, encode

__all__ = ["ALIVE_AFTER", "DEAD_AFTER", "PING_AFTER", "TICK", "Liveness"]

TICK = 1.0  # how often the watch looks
PING_AFTER = 1.0  # inbound silence that makes the relay ping
DEAD_AFTER = 4.0  # inbound silence after which the peer is gone (read timeout)
ALIVE_AFTER = 1.5  # outbound silence after which the relay says it is still there

ALIVE_FRAME = encode(Msg.ALIVE, 0, {})


class Liveness:
    """The sign-of-life watch of one connection.

    The read loop calls :meth:`heard` for every inbound frame (pongs
    included) and reads with :data:`DEAD_AFTER` as its timeout; ``quiet_out``
    says how long ago the connection last queued a frame for the peer, and
    ``send_alive`` queues an ``ALIVE`` frame. Run :meth:`watch` as a task for
    the connection's life and cancel it at the end.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        quiet_out: Callable[[], float],
        send_alive: Callable[[bytes], None],
    ) -> None:
        self.ws = ws
        self._quiet_out = quiet_out
        self._send_alive = send_alive
        self._heard_at = time.monotonic()

    def heard(self) -> None:
        """A frame came in: the peer is alive."""
        self._heard_at = time.monotonic()

    @property
    def quiet_in(self) -> float:
        """Seconds since the last inbound frame."""
        return time.monotonic() - self._heard_at

    async def watch(self) -> None:
        """Ping a silent peer and tell a quiet one that the relay is there, until closed."""
        while not self.ws.closed:
            await asyncio.sleep(TICK)
            if self.ws.closed:
                return
            if self._quiet_out() >= ALIVE_AFTER:
                self._send_alive(ALIVE_FRAME)
            if self.quiet_in >= PING_AFTER:
                # a vanished peer is found by the read timeout, not here
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.ping()
