"""How long the event loop stalls while pages are built beside it.

The pipeline is Python: built in a thread it holds the GIL, so every other
session's frames wait. This measures the loop's lateness (a 1 ms ticker)
while the largest corpus pages are built (a) in a thread (``page_workers =
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
import re
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

__all__ = ["measure_stalls"]


def _page(body: bytes, url: str) -> Any:
    return build_page(body, "text/html", url, resource_url)


def _allow_all(pages: list[CorpusPage]) -> FetchConfig:
    """An allowlist covering every host the pages name (``*.tld`` each), so
    the worker signs every resource URL, as the other rows do."""
    tld = re.compile(rb"https?://[a-z0-9.-]+\.([a-z]{2,24})[/\"':? ]")
    tlds = {t.decode() for page in pages for t in tld.findall(page.body.lower())}
    return FetchConfig(allowed_hosts=tuple(HostPattern.parse(f"*.{t}") for t in sorted(tlds)))


async def _relay_lateness(pages: list[CorpusPage]) -> tuple[list[float], float]:
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
        return await _lateness(pages, workers, job)
    finally:
        workers.close()
        gc.unfreeze()  # the process goes on with the other rows as it was
        gc.set_threshold(*thresholds)


def _frame(body: bytes, url: str) -> bytes:
    page = build_page(body, "text/html", url, resource_url)
    return encode(
        Msg.SNAPSHOT, 1, {"page": 1, "url": page.url, "title": page.title, "tree": page.tree}
    )


async def _lateness(
    pages: list[CorpusPage],
    pool: Executor | PageWorkers,
    job: Callable[..., Any],
) -> tuple[list[float], float]:
    """The ticker's lateness (ms) and the wall time (s) while ``pages`` are built."""
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            due = time.perf_counter() + 0.001
            await asyncio.sleep(0.001)
            late.append((time.perf_counter() - due) * 1e3)

    ticker = asyncio.create_task(tick())
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
    done.set()
    await ticker
    return late, wall


def measure_stalls(pages: list[CorpusPage]) -> list[list[Any]]:
    """Rows: (how, pages, loop lateness p50/p99/max ms, wall s)."""
    rows: list[list[Any]] = []
    variants: list[tuple[str, Callable[[], Executor] | None, Callable[..., Any]]] = [
        ("thread (page_workers = 0)", lambda: ThreadPoolExecutor(1), _page),
        ("the relay: page worker, publish_page, node index", None, _page),
        ("worker process, returns frame bytes", lambda: ProcessPoolExecutor(1), _frame),
    ]
    for label, make, job in variants:
        if make is None:
            late, wall = asyncio.run(_relay_lateness(pages))
        else:
            with make() as pool:
                pool.submit(job, pages[0].body, pages[0].url).result()  # start, warm it
                late, wall = asyncio.run(_lateness(pages, pool, job))
        rows.append(
            [
                label,
                len(pages),
                round(percentile(late, 50), 2),
                round(percentile(late, 99), 2),
                round(max(late), 2),
                round(wall, 2),
            ]
        )
    return rows
