"""What every bus implementation shares: envelopes, the outbox, delivery.

A transport (memory or Redis) only moves opaque payloads between nodes; this
module decides what a payload is and how it is handled, so the in-memory bus
exercises the same encode → transmit → decode → echo-drop → dispatch path as
the Redis bus, and tests of one cover the other.

Envelope (bytes): ``0x01`` version, one byte node-id length, the ASCII node
id, then the caller's data unchanged (a frame is encoded once and published
as those bytes; the envelope only prepends a header).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import secrets
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Bus",
    "BusMessage",
    "BusState",
    "BusStats",
    "Handler",
    "StateListener",
    "Subscription",
    "decode_envelope",
    "encode_envelope",
    "new_node_id",
]

log = logging.getLogger(__name__)

_VERSION = 1
OUTBOX_LIMIT = 10_000  # messages waiting for the transport; beyond that publish drops
BATCH_LIMIT = 256  # messages handed to the transport at once (one pipeline)


class BusState(enum.Enum):
    """``UP``: connected and every channel subscribed; ``DOWN``: reconnecting."""

    UP = "up"
    DOWN = "down"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One message from another node: the logical channel, sender node id, payload."""

    channel: str
    sender: str
    data: bytes


Handler = Callable[[BusMessage], None]
StateListener = Callable[[BusState], None]


@dataclass(slots=True)
class BusStats:
    """Counters for metrics; none of them holds content."""

    published: int = 0  # accepted by publish()
    sent: int = 0  # handed to the transport successfully
    delivered: int = 0  # messages of other nodes handed to this node's handlers
    echoes: int = 0  # own messages that came back and were dropped
    dropped: int = 0  # refused (down, closed, outbox full) or lost in a failed send
    malformed: int = 0  # payloads that were not an envelope
    reconnects: int = 0  # transitions DOWN → UP after the first connect


def new_node_id() -> str:
    """A random id for this relay process (16 hex characters)."""
    return secrets.token_hex(8)


def encode_envelope(node_id: bytes, data: bytes) -> bytes:
    """Prefix ``data`` with the version and the sender's node id."""
    return bytes((_VERSION, len(node_id))) + node_id + data


def decode_envelope(payload: bytes) -> tuple[str, bytes] | None:
    """(sender node id, data) of a payload, or None when it is not an envelope."""
    if len(payload) < 2 or payload[0] != _VERSION:
        return None
    end = 2 + payload[1]
    if len(payload) < end:
        return None
    try:
        sender = payload[2:end].decode("ascii")
    except UnicodeDecodeError:
        return None
    return sender, payload[end:]


class Subscription:
    """A handler registered for one channel; :meth:`close` removes it (idempotent)."""

    def __init__(self, bus: Bus, channel: str, handler: Handler) -> None:
        self.bus = bus
        self.channel = channel
        self.handler = handler
        self.closed = False

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.bus._remove(self)


