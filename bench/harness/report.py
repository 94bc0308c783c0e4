"""Write ``docs/benchmarks.md`` from a run of every benchmark.

Everything is generated except the block between ``<!-- analysis -->`` and
``<!-- /analysis -->``: that is the engineers' interpretation (what limits a
target, what would fix it) and is carried over from the existing file. The
outcomes are also kept as JSON beside the report, so one benchmark can be
rerun (``python -m bench NAME --report``) and its section replaced.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness.machine import describe
from bench.harness.outcome import Outcome

__all__ = ["load_outcomes", "reading", "update_report", "write_report"]

DEFAULT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
_ANALYSIS = re.compile(r"<!-- analysis -->.*?<!-- /analysis -->", re.DOTALL)
_EMPTY_ANALYSIS = "<!-- analysis -->\n_No analysis written yet._\n<!-- /analysis -->"


def _f(figures: dict[str, Any], key: str) -> str:
    value = figures.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


READINGS: dict[str, Callable[[dict[str, Any]], str]] = {
    "relay": lambda f: (
        f"At S = {_f(f, 'sessions')} the relay on {_f(f, 'loop')} (the loop it runs on) "
        f"delivers a pointer in {_f(f, 'p50_ms')} ms "
        f"(p50) / {_f(f, 'p99_ms')} ms (p99) against the floor's {_f(f, 'floor_p50_ms')} / "
        f"{_f(f, 'floor_p99_ms')} ms: {_f(f, 'ratio_p50')}× and {_f(f, 'ratio_p99')}×. It spends "
        f"{_f(f, 'cpu_per_delivery_us')} µs of CPU per delivery (floor "
        f"{_f(f, 'floor_cpu_per_delivery_us')} µs). With navigations running in parallel the "
        f"pointer p99 becomes {_f(f, 'nav_p99_ms')} ms, against {_f(f, 'nav_floor_p99_ms')} ms "
        f"on the floor forwarding the same page frames ({_f(f, 'nav_ratio_p99')}×); with 10 % "
        f"of citizens stalled as well, {_f(f, 'stalled_p99_ms')} ms. On asyncio's own loop "
        f"(the fallback): "
        f"{_f(f, 'asyncio_ratio_p50')}× and {_f(f, 'asyncio_ratio_p99')}× the floor on that "
        f"loop, {_f(f, 'asyncio_cpu_per_delivery_us')} µs per delivery, p99 with navigations "
        f"{_f(f, 'asyncio_nav_p99_ms')} ms (floor with page frames "
        f"{_f(f, 'asyncio_nav_floor_p99_ms')} ms)."
    ),
    "scaling": lambda f: (
        f"p99 at S = {_f(f, 'largest_sessions')} is {_f(f, 'p99_growth')}× the p99 at S = 100; "
        f"errors: {_f(f, 'errors')}, snapshots missing after a navigation burst: "
        f"{_f(f, 'snapshots_missing')}."
    ),
    "pipeline": lambda f: (
        f"Over {_f(f, 'pages')} corpus pages the full pipeline costs {_f(f, 'median_ratio')}× "
        f"lxml's parse at the median (p95 {_f(f, 'p95_ratio')}×), {_f(f, 'errors')} errors; "
        f"protocol v2's floor (parse, bare walk into the wire form, deflate; no sanitizing) "
        f"{_f(f, 'v2_floor_median_ratio')}×. Loop lateness on the relay's path while the "
        f"largest pages are built, for a message arriving on a pipe: p99 "
        f"{_f(f, 'relay_stall_p99_ms')} ms, max {_f(f, 'relay_stall_max_ms')} ms (for a 1 ms "
        f"timer: p99 {_f(f, 'relay_timer_p99_ms')} ms, max {_f(f, 'relay_timer_max_ms')} ms)."
    ),
    "snapshot": lambda f: (
        f"A SNAPSHOT frame is {_f(f, 'median_size_ratio')}× the sanitized HTML (median; "
        f"{_f(f, 'median_v1_ratio')}× with an id on every node); on the socket it is "
        f"{_f(f, 'median_wire_ratio')}× the raw HTML, and "
        f"{_f(f, 'median_wire_vs_html_deflate')}× the deflated HTML."
    ),
    "navdiff": lambda f: (
        f"A same-site navigation sent as a diff is {_f(f, 'median_diff_ratio')}× the snapshot "
        f"(median over {_f(f, 'steps')} steps, p95 {_f(f, 'p95_diff_ratio')}×)."
    ),
    "memory": lambda f: (
        f"An idle session with three sockets costs the relay {_f(f, 'kib_per_session')} KiB "
        f"(the floor's bare sockets: {_f(f, 'floor_kib_per_session')} KiB)."
    ),
    "redis": lambda f: (
        f"Through Redis (two nodes) the pointer p50/p99 is {_f(f, 'ratio_p50')}× / "
        f"{_f(f, 'ratio_p99')}× memory mode."
    ),
    "handover": lambda f: (
        f"When the advisor comes through another node, the citizen has the page again "
        f"after {_f(f, 'handover_p50_ms')} ms (p50; a reload on the owner: "
        f"{_f(f, 'reload_p50_ms')} ms); after the owner node was killed, after "
        f"{_f(f, 'failover_p50_ms')} ms (p50, max {_f(f, 'failover_max_ms')} ms) with "
        f"owner_timeout_seconds = {_f(f, 'owner_timeout_s')}."
    ),
    "fidelity": lambda f: (
        f"Against the scripts-off page without what the relay leaves out on purpose (a'), "
        f"the median page keeps {f['median_words_kept_intended']:.1%} of its visible words "
        f"at SSIM {f['median_ssim_intended']:.3f} (against the plain scripts-off page: "
        f"{f['median_words_kept']:.1%}, {f['median_ssim']:.3f}); on average "
        f"{f['mean_images_rendered']:.1%} of the images that render without scripts render "
        f"in the mirror; {f['not_arrived']} renderings were not compared."
    ),
    "e2e": lambda f: (
        f"In real Chromium the citizen sees the advisor's pointer move after "
        f"{_f(f, 'pointer_p50_ms')} ms (p50) and a new demo page after {_f(f, 'nav_p50_ms')} ms."
    ),
    "render": lambda f: (
        f"Through the relay's browser the demo's script-built page takes "
        f"{_f(f, 'render_first_ms')} ms to a built page (html path {_f(f, 'html_first_ms')} ms: "
        f"{_f(f, 'first_page_ratio')}×; {_f(f, 'render_pinned_first_ms')} ms with Chromium kept "
        f"off one CPU); {_f(f, 'render_pages_per_s')} pages/s with two browsers "
        f"({_f(f, 'throughput_ratio')}× the html path; {_f(f, 'render_pinned_pages_per_s')} "
        f"kept off one CPU); "
        f"{_f(f, 'mib_per_rendered_session')} MiB per session on a live rendered page. Other "
        f"sessions' pointer p50/p99 while pages render: {_f(f, 'pointer_ratio_p50')}× / "
        f"{_f(f, 'pointer_ratio_p99')}× the html-only relay (Chromium kept off one CPU: "
        f"{_f(f, 'pointer_ratio_p99_render_pinned')}×); the floor, burners using Chromium's "
        f"CPU as it yields: p99 {_f(f, 'pointer_ratio_p99_burn')}×."
    ),
}


def reading(outcome: Outcome) -> str:
    """One generated sentence or three saying what the figures mean."""
    if not outcome.available:
        return " ".join(outcome.notes) or "not available"
    try:
        return READINGS[outcome.name](outcome.figures)
    except (KeyError, TypeError, ValueError):
        return ""


def _summary(outcomes: list[Outcome]) -> list[str]:
    lines = ["| benchmark | target | verdict |", "|---|---|---|"]
    for o in outcomes:
        for c in o.checks:
            lines.append(f"| `{o.name}` | {c.target} | **{c.verdict}** |")
        if not o.checks:
            lines.append(f"| `{o.name}` | – | {'; '.join(o.notes) or '–'} |")
    return lines


def _section(o: Outcome) -> list[str]:
    doc = (
        importlib.import_module(f"bench.{'redis_bus' if o.name == 'redis' else o.name}").__doc__
        or ""
    )
    intro = " ".join(doc.strip().split("\n\n")[0].split())
    lines = [f"## `{o.name}`", "", intro, ""]
    lines += [f"_{reading(o)}_", ""]
    for table in o.tables:
        lines += [table.markdown(), ""]
    for note in o.notes if o.available else []:
        lines += [f"Note: {note}", ""]
    if o.figures:
        figures = {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in o.figures.items()
        }
        lines += [f"JSON (`python -m bench {o.name} --json`): `{json.dumps(figures)}`", ""]
    lines += [
        f"Ran `{o.command}` at {o.when} in {o.seconds:.0f} s; load average (1/5/15 min) "
        f"before → after: {o.load}.",
        "",
    ]
    return lines


def _json_path(path: Path) -> Path:
    return path.with_suffix(".json")


def load_outcomes(output: str | None = None) -> list[Outcome]:
    """The outcomes the report was last written from (empty if none)."""
    path = _json_path(Path(output) if output else DEFAULT)
    if not path.exists():
        return []
    data = json.loads(path.read_text("utf-8"))
    return [Outcome.from_dict(o) for o in data["outcomes"]]


def update_report(outcome: Outcome, output: str | None = None) -> Path:
    """Replace one benchmark's section (a rerun of ``python -m bench NAME --report``)."""
    outcomes = load_outcomes(output)
    names = [o.name for o in outcomes]
    if outcome.name in names:
        outcomes[names.index(outcome.name)] = outcome
    else:
        outcomes.append(outcome)
    return write_report(outcomes, output)


