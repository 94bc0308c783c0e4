"""Fixtures for the bus tests: a real redis-server and bus nodes on either transport."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bench.harness.redis_server import RedisServer
from cobrowse.bus import Bus
from cobrowse.bus.memory import MemoryBroker, MemoryBus
from cobrowse.bus.redis import RedisBus
from tests.conftest import redis_or_skip

NodeFactory = Callable[..., Awaitable[Bus]]


def redis_bus(server: RedisServer, node_id: str | None = None, **options: float) -> RedisBus:
    """A Redis bus tuned for tests: fast backoff and watchdog."""
    settings = {"backoff_base": 0.02, "backoff_max": 0.2, "ping_interval": 0.5, "timeout": 2.0}
    settings.update(options)
    return RedisBus(server.url, node_id=node_id, **settings)


@pytest.fixture(params=["memory", "redis"])
async def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NodeFactory]:
    """A factory of started bus nodes that all share one transport (broker or real Redis)."""
    created: list[Bus] = []
    with contextlib.ExitStack() as stack:
        new: Callable[[str | None], Bus]
        if request.param == "memory":
            broker = MemoryBroker()
            new = lambda node_id: MemoryBus(broker, node_id)  # noqa: E731
        else:
            server = stack.enter_context(redis_or_skip(tmp_path))
            new = lambda node_id: redis_bus(server, node_id)  # noqa: E731

        async def make(node_id: str | None = None) -> Bus:
            bus = new(node_id)
            created.append(bus)
            await bus.start()
            return bus

        try:
            yield make
        finally:
            for bus in created:
                await bus.close()
