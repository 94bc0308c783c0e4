"""``render``: what ``render = "browser"`` costs, against the html path in the same run.

* Time to first page: the demo's appointment page through the relay's own
  browser (a fresh session: new context, load, settle, pipeline) and through
  the html path (fetch + pipeline), alternately, on an in-process demo site.
* Throughput: sessions loading demo pages through the browser pool
  (``max_browsers`` = 2) at once, pages per second, against the html path;
  with Chromium on every CPU (the default) and kept off one
  (``cpus = "auto"``), and the first page both ways: what keeping a core
  free of Chromium costs the rendering.
* Memory: the relay's Chromium processes (found by their launch flags) with
  N sessions each on a live rendered page, against the browser with none.
* Pointer latency of other sessions while pages render: two relays (html and
  ``render = "browser"`` for the demo host) under the ``relay`` benchmark's
  pointer load with every fifth advisor navigating every 2 s; the render
  relay's p50/p99 against the html relay's (the target: within 1.5×). The
  CPU the render relay's processes used meanwhile is split by kind (the
  relay's event loop, its page workers, Playwright's driver, Chromium), with
  the scheduling policy Chromium's threads actually ran under and the
  autogroup nice value of its session group.
* The floor of that ratio on this machine, as further contenders in the
  same alternating run: the html relay with burner processes
  (:mod:`bench.harness.burn`) that use, each phase, as much CPU as the render
  relay's Chromium used in its phase just before, and yield as it does
  (own session with autogroup nice 19, ``SCHED_IDLE``) — on all CPUs, and
  all on the last CPU; and a render relay whose Chromium keeps off the
  first CPU (``[render] cpus = "auto"``). What Chromium's work costs other
  sessions however the relay drives it, and what keeping it off one core
  buys them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.harness.clients import RelayTarget
from bench.harness.load import Contender
from bench.harness.outcome import Outcome, Table, check
from bench.harness.procs import start_relay
from bench.harness.stats import percentile, ratio
from bench.relay import compare
from cobrowse.config import parse_config
from cobrowse.demo import make_demo_app
from cobrowse.fetch import Fetcher
from cobrowse.page_worker import PageJob, PageWorkers
from cobrowse.render import Renderer
from cobrowse.render.browser import chromium_args
from cobrowse.render.priority import autogroup_nice, autogroups_enabled, render_cpus
from cobrowse.session.model import CoSession
from cobrowse.session.store import SessionStore

__all__ = ["run"]

SECRET = "b" * 32
PAGE = "/service/termine.html"
PAGES = ("/service/termine.html", "/themen/wohngeld.html", "/service/standorte.html")
_FLAG = chromium_args(256)[11]  # the dead-proxy flag only the relay's Chromium carries
_CLK_TCK = os.sysconf("SC_CLK_TCK")
KINDS = ("relay", "workers", "driver", "chromium")
BURNERS = 2  # processes: Chromium's work spreads over its browser and renderer processes
BURN_SLICE_MS = 10.0


def _chromium_rss_mib() -> float:
    """Memory (PSS) of the relay's Chromium: the processes launched with its
    flags and all their descendants (zygotes, renderers, utilities), in MiB."""
    parents: dict[int, int] = {}
    roots: set[int] = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            if _FLAG.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                roots.add(int(entry))
        except (OSError, ValueError):
            continue
    ours = set(roots)
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in ours} - ours
        grown = bool(children)
        ours |= children
    return sum(_rss(pid) for pid in ours) / 1024


def _descendants(root: int) -> set[int]:
    """``root`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    ours = {root}
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in ours} - ours
        grown = bool(children)
        ours |= children
    return ours


def _kind(pid: int, root: int) -> str:
    if pid == root:
        return "relay"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    if b"run-driver" in argv:
        return "driver"
    if b"chrom" in argv[0]:
        return "chromium"
    return "workers"  # the relay's page workers (multiprocessing)


_POLICIES = {0: "normal", 3: "batch", 5: "idle"}


def _cpu_by_kind(root: int) -> tuple[dict[str, float], set[str]]:
    """CPU seconds so far of the relay ``root`` and its children, by kind, and
    the scheduling policies (with nice values) of Chromium's threads and the
    nice values of its session groups (where the kernel has autogroups)."""
    cpu: dict[str, float] = {}
    policies: set[str] = set()
    for pid in _descendants(root):
        kind = _kind(pid, root)
        if not kind:
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[kind] = cpu.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / _CLK_TCK
        if kind != "chromium":
            continue
        group = autogroup_nice(pid)
        if group is not None and autogroups_enabled():
            policies.add(f"autogroup nice {group}")
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    stat = Path(f"/proc/{pid}/task/{task}/stat").read_text()
                    fields = stat.rsplit(")", 1)[1].split()
                    policy = _POLICIES.get(int(fields[38]), fields[38])
                    policies.add(policy if policy == "idle" else f"{policy} nice {fields[16]}")
    return cpu, policies


def _rss(pid: int) -> int:
    """Proportional set size in KiB (shared pages split among the processes
    sharing them, so the processes of one browser add up honestly)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:  # gone meanwhile
        pass
    return 0


async def _in_process(quick: bool) -> dict[str, Any]:
    runner = web.AppRunner(make_demo_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host = f"127.0.0.1:{runner.addresses[0][1]}"
    config = parse_config(
        f'[fetch]\nallowed_hosts = ["{host}"]\nprivate_hosts = ["{host}"]\n'
        '[render]\nmax_browsers = 2\n[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\n'
    )
    fetcher = Fetcher(config.fetch)
    renderer = Renderer(config.render, fetcher, config.rules, secret=SECRET, workers=PageWorkers(0))
    off_one = replace(config.render, cpus=None)  # cpus = "auto"
    pinned = Renderer(off_one, fetcher, config.rules, secret=SECRET, workers=PageWorkers(0))
    store = SessionStore(config)
    html_workers = PageWorkers(0)
    base = f"http://{host}"
    out: dict[str, Any] = {}

    async def html_page(session: CoSession, path: str) -> None:
        result = await fetcher.fetch(base + path, max_bytes=config.fetch.max_page_bytes)
        job = PageJob(
            result.body, result.content_type, result.url, session.id, SECRET, config.fetch, ()
        )
        await html_workers.build(job)

    async def rendered_page(session: CoSession, path: str, by: Renderer = renderer) -> None:
        rendered = await by.render(session, base + path)
        await by.build(session, rendered.url, rendered.html)
        await by.discard(session, rendered)

    async def pinned_page(session: CoSession, path: str) -> None:
        await rendered_page(session, path, pinned)

    try:
        warm = store.create("warm")
        await rendered_page(warm, PAGE)  # the browser starts here
        await renderer.drop(warm)
        out["browser_idle_mib"] = _chromium_rss_mib()
        await rendered_page(store.create("warm"), PAGE, pinned)  # its browser starts
        loads = (("html", html_page), ("render", rendered_page), ("render_pinned", pinned_page))
        first: dict[str, list[float]] = {name: [] for name, _ in loads}
        for _ in range(5 if quick else 15):
            for name, load in loads:
                session = store.create(name)
                t0 = time.perf_counter()
                await load(session, PAGE)  # a rendered one in a fresh context each
                first[name].append((time.perf_counter() - t0) * 1e3)
                if name != "html":
                    await (pinned if name == "render_pinned" else renderer).drop(session)
        for name, times in first.items():
            out[f"{name}_first_ms"] = round(percentile(times, 50), 1)
        for name, load in loads:
            sessions = [store.create(name) for _ in range(4)]
            rounds = 2 if quick else 5
            t0 = time.perf_counter()
            await asyncio.gather(
                *(
                    load(s, PAGES[(i + r) % 3])
                    for r in range(rounds)
                    for i, s in enumerate(sessions)
                )
            )
            out[f"{name}_pages_per_s"] = round(
                len(sessions) * rounds / (time.perf_counter() - t0), 1
            )
        live = 4 if quick else 10
        before = _chromium_rss_mib()
        for _ in range(live):
            session = store.create("live")
            rendered = await renderer.render(session, base + PAGE)
            await renderer.browsers[session.id][1].show(rendered.page)  # kept open, as live
        await asyncio.sleep(1.0)
        out["live_sessions"] = live
        out["mib_per_rendered_session"] = round((_chromium_rss_mib() - before) / live, 1)
    finally:
        await renderer.close()
        await pinned.close()
        await fetcher.close()
        await runner.cleanup()
    return out


class _ChromiumShare:
    """A contender's ``during`` hook: the CPU a render relay's Chromium used in
    each of its phases, in % of one core."""

    def __init__(self, relay: int) -> None:
        self.relay = relay
        self.phases: list[float] = []
        self._start = (0.0, 0.0)

    def _chromium_s(self) -> float:
        return _cpu_by_kind(self.relay)[0].get("chromium", 0.0)

    def __call__(self, starting: bool) -> None:
        if starting:
            self._start = (self._chromium_s(), time.perf_counter())
        else:
            used, started = self._start
            wall = time.perf_counter() - started
            self.phases.append(100 * (self._chromium_s() - used) / wall)

    def mean(self) -> float:
        return round(sum(self.phases) / len(self.phases), 1) if self.phases else 0.0


class _Burners:
    """A contender's ``during`` hook: :data:`BURNERS` burner processes for the
    length of its phase, together asked for the CPU ``share``'s Chromium used
    in its last phase, on ``cpu`` only if given. Records the CPU they got."""

    def __init__(self, share: _ChromiumShare, cpu: int | None = None) -> None:
        self.share = share
        self.cpu = cpu
        self.asked: list[float] = []
        self.used: list[float] = []
        self._procs: list[subprocess.Popen[bytes]] = []
        self._started = 0.0

    def __call__(self, starting: bool) -> None:
        if starting:
            pct = self.share.phases[-1] if self.share.phases else 0.0
            self.asked.append(pct)
            duty = min(1.0, pct / 100 / BURNERS)
            argv = [sys.executable, "-m", "bench.harness.burn", f"{duty:.4f}", str(BURN_SLICE_MS)]
            argv += [str(self.cpu)] if self.cpu is not None else []
            self._procs = [subprocess.Popen(argv, start_new_session=True) for _ in range(BURNERS)]
            self._started = time.perf_counter()
            return
        used = 0.0
        for proc in self._procs:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                used += (int(fields[11]) + int(fields[12])) / _CLK_TCK
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        self.used.append(100 * used / (time.perf_counter() - self._started))
        self._procs = []

    def mean(self, values: list[float]) -> float:
        return round(sum(values) / len(values), 1) if values else 0.0


def _pointer_under_renders(
    quick: bool,
) -> tuple[list[dict[str, Any]], dict[str, float], set[str], dict[str, Any]]:
    """(summaries of html, html + burners, html + burners on one CPU, render,
    render with Chromium off the first CPU; the render relay's CPU % of one
    core by kind over its phases; Chromium's scheduling policies; the floor's
    CPU figures)."""
    sessions = 10 if quick else 20
    last = max(os.sched_getaffinity(0))
    render_toml = '[render]\nmax_browsers = 2\n[[rules]]\nhost = "127.0.0.1"\nrender = "browser"\n'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "render.toml"
        path.write_text(render_toml)
        pinned_path = Path(tmp) / "pinned.toml"
        pinned_path.write_text(render_toml.replace("[render]\n", '[render]\ncpus = "auto"\n'))
        with (
            start_relay() as html,
            start_relay("--config", str(path)) as rendered,
            start_relay("--config", str(pinned_path)) as pinned,
        ):
            share = _ChromiumShare(rendered.pid)
            pinned_share = _ChromiumShare(pinned.pid)
            spread, one = _Burners(share), _Burners(share, last)

            def contender(relay: Any, during: Any) -> Contender:
                return Contender(
                    RelayTarget(relay), (relay.pid,), relay.demo, nav_every=2.0, during=during
                )

            cpu_time = 0.0

            def timed(hook: _ChromiumShare) -> Any:
                def during(starting: bool) -> None:
                    nonlocal cpu_time
                    hook(starting)
                    cpu_time += (-1 if starting else 1) * time.perf_counter()

                return during

            before, _ = _cpu_by_kind(rendered.pid)
            # phases run last contender first: the render relays before the burners
            summaries = compare(
                [
                    contender(html, None),
                    contender(html, spread),
                    contender(html, one),
                    contender(rendered, timed(share)),
                    contender(pinned, pinned_share),
                ],
                sessions,
                quick,
            )
            after, policies = _cpu_by_kind(rendered.pid)
    cpu = {k: round(100 * (after.get(k, 0.0) - before.get(k, 0.0)) / cpu_time, 1) for k in KINDS}
    floor = {
        "chromium_phase_pct": share.mean(),
        "burn_asked_pct": spread.mean(spread.asked),
        "burn_used_pct": spread.mean(spread.used),
        "burn_one_cpu_used_pct": one.mean(one.used),
        "pinned_chromium_pct": pinned_share.mean(),
        "pinned_cpus": ", ".join(map(str, sorted(render_cpus(None)))),
        "burn_cpu": last,
    }
    return summaries, cpu, policies, floor


def run(quick: bool) -> Outcome:
    out = Outcome("render")
    figures = asyncio.run(_in_process(quick))
    summaries, cpu, policies, floor = _pointer_under_renders(quick)
    html_s, burn_s, burn_one_s, render_s, pinned_s = summaries
    figures |= {f"cpu_{kind}_pct": pct for kind, pct in cpu.items()}
    figures["chromium_policy"] = ", ".join(sorted(policies))
    figures |= {
        "first_page_ratio": ratio(figures["render_first_ms"], figures["html_first_ms"]),
        "throughput_ratio": ratio(figures["render_pages_per_s"], figures["html_pages_per_s"]),
        "throughput_ratio_pinned": ratio(
            figures["render_pinned_pages_per_s"], figures["render_pages_per_s"]
        ),
        "pointer_html_p50_ms": html_s["p50_ms"],
        "pointer_html_p99_ms": html_s["p99_ms"],
        "pointer_render_p50_ms": render_s["p50_ms"],
        "pointer_render_p99_ms": render_s["p99_ms"],
        "pointer_ratio_p50": ratio(render_s["p50_ms"], html_s["p50_ms"]),
        "pointer_ratio_p99": ratio(render_s["p99_ms"], html_s["p99_ms"]),
        "pointer_sessions": render_s["sessions"],
    }
    variants = (("burn", burn_s), ("burn_one_cpu", burn_one_s), ("render_pinned", pinned_s))
    for name, s in variants:
        figures[f"pointer_{name}_p50_ms"] = s["p50_ms"]
        figures[f"pointer_{name}_p99_ms"] = s["p99_ms"]
        figures[f"pointer_ratio_p50_{name}"] = ratio(s["p50_ms"], html_s["p50_ms"])
        figures[f"pointer_ratio_p99_{name}"] = ratio(s["p99_ms"], html_s["p99_ms"])
    figures |= floor
    pages = Table(
        "One demo page (the appointment list a script builds), html path vs render",
        ["path", "first page p50 ms", "pages/s (4 sessions)", "ratio to html"],
    )
    pages.rows = [
        ["html", figures["html_first_ms"], figures["html_pages_per_s"], 1.0],
        [
            "render (fresh context)",
            figures["render_first_ms"],
            figures["render_pages_per_s"],
            figures["first_page_ratio"],
        ],
        [
            'render, Chromium off CPU 0 (cpus = "auto")',
            figures["render_pinned_first_ms"],
            figures["render_pinned_pages_per_s"],
            ratio(figures["render_pinned_first_ms"], figures["html_first_ms"]),
        ],
    ]
    memory = Table(
        "Relay's Chromium, memory (PSS: shared pages split among its processes)",
        ["browser with no session MiB", "live rendered sessions", "MiB per rendered session"],
        [
            [
                round(figures["browser_idle_mib"], 1),
                figures["live_sessions"],
                figures["mib_per_rendered_session"],
            ]
        ],
    )
    pointer = Table(
        f"Pointer latency of {figures['pointer_sessions']} sessions, every fifth navigating "
        "every 2 s",
        ["relay", "p50 ms", "p99 ms", "navigations", "pages missing", "errors", "page errors"],
        [
            [
                name,
                s["p50_ms"],
                s["p99_ms"],
                s["navigations"],
                s["snapshots_missing"],
                s["errors"],
                s["nav_errors"],
            ]
            for name, s in (("html path", html_s), ("render = browser", render_s))
        ],
    )
    cpu_n = floor["burn_cpu"]
    floor_table = Table(
        "The floor: the same load, alternating in the same run, against the html relay "
        f"(burners: {BURNERS} processes in {BURN_SLICE_MS:g}-ms busy slices, own sessions "
        "at autogroup nice 19, SCHED_IDLE, asked for what Chromium used in the render "
        "relay's phase before; CPU in % of one core over the phases)",
        ["contender", "p50 ms", "p99 ms", "p50 ratio", "p99 ratio", "CPU beside the relay"],
        [
            ["html path", html_s["p50_ms"], html_s["p99_ms"], 1.0, 1.0, "–"],
            [
                "html path + burners, all CPUs",
                burn_s["p50_ms"],
                burn_s["p99_ms"],
                figures["pointer_ratio_p50_burn"],
                figures["pointer_ratio_p99_burn"],
                f"{floor['burn_used_pct']} of {floor['burn_asked_pct']} asked",
            ],
            [
                f"html path + burners, CPU {cpu_n} only",
                burn_one_s["p50_ms"],
                burn_one_s["p99_ms"],
                figures["pointer_ratio_p50_burn_one_cpu"],
                figures["pointer_ratio_p99_burn_one_cpu"],
                f"{floor['burn_one_cpu_used_pct']} of {floor['burn_asked_pct']} asked",
            ],
            [
                "render = browser",
                render_s["p50_ms"],
                render_s["p99_ms"],
                figures["pointer_ratio_p50"],
                figures["pointer_ratio_p99"],
                f"Chromium {floor['chromium_phase_pct']}",
            ],
            [
                f'render = browser, cpus = "auto" (Chromium on CPU {floor["pinned_cpus"]})',
                pinned_s["p50_ms"],
                pinned_s["p99_ms"],
                figures["pointer_ratio_p50_render_pinned"],
                figures["pointer_ratio_p99_render_pinned"],
                f"Chromium {floor['pinned_chromium_pct']}",
            ],
        ],
    )
    usage = Table(
        "CPU of the render relay's processes while it served the pointer load "
        "(% of one core, averaged over its phases; 2 cores in all)",
        ["relay (event loop)", "page workers", "Playwright driver", "Chromium", "Chromium runs"],
        [[*(cpu[k] for k in KINDS), figures["chromium_policy"] or "–"]],
    )
    out.tables = [pages, memory, pointer, usage, floor_table]
    out.figures = figures
    out.checks = [
        check("pointer p99 while rendering ≤ 1.5× html-only", figures["pointer_ratio_p99"], 1.5),
        check("pointer p50 while rendering ≤ 1.5× html-only", figures["pointer_ratio_p50"], 1.5),
    ]
    return out