def write_report(outcomes: list[Outcome], output: str | None = None) -> Path:
    """Rewrite the report (default ``docs/benchmarks.md``) and, beside it, the
    outcomes as JSON (``docs/benchmarks.json``); returns the report's path."""
    path = Path(output) if output else DEFAULT
    old = path.read_text("utf-8") if path.exists() else ""
    found = _ANALYSIS.search(old)
    analysis = found.group(0) if found else _EMPTY_ANALYSIS
    machine = describe()
    commands = sorted({o.command for o in outcomes if o.command})
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench all`) — do not edit by hand except the "
        "analysis block, which a rerun keeps. Each benchmark also runs alone: "
        "`python -m bench NAME [--quick] [--json]`; with `--report` its section here is "
        "replaced. Servers run as subprocesses on loopback; the load generator is the "
        "`bench` process. Figures are compared with a baseline measured **in the same run** "
        "(the floor, memory mode, lxml's parse), because the machine is shared and noisy: "
        "other engineers' test suites ran during these runs (see the load average per section).",
        "",
        "Commands: " + ", ".join(f"`{c}`" for c in commands) + ".",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine.items() if k != "load average"],
        f"| load average when this was written | {machine['load average']} |",
        "",
        "## Targets",
        "",
        *_summary(outcomes),
        "",
        "## Analysis",
        "",
        analysis,
        "",
    ]
    for o in outcomes:
        lines += _section(o)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", "utf-8")
    data = {"outcomes": [o.to_dict() for o in outcomes]}
    _json_path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path
