"""The Redis bus: one pub/sub channel per co-browsing session, across nodes.

Two connections per node: a command connection that publishes (batches are
pipelined) and a subscriber connection read by one task. Only ``SUBSCRIBE``
is ever used — never pattern subscriptions — so Redis does no pattern
matching per message and a node gets only the sessions it serves.

Resilience: when the subscriber connection breaks (Redis restart, network)
the bus goes ``DOWN``, reconnects with exponential backoff and jitter, sends
one ``SUBSCRIBE`` for every channel it has handlers for, waits for Redis to
confirm them (a ``PING`` behind them returns) and only then goes ``UP``. A
watchdog pings every ``ping_interval`` seconds so a silently dead link is
noticed too. Messages published while a node was ``DOWN`` are lost for it
(pub/sub is at most once); state listeners let the caller show
"Verbindung wird wiederhergestellt" and resync afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from cobrowse.bus.base import Bus, BusState

__all__ = ["RedisBus"]

log = logging.getLogger(__name__)

_ERRORS = (RedisError, OSError, TimeoutError)
# ARGV: channel, payload, channel, payload, … — published in this order.
_PUBLISH_BATCH = """
for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return #ARGV / 2
"""


class RedisBus(Bus):
    """A bus node on a Redis server given by ``url`` (``redis://host:port/db``).

    ``prefix`` namespaces the wire channel names (pub/sub ignores the
    database number, so deployments sharing a Redis need distinct prefixes).
    """

    def __init__(
        self,
        url: str,
        *,
        node_id: str | None = None,
        prefix: str = "cobrowse:",
        backoff_base: float = 0.1,
        backoff_max: float = 5.0,
        ping_interval: float = 5.0,
        timeout: float = 3.0,
    ) -> None:
        super().__init__(node_id)
        self.prefix = prefix
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.ping_interval = ping_interval
        self.timeout = timeout
        self._pub = self._client(url, "pub")
        self._publish_batch = self._pub.register_script(_PUBLISH_BATCH)
        self._sub = self._client(url, "sub")
        self._pubsub: PubSub | None = None
        self._pongs: dict[bytes, asyncio.Future[bool]] = {}  # PING token → waiter
        self._ping_no = itertools.count()
        self._runner: asyncio.Task[None] | None = None
        self._attempted = asyncio.Event()
        self._served = False

    def _client(self, url: str, role: str) -> Redis:
        # redis-py's own retries are off: this class owns reconnecting. RESP2:
        # pub/sub messages are plain replies, not RESP3 pushes, which redis-py
        # routes through a push handler (and a logger lookup) one by one.
        return Redis.from_url(
            url,
            protocol=2,
            client_name=f"cobrowse-{role}-{self.node_id}",
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=self.timeout,
            socket_timeout=self.timeout,
            socket_keepalive=True,
        )

    def _wire(self, channel: str) -> str:
        return self.prefix + channel

    # -- transport hooks -----------------------------------------------------

    async def _start_transport(self) -> None:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name=f"bus-redis-{self.node_id}")
        await self._attempted.wait()

    async def _stop_transport(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        await self._pub.aclose()
        await self._sub.aclose()

    async def _transmit(self, batch: list[tuple[str, bytes]]) -> None:
        if len(batch) == 1:
            channel, payload = batch[0]
            await self._pub.publish(self._wire(channel), payload)
            return
        # One script call instead of a pipeline: one command to pack and one
        # reply to parse per batch instead of one per message.
        args: list[str | bytes] = []
        for channel, payload in batch:
            args += (self._wire(channel), payload)
        await self._publish_batch(args=args)

    async def _open_channel(self, channel: str) -> None:
        pubsub = self._pubsub
        if pubsub is None:
            return  # subscribed when the connection is (re)established
        try:
            await pubsub.subscribe(self._wire(channel))
            await self._roundtrip(pubsub)
        except _ERRORS as exc:  # the runner notices the broken link and resubscribes all
            log.info("bus subscribe interrupted: %s", type(exc).__name__)

    async def _close_channel(self, channel: str) -> None:
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(*_ERRORS):
                await pubsub.unsubscribe(self._wire(channel))

    # -- the connection's life -----------------------------------------------

    async def _run(self) -> None:
        """Connect, serve until the link breaks, back off, repeat (until cancelled)."""
        delay = self.backoff_base
        while True:
            pubsub = self._sub.pubsub()
            self._served = False
            try:
                await self._serve(pubsub)
            except _ERRORS as exc:
                log.warning("redis bus link lost: %s", type(exc).__name__)
            except Exception as exc:  # a bug must not end reconnecting for good
                log.error("redis bus failed: %s", type(exc).__name__)
            finally:
                self._pubsub = None
                self._set_state(BusState.DOWN)
                self._attempted.set()
                self._release_pongs()
                with contextlib.suppress(*_ERRORS):
                    await pubsub.aclose()
                # the publisher's pooled connection broke too: start fresh when back
                with contextlib.suppress(*_ERRORS):
                    await self._pub.connection_pool.disconnect()
            if self._served:
                delay = self.backoff_base  # it worked until now: retry soon
            await asyncio.sleep(delay / 2 + random.uniform(0, delay / 2))  # noqa: S311
            delay = min(delay * 2, self.backoff_max)

    async def _serve(self, pubsub: PubSub) -> None:
        """One connection: subscribe everything, go ``UP``, read and ping until it fails."""
        await pubsub.connect()  # type: ignore[no-untyped-call]
        sent = list(self._handlers)
        if sent:
            await pubsub.subscribe(*(self._wire(c) for c in sent))
        reader = asyncio.create_task(self._read(pubsub), name=f"bus-reader-{self.node_id}")
        try:
            await self._checked_roundtrip(pubsub, reader)
            self._pubsub = pubsub  # from here on subscribe() talks to this connection
            missing = [c for c in self._handlers if c not in sent]
            if missing:
                await pubsub.subscribe(*(self._wire(c) for c in missing))
                await self._checked_roundtrip(pubsub, reader)
            await self._pub.ping()  # the publishing connection works as well
            self._set_state(BusState.UP)
            self._served = True
            self._attempted.set()
            while True:
                done, _ = await asyncio.wait({reader}, timeout=self.ping_interval)
                if done:
                    reader.result()  # raises the reader's error
                    raise ConnectionError("subscriber connection closed")
                await self._checked_roundtrip(pubsub, reader)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, *_ERRORS):
                await reader

    async def _read(self, pubsub: PubSub) -> None:
        """Hand every message of the subscriber connection to :meth:`_deliver`.

        Reads the connection's replies directly instead of through
        ``PubSub.get_message``, which builds a dict per message and goes
        through its retry and handler layers: this loop runs for every frame
        of every session this node replicates (and for this node's own echoes).
        """
        connection = pubsub.connection
        if connection is None:
            raise ConnectionError("subscriber not connected")
        prefix = len(self.prefix)
        while True:
            # Subscribed (RESP2, see _client): [b"message", channel, data],
            # [b"pong", token], [b"subscribe" or b"unsubscribe", channel, count];
            # PING before any subscription answers with the bare token.
            reply = await connection.read_response(
                timeout=math.inf, disconnect_on_error=False, push_request=True
            )
            if isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
                self._deliver(reply[1][prefix:].decode("utf-8"), reply[2])
                continue
            if isinstance(reply, list) and len(reply) == 2 and reply[0] == b"pong":
                reply = reply[1]
            if isinstance(reply, bytes):
                future = self._pongs.pop(reply, None)
                if future is not None and not future.done():
                    future.set_result(True)

    async def _roundtrip(self, pubsub: PubSub) -> None:
        """PING behind whatever was sent and wait for its answer: Redis has handled it all."""
        token = b"cobrowse-%d" % next(self._ping_no)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pongs[token] = future
        try:
            await pubsub.ping(token)
            if not await asyncio.wait_for(future, self.timeout):
                raise ConnectionError("subscriber connection closed")
        finally:
            self._pongs.pop(token, None)

    async def _checked_roundtrip(self, pubsub: PubSub, reader: asyncio.Task[None]) -> None:
        if reader.done():
            reader.result()
            raise ConnectionError("subscriber connection closed")
        await self._roundtrip(pubsub)

    def _release_pongs(self) -> None:
        for future in self._pongs.values():
            if not future.done():
                future.set_result(False)
        self._pongs.clear()
