"""``relay``: the relay against the floor under the same pointer load.

S sessions × (advisor + 2 citizens), every advisor moves the pointer at
30 Hz; latency is advisor send → citizen receive. The same load runs against
:mod:`bench.harness.floor` in the same run; the ratios are what count on a noisy
machine. Variants on the relay, compared with each other the same way on two
relay processes: navigations running in parallel (every fifth advisor loads
a demo page every 2 s), and the same with 10 % of the citizens stalled (they
never read). In the same run the floor gets the same navigation load as the
frames the relay sends for it (:mod:`bench.harness.page_frames`), so what the
relay adds per page (fetch, build, diff, encode) shows against the same
traffic. The relays fetch the demo site from a process of its own
(:mod:`bench.harness.demo_site`), as a deployed relay fetches sites from
elsewhere: not from its own event loop. Every comparison starts with one
unmeasured phase of each contender (:func:`bench.harness.load.run_rounds`),
and the stalled citizens connect anew at every phase, so each phase has
their full sockets and their giving-up in it. The headline figures and
targets are for the loop ``cobrowse serve`` runs on (uvloop where it is
installed, as it is by default); a full run measures asyncio's own loop
too, the fallback (relay and floor alike).
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from bench.harness.clients import FloorTarget, RelayTarget
from bench.harness.load import Contender, run_rounds
from bench.harness.outcome import Outcome, Table, check
from bench.harness.page_frames import capture_page_frames
from bench.harness.procs import Server, start_demo_site, start_floor, start_relay
from bench.harness.stats import ratio

__all__ = ["compare", "deployed_loop", "errors_cell", "relay_vs_floor", "run"]

SESSIONS = 200
NAV_EVERY = 2.0
COLUMNS = [
    "server",
    "loop",
    "variant",
    "S",
    "p50 ms",
    "p99 ms",
    "deliveries/s",
    "coalesced %",
    "server CPU %",
    "CPU µs/delivery",
    "loadgen CPU %",
    "send lag p99 ms",
    "rounds",
    "errors",
    "pages missing",
    "page errors",
]


def deployed_loop() -> str:
    """The loop ``cobrowse serve`` runs on here: uvloop where it is installed."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def _check_loop(loop: str, *relays: Server) -> None:
    """Each relay runs on the loop its row names (as it reports at start-up)."""
    for relay in relays:
        if relay.loop != loop:
            raise RuntimeError(f"the {loop} row's relay runs on {relay.loop or 'an unknown loop'}")


def timing(quick: bool) -> tuple[float, float]:
    """(warm-up, measuring window) in seconds of one phase."""
    return (1.0, 2.5) if quick else (1.5, 5.0)


def rounds(quick: bool) -> tuple[int, int]:
    """(rounds kept, rounds at most) of alternating floor/relay phases."""
    return (1, 2) if quick else (3, 6)


def compare(
    contenders: list[Contender],
    sessions: int,
    quick: bool,
    *,
    burst: bool = False,
) -> list[dict[str, Any]]:
    """The same pointer load on every contender in alternating phases (see
    :func:`bench.harness.load.run_rounds`); one summary per contender."""
    warmup, window = timing(quick)
    keep, most = rounds(quick)
    results, ran = asyncio.run(
        run_rounds(
            contenders,
            sessions,
            rounds=keep,
            max_rounds=most,
            warmup=warmup,
            measure=window,
            burst_timeout=(10.0 if quick else 60.0) if burst else 0.0,
        )
    )
    summaries = [r.summary() for r in results]
    for summary in summaries:
        summary["rounds"] = f"{keep} of {ran}"
    return summaries


