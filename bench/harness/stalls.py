"""How long the event loop stalls while pages are built beside it.

The pipeline is Python: built in a thread it holds the GIL, so every other
session's frames wait. This measures the loop's lateness two ways: (1) how
long a message arriving on a pipe waits for the loop (a pinger process
writes a timestamp every millisecond, the loop reads it): what a
participant's frame arriving on its socket waits; (2) a 1 ms timer ticker
(``asyncio.sleep``), the earlier measure. The ticker also measures the
timer's resolution: the selector sleeps in whole milliseconds (``epoll``
rounds a timeout up), so a tick due 0.3 ms after the loop went to sleep
for another timer fires up to 0.7 ms late with the loop idle. Frames on
sockets wake the loop at once. Each is measured while the largest corpus
pages are built (a) in a thread (``page_workers =
0``), (b) the relay's own path: :class:`cobrowse.page_worker.PageWorkers`
builds each page in a worker process (the tree comes back in pickled pieces
that the loop loads one at a time, plus the tree encoded), then
:func:`cobrowse.session.publish.publish_page` makes it one session's page
(the previous page is released, the frame goes out) and the node index is
built as the first scroll or hover of the page does, (c) in a worker process
returning only the encoded SNAPSHOT frame bytes (what the loop needs to fan
out: the floor).
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from bench.harness.corpus import CorpusPage, resource_url
from bench.harness.stats import percentile
from cobrowse.config import FetchConfig, HostPattern
from cobrowse.page_worker import PageJob, PageWorkers
from cobrowse.pipeline import build_page
from cobrowse.pipeline.collector import settle_collector
from cobrowse.protocol import Msg, encode
from cobrowse.session.model import CoSession
from cobrowse.session.publish import page_state, publish_page

_SECRET = "bench-secret-key-that-is-long-enough-0123456789"
_SESSION = "bench-session-id-0123456789ab"

__all__ = ["Pinger", "Ticker", "measure_stalls"]


def _page(body: bytes, url: str) -> Any:
    return build_page(body, "text/html", url, resource_url)


def _allow_all(pages: list[CorpusPage]) -> FetchConfig:
    """An allowlist covering every host the pages name (``*.tld`` each), so
    the worker signs every resource URL, as the other rows do."""
    tld = re.compile(rb"https?://[a-z0-9.-]+\.([a-z]{2,24})[/\"':? ]")
    tlds = {t.decode() for page in pages for t in tld.findall(page.body.lower())}
    return FetchConfig(allowed_hosts=tuple(HostPattern.parse(f"*.{t}") for t in sorted(tlds)))


async def _relay_lateness(pages: list[CorpusPage], probe: str) -> tuple[list[float], float]:
    """Lateness while one session navigates through ``pages`` the relay's way."""
    fetch = _allow_all(pages)

    def job(page: CorpusPage) -> PageJob:
        return PageJob(page.body, "text/html", page.url, _SESSION, _SECRET, fetch, ())

    workers = PageWorkers(1)
    thresholds = gc.get_threshold()
    try:
        for page in pages:  # start the worker, warm its caches as the other rows' are
            await workers.build(job(page))
        settle_collector()  # as `cobrowse serve` does once it has started
        return await _lateness(pages, workers, job, probe)
    finally:
        workers.close()
        gc.unfreeze()  # the process goes on with the other rows as it was
        gc.set_threshold(*thresholds)


def _frame(body: bytes, url: str) -> bytes:
    page = build_page(body, "text/html", url, resource_url)
    return encode(
        Msg.SNAPSHOT, 1, {"page": 1, "url": page.url, "title": page.title, "tree": page.tree}
    )


# Writes CLOCK_MONOTONIC in ns, 8 bytes, every millisecond until its stdin closes.
_PINGER = """
import os, select, struct, time
while not select.select([0], [], [], 0.001)[0]:
    os.write(1, struct.pack("<q", time.monotonic_ns()))
"""


