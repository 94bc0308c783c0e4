"""``redis``: the relay in Redis mode (two nodes) against memory mode.

Two relay nodes share one ``redis-server`` (started here on a free loopback
port, no persistence); every advisor is on node A, every citizen joins and
connects through node B, so each pointer frame crosses the bus. The same
load on one node in memory mode, in alternating phases of the same run, is the
baseline. All nodes share one config file with the secret key. Reports "not
available yet" while ``cobrowse serve`` has no ``--redis``.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness.clients import RelayTarget
from bench.harness.load import Contender
from bench.harness.outcome import Check, Outcome, Table, check
from bench.harness.procs import start_relay
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
        with running_redis(Path(tmp)) as redis:
            node = ("--config", str(config), "--redis", redis.url)
            with (
                start_relay("--config", str(config)) as single,
                start_relay(*node) as a,
                start_relay(*node) as b,
            ):
                assert redis.proc is not None
                bus, memory = compare(
                    [
                        Contender(RelayTarget(a, citizen_server=b), (a.pid, b.pid, redis.proc.pid)),
                        Contender(RelayTarget(single), (single.pid,)),
                    ],
                    SESSIONS,
                    quick,
                )
    out.tables.append(
        Table(
            f"S = {SESSIONS}: memory mode (one node) vs Redis mode (advisors on node A, "
            "citizens on node B; server CPU = both nodes + redis-server)",
            COLUMNS,
            [row("relay", "asyncio", "memory", memory), row("relay ×2", "asyncio", "redis", bus)],
        )
    )
    out.figures = {
        "ratio_p50": ratio(bus["p50_ms"], memory["p50_ms"]),
        "ratio_p99": ratio(bus["p99_ms"], memory["p99_ms"]),
        "p50_ms": bus["p50_ms"],
        "p99_ms": bus["p99_ms"],
        "memory_p50_ms": memory["p50_ms"],
        "memory_p99_ms": memory["p99_ms"],
        "errors": bus["errors"],
    }
    out.checks = [
        check("ratio_p50 ≤ 1.5", out.figures["ratio_p50"], 1.5),
        check("ratio_p99 ≤ 2", out.figures["ratio_p99"], 2.0),
    ]
    return out