def relay_vs_floor(
    relay: Server, floor: Server, sessions: int, quick: bool, *, burst: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pointer load on the relay and on the floor; (relay summary, floor summary)."""
    relay_s, floor_s = compare(
        [
            Contender(RelayTarget(relay), (relay.pid,), relay.demo),
            Contender(FloorTarget(floor), (floor.pid,)),
        ],
        sessions,
        quick,
        burst=burst,
    )
    return relay_s, floor_s


def errors_cell(count: int, keys: dict[Any, int]) -> str:
    """A table cell: how many, and of which kind (notice key or close code)."""
    return f"{count} ({', '.join(f'{k}: {n}' for k, n in keys.items())})" if count else "0"


def row(server: str, loop: str, variant: str, s: dict[str, Any]) -> list[Any]:
    return [
        server,
        loop,
        variant,
        s["sessions"],
        s["p50_ms"],
        s["p99_ms"],
        s["deliveries_per_s"],
        s["coalesced_pct"],
        s["server_cpu_pct"],
        s["cpu_per_delivery_us"],
        s["loadgen_cpu_pct"],
        s["loadgen_lag_p99_ms"],
        s.get("rounds", "1 of 1"),
        errors_cell(s["errors"], s["close_codes"]),
        s["snapshots_missing"] if s["navigations"] else "–",
        errors_cell(s["nav_errors"], s["nav_error_keys"]) if s["navigations"] else "–",
    ]


def run(quick: bool) -> Outcome:
    out = Outcome("relay")
    table = Table(f"S = {SESSIONS} sessions × 3 participants, pointer at 30 Hz", COLUMNS)
    deployed = deployed_loop()
    loops = [deployed] if quick else sorted({"asyncio", deployed})
    for loop in loops:
        uv = loop == "uvloop"
        with (
            start_demo_site() as site,
            start_floor(uvloop=uv) as floor_server,
            start_relay(uvloop=uv, site=site) as relay_server,
        ):
            _check_loop(loop, relay_server)
            relay, floor = relay_vs_floor(relay_server, floor_server, SESSIONS, quick)
        with (
            start_demo_site() as site,
            start_floor(uvloop=uv) as floor_server,
            start_relay(uvloop=uv, site=site) as calm,
            start_relay(uvloop=uv, site=site) as stalling,
        ):
            _check_loop(loop, calm, stalling)
            pages = capture_page_frames(calm)
            nav, stalled, floor_pages = compare(
                [
                    Contender(RelayTarget(calm), (calm.pid,), calm.demo, nav_every=NAV_EVERY),
                    Contender(
                        RelayTarget(stalling),
                        (stalling.pid,),
                        stalling.demo,
                        nav_every=NAV_EVERY,
                        stalled=True,
                    ),
                    Contender(
                        FloorTarget(floor_server, pages=pages),
                        (floor_server.pid,),
                        nav_every=NAV_EVERY,
                    ),
                ],
                SESSIONS,
                quick,
            )
        table.rows += [
            row("floor", loop, "pointer", floor),
            row("relay", loop, "pointer", relay),
            row("floor", loop, "+ the relay's page frames", floor_pages),
            row("relay", loop, "+ navigations", nav),
            row("relay", loop, "+ navigations + 10 % stalled", stalled),
        ]
        if loop == deployed:
            out.figures |= {
                "loop": loop,
                "p50_ms": relay["p50_ms"],
                "p99_ms": relay["p99_ms"],
                "floor_p50_ms": floor["p50_ms"],
                "floor_p99_ms": floor["p99_ms"],
                "ratio_p50": ratio(relay["p50_ms"], floor["p50_ms"]),
                "ratio_p99": ratio(relay["p99_ms"], floor["p99_ms"]),
                "deliveries_per_s": relay["deliveries_per_s"],
                "cpu_per_delivery_us": relay["cpu_per_delivery_us"],
                "floor_cpu_per_delivery_us": floor["cpu_per_delivery_us"],
                "nav_p99_ms": nav["p99_ms"],
                "nav_floor_p99_ms": floor_pages["p99_ms"],
                "nav_ratio_p99": ratio(nav["p99_ms"], floor_pages["p99_ms"]),
                "stalled_p99_ms": stalled["p99_ms"],
                "snapshots_missing": nav["snapshots_missing"] + stalled["snapshots_missing"],
                "errors": relay["errors"] + nav["errors"] + stalled["errors"],
                "sessions": SESSIONS,
            }
        else:  # the fallback loop
            out.figures |= {
                "asyncio_ratio_p50": ratio(relay["p50_ms"], floor["p50_ms"]),
                "asyncio_ratio_p99": ratio(relay["p99_ms"], floor["p99_ms"]),
                "asyncio_p50_ms": relay["p50_ms"],
                "asyncio_p99_ms": relay["p99_ms"],
                "asyncio_nav_p99_ms": nav["p99_ms"],
                "asyncio_nav_floor_p99_ms": floor_pages["p99_ms"],
                "asyncio_cpu_per_delivery_us": relay["cpu_per_delivery_us"],
            }
    out.tables.append(table)
    f = out.figures
    out.checks = [
        check(f"ratio_p50 ≤ 1.5 at S={SESSIONS} ({deployed})", f["ratio_p50"], 1.5),
        check(f"ratio_p99 ≤ 2 at S={SESSIONS} ({deployed})", f["ratio_p99"], 2.0),
        check(
            "stalled citizens do not raise p99 (≤ 2 × p99 with navigations)",
            f["stalled_p99_ms"],
            2 * f["nav_p99_ms"],
        ),
    ]
    return out
