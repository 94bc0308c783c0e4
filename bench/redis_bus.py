"""``redis``: the relay in Redis mode (two nodes) against memory mode, and the
floor split over Redis against the plain floor.

Two relay nodes share one ``redis-server`` (started here on a free loopback
port, no persistence); every advisor is on node A, every citizen joins and
connects through node B, so each pointer frame crosses the bus. The same
load on one node in memory mode, in alternating phases of the same run, is the
baseline. All nodes share one config file with the secret key. The floor
(:mod:`bench.harness.floor`) runs the same way: plain, and split over the
same Redis (node A publishes the advisors' frames, node B subscribes and
writes to the citizens), so "split floor ÷ plain floor" is what crossing
Redis costs at the least on this machine. Redis mode and the split floor run
once more over a unix socket (a second redis-server). Reports "not available
yet" while ``cobrowse serve`` has no ``--redis``.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness.clients import FloorTarget, RelayTarget
from bench.harness.load import Contender
from bench.harness.outcome import Check, Outcome, Table, check
from bench.harness.procs import start_floor, start_relay
from bench.harness.redis_server import redis_binary, running_redis
from bench.harness.stats import ratio
from bench.relay import COLUMNS, SESSIONS, compare, row

__all__ = ["run"]


def _serve_has_redis() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "cobrowse", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    return "--redis" in help_text


def run(quick: bool) -> Outcome:
    out = Outcome("redis")
    missing = None
    if redis_binary() is None:
        missing = "redis-server is not installed (make test installs it)"
    elif not _serve_has_redis():
        missing = "not available yet: `cobrowse serve` has no --redis option"
    if missing:
        out.available = False
        out.notes.append(missing)
        out.checks = [Check("ratio_p50 ≤ 1.5 and ratio_p99 ≤ 2", None)]
        return out
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        config = Path(tmp) / "relay.toml"
        # every node signs cookies and tokens with the same key
        config.write_text(f'[server]\nsecret_key = "{secrets.token_urlsafe(48)}"\n', "utf-8")
        (Path(tmp) / "unix").mkdir()
        # The unix socket variants get a redis-server of their own: pub/sub
        # ignores the database, and the two split floors' channels would collide.
        with (
            running_redis(Path(tmp)) as tcp,
            running_redis(Path(tmp) / "unix", unix_socket=True) as unix,
        ):
            assert tcp.proc is not None and unix.proc is not None
            summaries = _measure(
                config, (tcp.url, tcp.proc.pid), (unix.unix_url, unix.proc.pid), quick
            )
    bus, memory, bus_unix, floor, split, split_unix = summaries
    out.tables.append(
        Table(
            f"S = {SESSIONS}: memory mode (one node) vs Redis mode (advisors on node A, "
            "citizens on node B; server CPU = both nodes + redis-server), and the same for "
            "the floor forwarder (plain, and split over Redis: A publishes, B subscribes)",
            COLUMNS,
            [
                row("relay", "asyncio", "memory", memory),
                row("relay ×2", "asyncio", "redis (TCP)", bus),
                row("relay ×2", "asyncio", "redis (unix socket)", bus_unix),
                row("floor", "asyncio", "memory", floor),
                row("floor ×2", "asyncio", "redis (TCP)", split),
                row("floor ×2", "asyncio", "redis (unix socket)", split_unix),
            ],
        )
    )
    out.figures = {
        "ratio_p50": ratio(bus["p50_ms"], memory["p50_ms"]),
        "ratio_p99": ratio(bus["p99_ms"], memory["p99_ms"]),
        "p50_ms": bus["p50_ms"],
        "p99_ms": bus["p99_ms"],
        "memory_p50_ms": memory["p50_ms"],
        "memory_p99_ms": memory["p99_ms"],
        # the floor's own "Redis ÷ memory": what splitting over Redis costs at the least
        "floor_ratio_p50": ratio(split["p50_ms"], floor["p50_ms"]),
        "floor_ratio_p99": ratio(split["p99_ms"], floor["p99_ms"]),
        # Redis mode against the split floor: what the relay adds on top of the split
        "vs_split_floor_p50": ratio(bus["p50_ms"], split["p50_ms"]),
        "vs_split_floor_p99": ratio(bus["p99_ms"], split["p99_ms"]),
        "unix_ratio_p50": ratio(bus_unix["p50_ms"], memory["p50_ms"]),
        "unix_ratio_p99": ratio(bus_unix["p99_ms"], memory["p99_ms"]),
        "floor_unix_ratio_p50": ratio(split_unix["p50_ms"], floor["p50_ms"]),
        "floor_unix_ratio_p99": ratio(split_unix["p99_ms"], floor["p99_ms"]),
        "errors": sum(s["errors"] for s in summaries),
    }
    out.checks = [
        check("ratio_p50 ≤ 1.5", out.figures["ratio_p50"], 1.5),
        check("ratio_p99 ≤ 2", out.figures["ratio_p99"], 2.0),
    ]
    return out


def _measure(
    config: Path, tcp_redis: tuple[str, int], unix_redis: tuple[str, int], quick: bool
) -> list[dict[str, Any]]:
    """Alternating phases on: Redis mode (TCP), memory mode, Redis mode (unix socket),
    the plain floor, the split floor (TCP), the split floor (unix socket). The
    Redis servers are given as (URL, pid)."""
    (tcp, tcp_pid), (unix, unix_pid) = tcp_redis, unix_redis
    cfg = ("--config", str(config))
    with (
        start_relay(*cfg) as single,
        start_relay(*cfg, "--redis", tcp) as a,
        start_relay(*cfg, "--redis", tcp) as b,
        start_relay(*cfg, "--redis", unix) as ua,
        start_relay(*cfg, "--redis", unix) as ub,
        start_floor() as floor,
        start_floor(redis=tcp, role="publish") as fa,
        start_floor(redis=tcp, role="subscribe") as fb,
        start_floor(redis=unix, role="publish") as ufa,
        start_floor(redis=unix, role="subscribe") as ufb,
    ):
        return compare(
            [
                Contender(RelayTarget(a, citizen_server=b), (a.pid, b.pid, tcp_pid)),
                Contender(RelayTarget(single), (single.pid,)),
                Contender(RelayTarget(ua, citizen_server=ub), (ua.pid, ub.pid, unix_pid)),
                Contender(FloorTarget(floor), (floor.pid,)),
                Contender(FloorTarget(fa, citizen_server=fb), (fa.pid, fb.pid, tcp_pid)),
                Contender(FloorTarget(ufa, citizen_server=ufb), (ufa.pid, ufb.pid, unix_pid)),
            ],
            SESSIONS,
            quick,
        )
