"""``memory``: what an idle session costs the relay in resident memory.

1,000 sessions, each with the advisor and two citizens connected and idle.
The figure is the marginal cost: RSS after the 1,000 sessions minus RSS
after a first 20 (which warm up code paths and allocator pools), divided by
1,000. The floor gets the same three idle sockets per room for comparison.
"""

from __future__ import annotations

import asyncio

from bench.harness.clients import FloorTarget, RelayTarget
from bench.harness.load import Fleet, Target, new_client
from bench.harness.outcome import Outcome, Table, check
from bench.harness.procs import Server, rss_kib, start_floor, start_relay

__all__ = ["run"]

SESSIONS = 1000
WARM = 20


async def _hold(target: Target, server: Server, sessions: int) -> dict[str, float]:
    warm = Fleet(target, WARM, (server.pid,))
    fleet = Fleet(target, sessions, (server.pid,))
    async with new_client() as http:
        try:
            await warm.open(http)
            await asyncio.sleep(1.0)
            before = rss_kib(server.pid)
            setup = await fleet.open(http)
            await asyncio.sleep(3.0)  # idle; every socket is read, heartbeats get answers
            after = rss_kib(server.pid)
        finally:
            await fleet.close()
            await warm.close()
    return {
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_session": round((after - before) / sessions, 1),
        "setup_s": round(setup, 1),
    }


def run(quick: bool) -> Outcome:
    out = Outcome("memory")
    with start_floor() as server:
        floor = asyncio.run(_hold(FloorTarget(server), server, SESSIONS))
    with start_relay() as server:
        relay = asyncio.run(_hold(RelayTarget(server), server, SESSIONS))
    table = Table(
        f"{SESSIONS:,} idle sessions × 3 connected participants",
        [
            "server",
            "RSS before (MiB)",
            "RSS after (MiB)",
            "KiB per session",
            "KiB per socket",
            "setup s",
        ],
    )
    for name, m in (("floor", floor), ("relay", relay)):
        table.rows.append(
            [
                name,
                round(m["rss_before_kib"] / 1024, 1),
                round(m["rss_after_kib"] / 1024, 1),
                m["kib_per_session"],
                round(m["kib_per_session"] / 3, 1),
                m["setup_s"],
            ]
        )
    out.tables.append(table)
    out.figures = {
        "kib_per_session": relay["kib_per_session"],
        "floor_kib_per_session": floor["kib_per_session"],
        "sessions": SESSIONS,
    }
    out.checks = [check("kib_per_session ≤ 100", relay["kib_per_session"], 100.0)]
    return out
