"""PageWorkers: one app's page builders, a thread for 0 workers, closed with the app.

Pages built in worker processes come back whole: tree, links, forms and the
encoded tree, the tree shipped in pieces the loop loads one at a time."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import pickle
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import msgpack
import pytest

from cobrowse.config import FetchConfig
from cobrowse.demo.server import DemoSite
from cobrowse.hosts import HostPattern
from cobrowse.page_worker import (
    WORKER_NICENESS,
    PageJob,
    PageWorkers,
    _warm_up,
    pickle_tree,
    receive_page,
    ship_page,
    unpickle_tree,
)
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.page import Node
from cobrowse.protocol import expand_tree, pack_tree

HTML = b'<html><head><title>Start</title></head><body><p>Hallo</p><img src="/a.png"></body></html>'


def job(url: str = "https://www.example.de/start") -> PageJob:
    allowed = FetchConfig(allowed_hosts=(HostPattern.parse("www.example.de"),))
    return PageJob(HTML, "text/html", url, "s1", "secret", allowed, ())


async def test_zero_workers_build_in_a_thread_with_signed_resources() -> None:
    workers = PageWorkers(0)
    page = (await workers.build(job())).page
    assert page.title == "Start" and page.url == "https://www.example.de/start"
    assert "/r/" in str(page.tree)  # the image of the allowed host became a signed token
    workers.close()


async def test_a_closed_pool_builds_nothing() -> None:
    workers = PageWorkers(1)
    workers.close()
    with pytest.raises(RuntimeError):
        await workers.build(job())


SITE = DemoSite()


def demo_body(path: str) -> bytes:
    page = SITE.pages[path]
    response = SITE.render(path, page.title, page.body, charset=page.charset)
    assert isinstance(response.body, bytes)
    return response.body


def wide_tree(rows: int) -> Node:
    """``html`` with one ``div`` of ``rows`` list items (two nodes each)."""
    items = [[3 + 2 * i, "li", {"class": "x"}, [[4 + 2 * i, f"Punkt {i}"]]] for i in range(rows)]
    return [1, "html", {}, [[2, "div", {}, items]]]


class Unresolved(pickle.Unpickler):
    """Loads one piece alone: references to earlier pieces become None."""

    def persistent_load(self, pid: Any) -> None:
        return None


def count(piece: Any) -> int:
    """Nodes in a loaded piece: a node, or a run of sibling nodes."""
    if not isinstance(piece, list) or not piece:
        return 0  # a reference to other pieces, or no children
    if isinstance(piece[0], list):
        return sum(count(node) for node in piece)
    return 1 + (count(piece[3]) if len(piece) == 4 else 0)


async def test_a_large_tree_goes_in_small_pieces_and_comes_back_the_same() -> None:
    tree = wide_tree(5000)
    pieces = pickle_tree(tree, limit=500)
    assert len(pieces) > 10
    for piece in pieces:  # earlier pieces are references in later ones, not copies
        assert count(Unresolved(io.BytesIO(piece)).load()) <= 500
    assert max(len(p) for p in pieces) < len(pickle.dumps(tree)) / 5
    assert await unpickle_tree(pieces) == tree


async def test_the_loop_runs_between_pieces() -> None:
    pieces = pickle_tree(wide_tree(3000), limit=300)
    ticks = 0

    async def other_session() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other_session())
    await asyncio.sleep(0)
    start = ticks
    await unpickle_tree(pieces)
    task.cancel()
    assert ticks - start >= len(pieces) - 1


async def test_small_and_text_trees_are_one_piece() -> None:
    for tree in ([1, "html", {}, []], [1, "nur Text"], wide_tree(3)):
        pieces = pickle_tree(tree)
        assert len(pieces) == 1 and await unpickle_tree(pieces) == tree


async def test_a_shipped_page_is_received_as_built() -> None:
    page = build_shared_page(
        demo_body("/service/kontakt.html"),
        "text/html",
        "http://demo.test/service/kontakt.html",
        lambda url, kind: None,
    )
    shipped = ship_page(page, pack_tree(page.tree))
    assert shipped.page.tree == []  # the tree travels in pieces only
    built = await receive_page(pickle.loads(pickle.dumps(shipped)))
    assert built.page == page and built.page.forms and built.page.links
    assert built.packed == pack_tree(page.tree)
    assert expand_tree(msgpack.unpackb(built.packed.packed)) == page.tree


async def test_a_worker_process_builds_the_page_the_relay_would_build_itself() -> None:
    url = "http://demo.test/themen/wohngeld.html"
    body = demo_body("/themen/wohngeld.html")
    page_job = PageJob(body, "text/html", url, "s1", "geheim", FetchConfig(), ())
    process, thread = PageWorkers(1), PageWorkers(0)
    in_worker = await process.build(page_job)
    in_thread = await thread.build(page_job)
    process.close()
    thread.close()
    assert in_worker.page == in_thread.page
    assert in_worker.packed == in_thread.packed == pack_tree(in_thread.page.tree)


async def test_every_demo_page_survives_small_pieces() -> None:
    for path in SITE.pages:
        tree = build_shared_page(
            demo_body(path), "text/html", "http://demo.test" + path, lambda u, k: None
        ).tree
        pieces = pickle_tree(tree, limit=15)
        assert len(pieces) > 5
        for piece in pieces:
            assert count(Unresolved(io.BytesIO(piece)).load()) <= 15
        assert await unpickle_tree(pieces) == tree


async def test_workers_run_nicer_than_the_relay_so_the_loop_gets_a_core_first() -> None:
    workers = PageWorkers(1)
    await workers.build(job())  # the pool starts with the first page
    pool = workers._executor()
    assert pool is not None
    loop = asyncio.get_running_loop()
    in_worker = await loop.run_in_executor(pool, os.getpriority, os.PRIO_PROCESS, 0)
    workers.close()
    assert in_worker == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)


async def test_a_dead_worker_fails_only_its_page_and_the_next_page_gets_new_workers() -> None:
    others = {p.pid for p in multiprocessing.active_children()}  # other tests' pools
    workers = PageWorkers(1)
    try:
        await workers.build(job())
        (process,) = [p for p in multiprocessing.active_children() if p.pid not in others]
        os.kill(process.pid, signal.SIGKILL)  # as the OOM killer would
        process.join()
        with pytest.raises(BrokenProcessPool):
            await workers.build(job())
        built = await workers.build(job())  # fresh processes
        assert built.page.title == "Start"
        assert process.pid not in {p.pid for p in multiprocessing.active_children()}
    finally:
        workers.close()


async def test_started_workers_are_running_before_the_first_page() -> None:
    before = {p.pid for p in multiprocessing.active_children()}
    workers = PageWorkers(2)
    try:
        workers.start()
        started = [p for p in multiprocessing.active_children() if p.pid not in before]
        assert len(started) == 2  # both processes, not one per page as pages come
        built = await workers.build(job())  # and they build pages as ever
        assert built.page.title == "Start"
        assert {p.pid for p in started} <= {p.pid for p in multiprocessing.active_children()}
    finally:
        workers.close()


def test_the_warm_up_page_builds() -> None:
    _warm_up()  # what each started worker runs first; an error would go unseen there


async def test_zero_workers_start_nothing() -> None:
    before = {p.pid for p in multiprocessing.active_children()}
    workers = PageWorkers(0)
    workers.start()
    assert {p.pid for p in multiprocessing.active_children()} == before
    assert (await workers.build(job())).page.title == "Start"


async def test_workers_that_cannot_start_now_leave_the_relay_serving(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(self: object) -> None:
        raise OSError("fork refused")  # as under a process limit

    workers = PageWorkers(2)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(ProcessPoolExecutor, "_spawn_process", refused)
            workers.start()  # no exception: `cobrowse serve` goes on listening
        assert "page workers could not start yet: OSError" in caplog.text
        assert (await workers.build(job())).page.title == "Start"  # the first page tries again
    finally:
        workers.close()
