"""``python -m bench NAME [--quick] [--json]`` and ``python -m bench all``."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import math
import os
import signal
import sys
import time
from typing import Any

from bench.harness.outcome import Outcome
from bench.harness.procs import raise_fd_limit

BENCHMARKS = (
    "relay",
    "scaling",
    "pipeline",
    "snapshot",
    "navdiff",
    "memory",
    "redis",
    "handover",
    "e2e",
    "fidelity",
    "render",
)
# module per benchmark ("redis" would shadow the redis package's name).
MODULES = {name: f"bench.{name}" for name in BENCHMARKS} | {"redis": "bench.redis_bus"}


def run_one(name: str, quick: bool, command: str = "") -> Outcome:
    """Import and run one benchmark; never raises for a benchmark's own failure."""
    started = time.monotonic()
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        module = importlib.import_module(MODULES[name])
        outcome: Outcome = module.run(quick)
    except Exception as exc:
        message = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, for the tables
        outcome = Outcome(name, available=False, notes=[f"failed: {message}"])
    outcome.seconds = time.monotonic() - started
    outcome.load = f"{load} → {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
    outcome.when = when
    outcome.command = command or f"python -m bench {name}" + (" --quick" if quick else "")
    return outcome


def use_uvloop_for_load() -> None:
    """The load generator (this process) runs on uvloop when it is installed: it has
    less overhead per frame, so it disturbs the measurement less. The servers
    measured pick their own loop."""
    try:
        import uvloop
    except ImportError:
        return
    uvloop.install()


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def show(outcome: Outcome) -> None:
    print(f"== {outcome.name} ({outcome.seconds:.0f} s, load average {outcome.load})")
    for note in outcome.notes:
        print(f"   {note}")
    for table in outcome.tables:
        print(table.markdown())
        print()
    for check in outcome.checks:
        print(f"   target {check.target}: {check.verdict}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 60 s each)")
    parser.add_argument("--json", action="store_true", help="print a JSON object as last line")
    parser.add_argument(
        "--report", action="store_true", help="replace this benchmark's section in the report"
    )
    parser.add_argument("--output", help="report file (default docs/benchmarks.md)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the servers started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    raise_fd_limit()
    use_uvloop_for_load()
    if args.name == "all":
        from bench.harness.report import write_report

        outcomes = []
        for name in BENCHMARKS:
            outcome = run_one(name, args.quick, "python -m bench all" + " --quick" * args.quick)
            show(outcome)
            outcomes.append(outcome)
        path = write_report(outcomes, args.output)
        print(f"wrote {path}")
        if args.json:
            print(
                json.dumps(
                    {o.name: {k: _json_safe(v) for k, v in o.figures.items()} for o in outcomes}
                )
            )
        return 0
    outcome = run_one(args.name, args.quick)
    show(outcome)
    if args.report:
        from bench.harness.report import update_report

        print(f"updated {update_report(outcome, args.output)}")
    if args.json:
        figures = {k: _json_safe(v) for k, v in outcome.figures.items()}
        if not outcome.available:
            figures["available"] = False
            figures["note"] = "; ".join(outcome.notes)
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
