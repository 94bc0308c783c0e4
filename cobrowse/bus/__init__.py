"""The bus between relay nodes: publish, subscribe, close.

Channels are named after co-browsing sessions (:func:`session_channel`; the
cluster uses two per session, see :mod:`cobrowse.cluster.wire`). A node
publishes each frame once, as the bytes it fans out locally; every other node
subscribed to that channel hands them to its own connections. A
message carries the sending node's id, and a node drops its own echo.

Implementations: :class:`~cobrowse.bus.memory.MemoryBus` (one node, or
several in one process for tests) and :class:`~cobrowse.bus.redis.RedisBus`
(``redis.asyncio``, many nodes). Use :func:`create_bus` to pick one from the
configured URL.

Usage::

    bus = create_bus(config_url)            # None → memory
    await bus.start()
    bus.add_state_listener(on_state)        # BusState.DOWN → "Verbindung wird
                                            # wiederhergestellt", UP → resync
    sub = await bus.subscribe(session_channel(sid), on_message)
    bus.publish(session_channel(sid), frame)    # non-blocking, ordered
    await sub.close(); await bus.close()
"""

from __future__ import annotations

from cobrowse.bus.base import (
    Bus,
    BusMessage,
    BusState,
    BusStats,
    Handler,
    StateListener,
    Subscription,
    new_node_id,
)

__all__ = [
    "Bus",
    "BusMessage",
    "BusState",
    "BusStats",
    "Handler",
    "StateListener",
    "Subscription",
    "create_bus",
    "new_node_id",
    "session_channel",
]


def session_channel(session_id: str) -> str:
    """The bus channel of one co-browsing session (one channel per session)."""
    return f"session:{session_id}"


def create_bus(url: str | None, *, node_id: str | None = None, prefix: str = "cobrowse:") -> Bus:
    """A :class:`RedisBus` for a ``redis://``/``rediss://``/``unix://`` URL, else a memory bus.

    The bus is not started; call :meth:`Bus.start` inside the event loop.
    """
    if not url:
        from cobrowse.bus.memory import MemoryBus

        return MemoryBus(node_id=node_id)
    from cobrowse.bus.redis import RedisBus

    return RedisBus(url, node_id=node_id, prefix=prefix)
