"""The in-memory bus: one node on its own, or several nodes in one process (tests).

A :class:`MemoryBroker` plays the Redis server: it keeps the subscriptions of
every attached :class:`MemoryBus` and routes payloads to them on a later loop
iteration, in publish order, exactly as serialized envelopes — so a node
receives its own messages and must drop them, as it must with Redis.
:meth:`MemoryBroker.go_down` / :meth:`~MemoryBroker.come_up` simulate a
Redis restart (subscriptions lost, nodes ``DOWN``, then resubscribed ``UP``).
"""

from __future__ import annotations

import asyncio

from cobrowse.bus.base import Bus, BusState

__all__ = ["MemoryBroker", "MemoryBus"]


class MemoryBroker:
    """In-process message router shared by the :class:`MemoryBus` nodes of one test or node."""

    def __init__(self) -> None:
        self.available = True
        self._buses: list[MemoryBus] = []
        self._subscribers: dict[str, list[MemoryBus]] = {}

    def channels(self) -> set[str]:
        """Channels with at least one subscriber (like ``PUBSUB CHANNELS``)."""
        return {channel for channel, buses in self._subscribers.items() if buses}

    def route(self, channel: str, payload: bytes) -> None:
        """Deliver ``payload`` to every subscriber of ``channel`` on a later loop iteration."""
        if not self.available:
            raise ConnectionError("memory broker is down")
        loop = asyncio.get_running_loop()
        for bus in self._subscribers.get(channel, ()):
            loop.call_soon(bus._deliver, channel, payload)

    def go_down(self) -> None:
        """Simulate a broker restart: every subscription is lost, every node goes ``DOWN``."""
        self.available = False
        self._subscribers.clear()
        for bus in list(self._buses):
            bus._set_state(BusState.DOWN)

    def come_up(self) -> None:
        """End the simulated outage: every node resubscribes its channels and goes ``UP``."""
        self.available = True
        for bus in list(self._buses):
            bus._reconnected()

    def _attach(self, bus: MemoryBus) -> None:
        if bus not in self._buses:
            self._buses.append(bus)

    def _detach(self, bus: MemoryBus) -> None:
        if bus in self._buses:
            self._buses.remove(bus)
        for channel in list(self._subscribers):
            self._unsubscribe(bus, channel)

    def _subscribe(self, bus: MemoryBus, channel: str) -> None:
        buses = self._subscribers.setdefault(channel, [])
        if bus not in buses:
            buses.append(bus)

    def _unsubscribe(self, bus: MemoryBus, channel: str) -> None:
        buses = self._subscribers.get(channel)
        if buses and bus in buses:
            buses.remove(bus)
        if not buses:
            self._subscribers.pop(channel, None)


class MemoryBus(Bus):
    """A bus node on a :class:`MemoryBroker` (a private one when none is given)."""

    def __init__(self, broker: MemoryBroker | None = None, node_id: str | None = None) -> None:
        super().__init__(node_id)
        self.broker = broker if broker is not None else MemoryBroker()

    async def _start_transport(self) -> None:
        self.broker._attach(self)
        if self.broker.available:
            self._resubscribe()
            self._set_state(BusState.UP)

    async def _stop_transport(self) -> None:
        self.broker._detach(self)

    async def _transmit(self, batch: list[tuple[str, bytes]]) -> None:
        for channel, payload in batch:
            self.broker.route(channel, payload)

    async def _open_channel(self, channel: str) -> None:
        if self.state is BusState.UP:
            self.broker._subscribe(self, channel)

    async def _close_channel(self, channel: str) -> None:
        self.broker._unsubscribe(self, channel)

    def _resubscribe(self) -> None:
        for channel in self._handlers:
            self.broker._subscribe(self, channel)

    def _reconnected(self) -> None:
        if self.state is BusState.DOWN:
            self._resubscribe()
            self._set_state(BusState.UP)