class Bus(ABC):
    """Publish/subscribe between relay nodes; one channel per co-browsing session.

    ``publish`` never blocks: it queues the payload in an ordered outbox that
    one writer task hands to the transport in batches. Delivery is at most
    once; while the bus is ``DOWN`` publishes are refused (returns False) and
    callers resync their participants when it is ``UP`` again (state
    listeners say when). Handlers run synchronously in the bus's reader and
    must not block; a node never sees its own messages (echo drop).
    """

    def __init__(self, node_id: str | None = None) -> None:
        self.node_id = node_id if node_id is not None else new_node_id()
        if not self.node_id.isascii() or not 0 < len(self.node_id) < 256:
            raise ValueError("node id must be 1–255 ASCII characters")
        self._node_bytes = self.node_id.encode("ascii")
        self.stats = BusStats()
        self.state = BusState.DOWN
        self._was_up = False
        self._handlers: dict[str, list[Subscription]] = {}
        self._opening: dict[str, asyncio.Event] = {}  # channels being subscribed
        self._listeners: list[StateListener] = []
        self._changed = asyncio.Event()
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None

    # -- the public surface ------------------------------------------------

    def publish(self, channel: str, data: bytes) -> bool:
        """Queue ``data`` for the other nodes subscribed to ``channel``, in order.

        Returns False (and counts a drop) when the bus is not ``UP`` or the
        outbox is full; the caller's local delivery is unaffected.
        """
        if self.state is not BusState.UP or len(self._outbox) >= OUTBOX_LIMIT:
            self.stats.dropped += 1
            return False
        self._outbox.append((channel, encode_envelope(self._node_bytes, data)))
        self.stats.published += 1
        self._idle.clear()
        self._wake.set()
        return True

    async def flush(self) -> None:
        """Wait until everything published so far was handed to the transport (or dropped)."""
        await self._idle.wait()

    async def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """Call ``handler`` for every message other nodes publish on ``channel``.

        When the bus is ``UP`` this returns once the transport confirmed the
        subscription, so every later publish of another node reaches it. When
        ``DOWN`` it returns at once; the channel is subscribed on reconnect.
        """
        if self.state is BusState.CLOSED:
            raise RuntimeError("bus is closed")
        sub = Subscription(self, channel, handler)
        subs = self._handlers.setdefault(channel, [])
        subs.append(sub)
        if len(subs) == 1:
            ready = self._opening[channel] = asyncio.Event()
            try:
                await self._open_channel(channel)
            finally:
                ready.set()
                if self._opening.get(channel) is ready:
                    del self._opening[channel]
        elif channel in self._opening:  # another caller is subscribing it right now
            await self._opening[channel].wait()
        return sub

    def channels(self) -> set[str]:
        """The channels this node has handlers for."""
        return set(self._handlers)

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call ``listener`` on every state change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def wait_state(self, state: BusState) -> None:
        """Return once the bus is in ``state`` (at once when it already is).

        Raises ``RuntimeError`` when the bus closes while waiting for another state.
        """
        while self.state is not state:
            if self.state is BusState.CLOSED:
                raise RuntimeError("bus is closed")
            self._changed.clear()
            await self._changed.wait()

    async def start(self) -> None:
        """Start the writer and the transport; returns after the first connect attempt."""
        if self._writer is None:
            name = f"bus-writer-{self.node_id}"
            self._writer = asyncio.create_task(self._write_loop(), name=name)
        await self._start_transport()

    async def close(self) -> None:
        """Flush briefly, stop every task and release the transport. Idempotent."""
        if self.state is BusState.CLOSED:
            return
        if self._outbox:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flush(), 1.0)
        self._set_state(BusState.CLOSED)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        self.stats.dropped += len(self._outbox)
        self._outbox.clear()
        self._idle.set()
        self._handlers.clear()
        await self._stop_transport()

    async def __aenter__(self) -> Bus:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- for the transports ------------------------------------------------

    def _deliver(self, channel: str, payload: bytes) -> None:
        """Decode one payload from the transport and dispatch it (transports call this)."""
        decoded = decode_envelope(payload)
        if decoded is None:
            self.stats.malformed += 1
            return
        sender, data = decoded
        if sender == self.node_id:
            self.stats.echoes += 1
            return
        subs = self._handlers.get(channel)
        if not subs:
            return
        message = BusMessage(channel, sender, data)
        self.stats.delivered += 1
        for sub in list(subs):
            try:
                sub.handler(message)
            except Exception as exc:  # one faulty handler must not stop the reader
                log.error("bus handler failed: %s", type(exc).__name__)

    def _set_state(self, state: BusState) -> None:
        if state is self.state or self.state is BusState.CLOSED:
            return
        if state is BusState.UP:
            if self._was_up:
                self.stats.reconnects += 1
            self._was_up = True
        self.state = state
        self._changed.set()
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception as exc:
                log.error("bus state listener failed: %s", type(exc).__name__)

    async def _remove(self, sub: Subscription) -> None:
        subs = self._handlers.get(sub.channel)
        if subs is None or sub not in subs:
            return
        subs.remove(sub)
        if not subs:
            del self._handlers[sub.channel]
            await self._close_channel(sub.channel)

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                batch = [self._outbox.popleft() for _ in range(min(BATCH_LIMIT, len(self._outbox)))]
                try:
                    await self._transmit(batch)
                    self.stats.sent += len(batch)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # at most once: the batch is lost, callers resync
                    self.stats.dropped += len(batch)
                    log.warning("bus send failed: %s", type(exc).__name__)
            self._idle.set()

    @abstractmethod
    async def _transmit(self, batch: list[tuple[str, bytes]]) -> None:
        """Hand (channel, payload) pairs to the transport, in order; raise on failure."""

    @abstractmethod
    async def _open_channel(self, channel: str) -> None:
        """Subscribe the transport to ``channel`` (first handler registered)."""

    @abstractmethod
    async def _close_channel(self, channel: str) -> None:
        """Unsubscribe the transport from ``channel`` (last handler removed)."""

    @abstractmethod
    async def _start_transport(self) -> None:
        """Connect (or begin reconnecting) and move to ``UP`` when subscribed."""

    @abstractmethod
    async def _stop_transport(self) -> None:
        """Disconnect and release everything; no reconnect afterwards."""
