"""How long the event loop stalls while pages are built beside it.

The pipeline is Python: built in a thread it holds the GIL, so every other
session's frames wait. This measures the loop's lateness (a 1 ms ticker)
while the largest corpus pages are built (a) in a thread (``page_workers =
0``), (b) in a worker process as ``cobrowse.page_worker`` does: it returns
the page, its tree encoded, and the tree in pickled pieces that the loop
loads one at a time, then splices the encoded tree into the frame, (c) in a
worker process returning only the encoded SNAPSHOT frame bytes (what the
loop needs to fan out: the floor).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from bench.harness.corpus import CorpusPage, resource_url
from bench.harness.stats import percentile
from cobrowse.page_worker import receive_page, ship_page
from cobrowse.pipeline import build_page
from cobrowse.protocol import Msg, encode

__all__ = ["measure_stalls"]


def _page(body: bytes, url: str) -> Any:
    return build_page(body, "text/html", url, resource_url)


def _shipped(body: bytes, url: str) -> Any:
    return ship_page(build_page(body, "text/html", url, resource_url))


async def _receive(shipped: Any) -> None:
    built = await receive_page(shipped)
    page = built.page
    encode(Msg.SNAPSHOT, 1, {"page": 1, "url": page.url, "title": page.title, "tree": built.packed})


def _frame(body: bytes, url: str) -> bytes:
    page = build_page(body, "text/html", url, resource_url)
    return encode(
        Msg.SNAPSHOT, 1, {"page": 1, "url": page.url, "title": page.title, "tree": page.tree}
    )


async def _lateness(
    pages: list[CorpusPage],
    pool: Executor,
    job: Callable[..., Any],
    then: Callable[[Any], Awaitable[None]] | None,
) -> list[float]:
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            due = time.perf_counter() + 0.001
            await asyncio.sleep(0.001)
            late.append((time.perf_counter() - due) * 1e3)

    ticker = asyncio.create_task(tick())
    for page in pages:  # one navigation at a time, as one busy session would
        result = await loop.run_in_executor(pool, job, page.body, page.url)
        if then is not None:
            await then(result)  # on the loop, as the relay does
    done.set()
    await ticker
    return late


def measure_stalls(pages: list[CorpusPage]) -> list[list[Any]]:
    """Rows: (how, pages, loop lateness p50/p99/max ms, wall s)."""
    rows: list[list[Any]] = []
    variants: list[
        tuple[
            str, Callable[[], Executor], Callable[..., Any], Callable[[Any], Awaitable[None]] | None
        ]
    ] = [
        ("thread (page_workers = 0)", lambda: ThreadPoolExecutor(1), _page, None),
        (
            "worker process, ships the tree in pieces + encoded (the relay now)",
            lambda: ProcessPoolExecutor(1),
            _shipped,
            _receive,
        ),
        ("worker process, returns frame bytes", lambda: ProcessPoolExecutor(1), _frame, None),
    ]
    for label, make, job, then in variants:
        with make() as pool:
            pool.submit(job, pages[0].body, pages[0].url).result()  # start the worker, warm it
            t0 = time.perf_counter()
            late = asyncio.run(_lateness(pages, pool, job, then))
            wall = time.perf_counter() - t0
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
