"""The Redis bus: one pub/sub channel per co-browsing session, across nodes.

Two connections per node: a publishing connection and a subscriber
connection, each read by one task. Only ``SUBSCRIBE`` is ever used — never
pattern subscriptions — so Redis does no pattern matching per message and a
node gets only the sessions it serves.

Publishing does not wait for Redis: what was published in one loop iteration
is written as one command (``PUBLISH``, or one script call that publishes a
whole batch in order) and the next batch follows without waiting for the
reply; a reader task takes the replies in order and counts failures. Waiting
for each reply held every frame published meanwhile for a round trip to a
Redis that shares the CPU with the nodes.

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
from collections import deque

import hiredis
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import InvalidResponse, RedisError, ResponseError

from cobrowse.bus.base import Bus, BusState

__all__ = ["RedisBus"]

log = logging.getLogger(__name__)

_ERRORS = (RedisError, OSError, TimeoutError)
_READ_SIZE = 65536  # bytes per socket read on the subscriber (redis-py's default too)
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
        # No socket timeout on the publisher: redis-py then writes a command
        # at once instead of in a task of its own, so commands reach the
        # socket in the order their replies are expected (see _send).
        self._pub = self._client(url, "pub", socket_timeout=None)
        self._publisher: AbstractConnection | None = None
        self._script = b""  # the SHA1 of _PUBLISH_BATCH on the server
        # what each reply on the publisher answers: a batch's size, or a PING's waiter
        self._replies: deque[int | asyncio.Future[bool]] = deque()
        self._sub = self._client(url, "sub", socket_timeout=timeout)
        self._pubsub: PubSub | None = None
        self._pongs: dict[bytes, asyncio.Future[bool]] = {}  # PING token → waiter
        self._ping_no = itertools.count()
        self._runner: asyncio.Task[None] | None = None
        self._attempted = asyncio.Event()
        self._served = False

    def _client(self, url: str, role: str, socket_timeout: float | None) -> Redis:
        # redis-py's own retries are off: this class owns reconnecting. RESP2:
        # pub/sub messages are plain replies, not RESP3 pushes, which redis-py
        # routes through a push handler (and a logger lookup) one by one.
        # TCP keep-alive only over TCP: redis-py's unix socket connection
        # refuses the option (TypeError on every connect).
        tcp = {} if url.startswith("unix://") else {"socket_keepalive": True}
        return Redis.from_url(
            url,
            protocol=2,
            client_name=f"cobrowse-{role}-{self.node_id}",
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=self.timeout,
            socket_timeout=socket_timeout,
            **tcp,
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
        # One command per batch (a script call for more than one message): one
        # command to write and one reply to read instead of one per message.
        if len(batch) == 1:
            parts = [b"*3\r\n$7\r\nPUBLISH\r\n"]
        else:
            head = b"*%d\r\n$7\r\nEVALSHA\r\n$%d\r\n%b\r\n$1\r\n0\r\n"
            parts = [head % (3 + 2 * len(batch), len(self._script), self._script)]
        prefix = self.prefix
        for channel, payload in batch:
            wire = (prefix + channel).encode()
            parts.append(b"$%d\r\n%b\r\n$%d\r\n" % (len(wire), wire, len(payload)))
            parts.append(payload)
            parts.append(b"\r\n")
        await self._send(parts, len(batch))

    async def _send(self, command: list[bytes], answers: int | asyncio.Future[bool]) -> None:
        """Write a packed command on the publisher; its reply will answer ``answers``.

        The reply's slot is queued and the command written in one step (no
        await between them: redis-py writes before its first await when the
        connection has no socket timeout), so slots and replies stay in order.
        """
        connection = self._publisher
        if connection is None:
            raise ConnectionError("publisher not connected")
        self._replies.append(answers)
        await connection.send_packed_command(command, check_health=False)

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
        replies: asyncio.Task[None] | None = None
        publisher: AbstractConnection | None = None
        try:
            publisher = await self._connect_publisher()
            replies = asyncio.create_task(
                self._read_replies(publisher), name=f"bus-replies-{self.node_id}"
            )
            self._publisher = publisher
            await self._checked_roundtrip(pubsub, reader)
            self._pubsub = pubsub  # from here on subscribe() talks to this connection
            missing = [c for c in self._handlers if c not in sent]
            if missing:
                await pubsub.subscribe(*(self._wire(c) for c in missing))
                await self._checked_roundtrip(pubsub, reader)
            await self._publisher_roundtrip()  # the publishing connection works as well
            self._set_state(BusState.UP)
            self._served = True
            self._attempted.set()
            readers = {reader, replies}
            while True:
                done, _ = await asyncio.wait(
                    readers, timeout=self.ping_interval, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    task.result()  # raises the reader's error
                    raise ConnectionError("redis connection closed")
                await self._checked_roundtrip(pubsub, reader)
                await self._publisher_roundtrip()
        finally:
            self._publisher = None
            for running in (reader, replies):
                if running is not None:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError, *_ERRORS):
                        await running
            self._release_replies()
            if publisher is not None:
                with contextlib.suppress(*_ERRORS):
                    await self._pub.connection_pool.release(publisher)

    async def _read(self, pubsub: PubSub) -> None:
        """Hand every message of the subscriber connection to :meth:`_deliver`.

        Reads the socket in chunks and takes every complete reply of a chunk
        from hiredis in a plain loop, instead of one ``read_response`` per
        message (four coroutine layers, a timeout check and an error mapping
        each): this loop runs for every frame of every session this node
        replicates. The connection's own parser is bypassed for good; after
        the handshake only this task reads the connection (``subscribe`` and
        ``ping`` only write). Replies are handled in arrival order; what a
        chunk holds completely is delivered even when the link breaks right
        after it, a torn reply at the break is dropped (pub/sub is at most
        once, and the bus goes ``DOWN``).
        """
        stream = _stream_of(pubsub.connection)
        parser = hiredis.Reader(protocolError=InvalidResponse, replyError=ResponseError)
        prefix = len(self.prefix)
        deliver, pongs = self._deliver, self._pongs
        while True:
            chunk = await stream.read(_READ_SIZE)
            if not chunk:
                raise ConnectionError("redis closed the subscriber connection")
            parser.feed(chunk)
            reply = parser.gets()
            while reply is not False:
                # Subscribed (RESP2, see _client): [b"message", channel, data],
                # [b"pong", token], [b"subscribe" or b"unsubscribe", channel,
                # count]; PING before any subscription answers with the bare token.
                if type(reply) is list and len(reply) == 3 and reply[0] == b"message":
                    deliver(reply[1][prefix:].decode("utf-8"), reply[2])
                else:
                    _answer_pong(reply, pongs)
                reply = parser.gets()

    async def _connect_publisher(self) -> AbstractConnection:
        """The publishing connection, with the batch script loaded."""
        pool = self._pub.connection_pool
        connection: AbstractConnection = await pool.get_connection()  # type: ignore[no-untyped-call]
        await connection.send_command("SCRIPT", "LOAD", _PUBLISH_BATCH)
        script = await asyncio.wait_for(connection.read_response(), self.timeout)
        if not isinstance(script, bytes):
            raise ConnectionError("redis did not load the publish script")
        self._script = script
        return connection

    async def _read_replies(self, connection: AbstractConnection) -> None:
        """Take the publisher's replies in order: count refused batches, wake PINGs."""
        while True:
            try:
                reply = await connection.read_response(timeout=math.inf, disconnect_on_error=False)
                refused: ResponseError | None = None
            except ResponseError as exc:
                reply, refused = None, exc
            if not self._replies:
                raise ConnectionError("a reply nobody asked for")
            answers = self._replies.popleft()
            if isinstance(answers, asyncio.Future):
                if not answers.done():
                    answers.set_result(reply == b"PONG")
            elif refused is not None:
                self.stats.dropped += answers
                log.warning("redis refused a publish: %s", str(refused).split(" ", 1)[0])
                if str(refused).startswith("NOSCRIPT"):  # flushed: reconnect, load it again
                    raise ConnectionError("publish script missing")

    async def _publisher_roundtrip(self) -> None:
        """PING behind everything published so far and wait for its answer."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._send([b"*1\r\n$4\r\nPING\r\n"], future)
        if not await asyncio.wait_for(future, self.timeout):
            raise ConnectionError("publisher connection closed")

    def _release_replies(self) -> None:
        for answers in self._replies:
            if isinstance(answers, asyncio.Future) and not answers.done():
                answers.set_result(False)
        self._replies.clear()

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


def _stream_of(connection: AbstractConnection | None) -> asyncio.StreamReader:
    """The subscriber connection's socket reader (redis-py keeps it in ``_reader``)."""
    stream = getattr(connection, "_reader", None)
    if not isinstance(stream, asyncio.StreamReader):
        raise ConnectionError("subscriber not connected")
    return stream


def _answer_pong(reply: object, pongs: dict[bytes, asyncio.Future[bool]]) -> None:
    """Wake the waiter of a PING's answer; a refusal ends the connection; else ignore."""
    if isinstance(reply, ResponseError):
        raise reply  # e.g. a SUBSCRIBE the server refused: reconnect, as before
    if isinstance(reply, list) and len(reply) == 2 and reply[0] == b"pong":
        reply = reply[1]
    if isinstance(reply, bytes):
        future = pongs.pop(reply, None)
        if future is not None and not future.done():
            future.set_result(True)
