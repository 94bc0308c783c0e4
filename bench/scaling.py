"""``scaling``: the pointer load of ``relay`` at growing session counts.

For each S the floor and the relay get the same load in the same run, both
on the loop ``cobrowse serve`` runs on (uvloop where it is installed). The
table shows where latency stops being flat: when the relay's CPU (or the
load generator's, on a 2-core machine) runs out. ``p99_growth`` is the
relay's p99 at the largest S over its p99 at S = 100.
"""

from __future__ import annotations

from bench.harness.outcome import Check, Outcome, Table
from bench.harness.procs import start_demo_site, start_floor, start_relay
from bench.harness.stats import ratio
from bench.relay import deployed_loop, errors_cell, relay_vs_floor

__all__ = ["run"]

FULL = (50, 100, 200, 400, 800)
QUICK = (100, 200)
COLUMNS = [
    "S",
    "relay p50 ms",
    "relay p99 ms",
    "floor p50 ms",
    "floor p99 ms",
    "ratio p50",
    "ratio p99",
    "deliveries/s",
    "relay CPU %",
    "CPU µs/delivery",
    "floor CPU %",
    "loadgen CPU %",
    "send lag p99 ms",
    "rounds",
    "coalesced %",
    "errors",
    "S navigations: all pages in s",
    "pages missing",
    "page errors",
]


def run(quick: bool) -> Outcome:
    out = Outcome("scaling")
    counts = QUICK if quick else FULL
    loop = deployed_loop()
    uv = loop == "uvloop"
    table = Table(f"relay vs floor by session count (pointer at 30 Hz, {loop} loop)", COLUMNS)
    p99: dict[int, float] = {}
    errors = 0
    missing = 0
    for sessions in counts:
        with (
            start_demo_site() as site,
            start_floor(uvloop=uv) as floor_server,
            start_relay(uvloop=uv, site=site) as relay_server,
        ):
            relay, floor = relay_vs_floor(relay_server, floor_server, sessions, quick, burst=True)
        p99[sessions] = relay["p99_ms"]
        errors += relay["errors"]
        missing += relay["snapshots_missing"]
        table.rows.append(
            [
                sessions,
                relay["p50_ms"],
                relay["p99_ms"],
                floor["p50_ms"],
                floor["p99_ms"],
                ratio(relay["p50_ms"], floor["p50_ms"]),
                ratio(relay["p99_ms"], floor["p99_ms"]),
                relay["deliveries_per_s"],
                relay["server_cpu_pct"],
                relay["cpu_per_delivery_us"],
                floor["server_cpu_pct"],
                relay["loadgen_cpu_pct"],
                relay["loadgen_lag_p99_ms"],
                relay["rounds"],
                relay["coalesced_pct"],
                errors_cell(relay["errors"], relay["close_codes"]),
                relay["burst_s"],
                relay["snapshots_missing"],
                errors_cell(relay["nav_errors"], relay["nav_error_keys"]),
            ]
        )
    top = max(counts)
    out.figures = {
        "p99_growth": ratio(p99[top], p99[100]),
        "p99_by_sessions": {str(s): v for s, v in p99.items()},
        "errors": errors,
        "snapshots_missing": missing,
        "largest_sessions": top,
    }
    out.tables.append(table)
    out.checks = [
        Check(f"no errors up to S={top}", errors == 0),
        Check(
            f"no dropped snapshots up to S={top} (every advisor navigates at once)", missing == 0
        ),
    ]
    out.notes.append(
        "Latency is flat while the relay and the load generator have CPU to spare; "
        "on 2 cores the two share the machine, so the knee is where their sum nears 200 %."
    )
    return out