class Ticker:
    """A 1 ms timer ticker: each tick's lateness (ms)."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._done = asyncio.Event()
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while not self._done.is_set():
            due = time.perf_counter() + 0.001
            await asyncio.sleep(0.001)
            self.late.append((time.perf_counter() - due) * 1e3)

    async def stop(self) -> list[float]:
        self._done.set()
        await self._task
        return self.late


class Pinger:
    """A process writing a timestamp every millisecond into a pipe the loop
    reads: how long each waited (ms) for the loop, as a frame on a socket would."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _PINGER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self._proc.stdout is not None
        self._fd = self._proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._rest = b""
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._fd, self._read)

    def _read(self) -> None:
        now = time.monotonic_ns()
        try:
            data = self._rest + os.read(self._fd, 1 << 16)
        except BlockingIOError:
            return
        whole = len(data) - len(data) % 8
        self._rest = data[whole:]
        self.late.extend((now - t) / 1e6 for (t,) in struct.iter_unpack("<q", data[:whole]))

    async def started(self) -> None:
        """Wait (≤ 10 s) until its first timestamps arrived (a process takes a while to start)."""
        deadline = time.monotonic() + 10.0
        while len(self.late) < 5:
            if time.monotonic() > deadline:
                raise RuntimeError("the pinger process wrote nothing")
            await asyncio.sleep(0.005)

    async def stop(self) -> list[float]:
        self._loop.remove_reader(self._fd)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        await asyncio.to_thread(self._proc.wait)
        self._proc.stdout.close()
        return self.late


async def _lateness(
    pages: list[CorpusPage],
    pool: Executor | PageWorkers,
    job: Callable[..., Any],
    probe: str,
) -> tuple[list[float], float]:
    """The lateness (ms) ``probe`` ("pipe" or "timer") saw and the wall time
    (s) while ``pages`` are built."""
    loop = asyncio.get_running_loop()
    ticker: Pinger | Ticker = Pinger() if probe == "pipe" else Ticker()
    if isinstance(ticker, Pinger):
        await ticker.started()
    t0 = time.perf_counter()
    session = CoSession(_SESSION, "advisor", "code", 0.0, 0.0)
    for page in pages:  # one navigation at a time, as one busy session would
        if isinstance(pool, PageWorkers):  # the relay's path, all of it on this loop
            built = await pool.build(job(page))
            publish_page(session, built.page, built.packed)
            # the first scroll or hover needs the node index: it comes after the
            # clients got and showed the page (taken here as 50 ms)
            loop.call_later(0.05, page_state, session)
        else:
            await loop.run_in_executor(pool, job, page.body, page.url)
    wall = time.perf_counter() - t0
    return await ticker.stop(), wall


def measure_stalls(pages: list[CorpusPage]) -> list[list[Any]]:
    """Rows: (how, pages, pipe lateness p50/p99/max ms, timer lateness p99/max
    ms, wall s of the pipe run)."""
    rows: list[list[Any]] = []
    variants: list[tuple[str, Callable[[], Executor] | None, Callable[..., Any]]] = [
        ("thread (page_workers = 0)", lambda: ThreadPoolExecutor(1), _page),
        ("the relay: page worker, publish_page, node index", None, _page),
        ("worker process, returns frame bytes", lambda: ProcessPoolExecutor(1), _frame),
    ]
    for label, make, job in variants:
        seen: dict[str, tuple[list[float], float]] = {}
        for probe in ("pipe", "timer"):
            if make is None:
                seen[probe] = asyncio.run(_relay_lateness(pages, probe))
            else:
                with make() as pool:
                    pool.submit(job, pages[0].body, pages[0].url).result()  # start, warm it
                    seen[probe] = asyncio.run(_lateness(pages, pool, job, probe))
        (pipe, wall), (timer, _) = seen["pipe"], seen["timer"]
        rows.append(
            [
                label,
                len(pages),
                round(percentile(pipe, 50), 2),
                round(percentile(pipe, 99), 2),
                round(max(pipe), 2),
                round(percentile(timer, 99), 2),
                round(max(timer), 2),
                round(wall, 2),
            ]
        )
    return rows
