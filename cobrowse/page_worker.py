"""Build pages in worker processes, off the relay's event loop.

The pipeline is CPU-bound Python. Run in a thread it still holds the GIL,
so one session's big page delays every other session's pointer frames (the
``relay`` benchmark with navigations showed p99 in the hundreds of
milliseconds). A small process pool keeps the event loop free: a job gets
only plain, picklable data (the body, the allowlist, the host rules, the
signing key) and rebuilds the resource-URL function on its side, signing
``/r/`` tokens exactly as the relay would. It also encodes the page's tree
for its SNAPSHOT frame (:func:`cobrowse.protocol.pack_tree`: compact and
deflated), so the relay's loop only splices the bytes in.

The relay still needs the tree itself (diffs, widgets, forms). Unpickled
in one piece, a large page's tree held the GIL for tens of milliseconds in
the executor's result thread, and every session's frames waited (the
``pipeline`` benchmark's loop lateness). So the worker sends it as pickles
of at most :data:`PIECE_NODES` nodes (:func:`pickle_tree`), and the loop
loads them one at a time in its background queue, other callbacks running
in between (:func:`unpickle_tree`, :mod:`cobrowse.chores`).

The workers run at a lower CPU priority than the relay (:data:`WORKER_NICENESS`):
a page build is throughput work, a pointer frame waits for the loop. Where
the relay shares its cores (with other processes, or more pages than
cores), the kernel then gives the loop a core first.

Each app has one :class:`PageWorkers`, made and shut down in its
``cleanup_ctx`` (see :func:`cobrowse.app.make_app`); its processes start
with the first page. ``workers = 0`` builds in a thread instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import multiprocessing
import os
import pickle
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Any, Final
from urllib.parse import urlsplit

import msgpack

from cobrowse.chores import Priority, run_chore
from cobrowse.config import FetchConfig
from cobrowse.pipeline.build import build_shared_page
from cobrowse.pipeline.collector import COLLECTOR_PAUSED
from cobrowse.pipeline.diff import MAX_DIFF_NODES, TreeDiff, diff_trees, max_node_id
from cobrowse.pipeline.page import Node, Page
from cobrowse.pipeline.site_rules import HostRule, rules_for
from cobrowse.protocol import Msg, PackedTree, expand_tree, pack_tree, packed_size, wire_tree
from cobrowse.resources import ResourceSigner

__all__ = [
    "BuiltPage",
    "PageJob",
    "PageWorkers",
    "PreviousPage",
    "ShippedPage",
    "WorkerDiff",
    "build_in_worker",
    "diff_against",
    "diff_loses",
    "pickle_tree",
    "receive_page",
    "ship_page",
    "signed_resource_url",
    "unpickle_tree",
    "yield_to_loop",
]

log = logging.getLogger(__name__)

# Nodes per pickled piece of a tree: loading one takes about 0.17 ms.
PIECE_NODES: Final = 500
# How much nicer than the relay its page workers run. Not SCHED_IDLE (as the
# relay's Chromium): under a full load that would starve page builds, and
# navigations would never finish; nice 10 weighs a worker at about a tenth of
# the loop where both want a core, so pages still get built. Measured on 2
# cores (relay bench, 200 sessions with navigations, two relays alternating
# in one run): pointer p99 18.4 -> 13.2, 20.6 -> 17.0 and, in a noisy hour,
# 267 -> 170 ms. SCHED_IDLE (43 against 23 ms) and the workers' own autogroup
# at nice 19 (18.9 against 15.9 ms) were worse: they delay the pages themselves.
WORKER_NICENESS: Final = 10


@cache
def _signer(secret: str) -> ResourceSigner:
    return ResourceSigner(secret)


@dataclass(frozen=True, slots=True)
class PreviousPage:
    """The session's page as every client holds it, for a same-site diff in
    the worker: ``wire`` is its tree's packed wire form (as in
    :attr:`PackedTree.packed`), ``top`` the highest id a client holds, and
    ``mark`` says which state of the page it is (the relay checks it still
    is when the new page comes back)."""

    wire: bytes
    top: int
    mark: int


@dataclass(frozen=True, slots=True)
class WorkerDiff:
    """A same-site diff made in the worker against a :class:`PreviousPage`.

    ``diff`` None: the page goes out whole after all, its tree keeps its own
    ids (1…n, as :attr:`BuiltPage.packed` has them). Otherwise the tree came
    renumbered by ``diff``, whose mutations turn the previous page into it;
    ``wire`` is the tree's packed wire form as the clients will hold it, for
    the next diff. ``top`` and ``mark``: the previous page's, as in the job.
    """

    diff: TreeDiff | None
    wire: bytes
    top: int
    mark: int

    def undo(self, root: Node) -> None:
        """Give ``root`` its own ids back (the diff is not used after all)."""
        if self.diff is not None:
            self.diff.undo(root)


@dataclass(frozen=True, slots=True)
class PageJob:
    """Everything a worker needs to build one page: plain, picklable data."""

    body: bytes
    content_type: str | None
    url: str
    session_id: str
    secret: str  # signs the session's /r/ tokens exactly as the relay does
    fetch: FetchConfig  # the allowlist for resources
    host_rules: tuple[HostRule, ...]
    previous: PreviousPage | None = None  # diff against it (same site)


@dataclass(frozen=True, slots=True)
class BuiltPage:
    """A built page and its tree encoded for the SNAPSHOT frame (ids 1…n, as
    built); ``diff``: the worker's diff against the job's previous page."""

    page: Page
    packed: PackedTree
    diff: WorkerDiff | None = None


@dataclass(frozen=True, slots=True)
class ShippedPage:
    """A built page on its way from a worker: ``page`` without its tree,
    the tree in pickled pieces (:func:`pickle_tree`), the tree encoded."""

    page: Page
    tree: tuple[bytes, ...]
    packed: PackedTree
    diff: WorkerDiff | None = None


def yield_to_loop() -> None:
    """Lower this process's CPU priority by :data:`WORKER_NICENESS` (runs in
    each worker as it starts; raising one's nice value needs no privilege, but
    a sandbox may refuse the call: then the worker runs as it is)."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _warm_up() -> None:
    """Build a small page (runs in a worker as :meth:`PageWorkers.start`
    starts it): the parser, the sanitizer's tables and the encoder are
    loaded before the first real page."""
    html = b"<!doctype html><title>Start</title><p>Hallo <a href='/a'>Welt</a></p>"
    key = "warm-up-" * 6  # signs nothing: the page names no resource
    _built(PageJob(html, "text/html", "https://example.org/", "warm-up", key, FetchConfig(), ()))


def _build(job: PageJob) -> Page:
    signer = _signer(job.secret)
    resource_url = partial(signed_resource_url, signer, job.fetch, job.session_id, {})
    rules = rules_for(job.host_rules, job.url)
    return build_shared_page(job.body, job.content_type, job.url, resource_url, rules)


def build_in_worker(job: PageJob) -> ShippedPage:
    """Build one page (runs in a worker process): sanitized tree with the
    session's signed resource URLs, for resources of allowed hosts only,
    diffed against the job's previous page, ready to ship (:func:`ship_page`)."""
    built = _built(job)
    return ship_page(built.page, built.packed, built.diff)


def _built(job: PageJob) -> BuiltPage:
    page = _build(job)
    packed = pack_tree(page.tree)
    diff = None if job.previous is None else diff_against(job.previous, page.tree, packed)
    return BuiltPage(page, packed, diff)


def diff_against(previous: PreviousPage, tree: Node, packed: PackedTree) -> WorkerDiff | None:
    """The same-site diff from ``previous`` to ``tree`` (renumbering ``tree`` in
    place when the diff wins; see :class:`WorkerDiff`), weighed as
    :func:`cobrowse.session.publish.publish_page` weighs it on the loop; None
    for a tree too large to diff. Runs in the worker: the diff of a large
    page took 2-12 ms, on the loop every other session waited for it."""
    if max_node_id(tree) > MAX_DIFF_NODES:
        return None
    old = expand_tree(msgpack.unpackb(previous.wire, use_list=True, strict_map_key=False))
    diff = diff_trees(old, tree, previous.top + 1)
    if diff_loses(diff, packed):
        diff.undo(tree)
        return WorkerDiff(None, packed.packed, previous.top, previous.mark)
    wire: bytes = msgpack.packb(wire_tree(tree), use_bin_type=True)
    return WorkerDiff(diff, wire, previous.top, previous.mark)


def diff_loses(diff: TreeDiff, packed: PackedTree) -> bool:
    """Whether the page goes out whole rather than as ``diff``'s batch: the
    batch weighs at least the tree the worker encoded, both packed as they
    would go out (the one rule, in the worker and on the loop)."""
    return packed_size(Msg.MUTATIONS, diff.mutations) >= len(packed.packed)


def ship_page(page: Page, packed: PackedTree, diff: WorkerDiff | None = None) -> ShippedPage:
    """``page`` with its tree cut into pickled pieces (worker side)."""
    return ShippedPage(replace(page, tree=[]), pickle_tree(page.tree), packed, diff)


async def receive_page(shipped: ShippedPage) -> BuiltPage:
    """The page of :func:`ship_page` again (on the loop, piece by piece)."""
    tree = await unpickle_tree(shipped.tree)
    return BuiltPage(replace(shipped.page, tree=tree), shipped.packed, shipped.diff)


class _PiecePickler(pickle.Pickler):
    """Pickles one piece; a children list cut into earlier pieces becomes a
    reference to them."""

    def __init__(self, file: io.BytesIO, runs: dict[int, tuple[int, ...]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.runs = runs

    def persistent_id(self, obj: Any) -> tuple[int, ...] | None:
        return self.runs.get(id(obj)) if type(obj) is list else None


class _PieceUnpickler(pickle.Unpickler):
    """Loads one piece of :func:`pickle_tree`: a reference is the children
    list made of the earlier pieces it names. (Our own worker's pickles, as
    the process pool's results are.)"""

    def __init__(self, data: bytes, loaded: list[Any]) -> None:
        super().__init__(io.BytesIO(data))
        self.loaded = loaded

    def persistent_load(self, pid: Any) -> list[Any]:
        return [node for piece in pid for node in self.loaded[piece]]


def pickle_tree(root: Node, limit: int = PIECE_NODES) -> tuple[bytes, ...]:
    """``root`` as pickles of about ``limit`` nodes or fewer, deepest first.

    Where a subtree has ``limit`` nodes or more, its element's children are
    cut into runs (a piece each) and the element's piece refers to them by
    index (a pickle persistent id). The last piece holds ``root``.
    """
    runs: dict[int, tuple[int, ...]] = {}  # id(children list) → its pieces
    pieces: list[bytes] = []

    def dump(obj: Any) -> int:
        out = io.BytesIO()
        _PiecePickler(out, runs).dump(obj)
        pieces.append(out.getvalue())
        return len(pieces) - 1

    def weigh(node: Node) -> int:
        """Nodes of ``node``'s subtree not cut into pieces yet."""
        if len(node) == 2:
            return 1
        children = node[3]
        weights = [weigh(child) for child in children]
        if sum(weights) + 1 < limit:
            return sum(weights) + 1
        cut, first, size = [], 0, 0
        for i, weight in enumerate(weights):
            if size and size + weight > limit:
                cut.append(dump(children[first:i]))
                first, size = i, 0
            size += weight
        cut.append(dump(children[first:]))
        runs[id(children)] = tuple(cut)
        return 1

    weigh(root)
    dump(root)
    return tuple(pieces)


async def unpickle_tree(pieces: tuple[bytes, ...]) -> Node:
    """The tree of :func:`pickle_tree`, loaded one piece per step of a chore
    of the loop's background queue (:mod:`cobrowse.chores`), first among them.

    The cycle collector is paused while a piece loads: a tree has no cycles,
    and the collections its thousands of new lists would trigger scan every
    session's page (in a benchmark of the 20 largest corpus pages they were
    three quarters of the loading time and made single pieces take 40 ms).
    After the run that loaded it, one collection of the young and middle
    generations moves its lists to the old one, scanned once (about 0.02 ms;
    one per run however many trees load, see :mod:`cobrowse.chores`). Left to
    themselves, a young and then a middle collection would each scan them at
    some later allocation, beside whatever else ran then (up to 2 ms).
    """
    loaded: list[Any] = []

    def step() -> bool:
        with COLLECTOR_PAUSED:
            loaded.append(_PieceUnpickler(pieces[len(loaded)], loaded).load())
        return len(loaded) < len(pieces)

    # collect: the pieces' lists go straight to the old generation
    await run_chore(step, Priority.WAITED_FOR, collect=True)
    root: Node = loaded[-1]
    return root


def signed_resource_url(
    signer: ResourceSigner,
    fetch: FetchConfig,
    session_id: str,
    allowed: dict[str, bool],
    target: str,
    kind: str,
) -> str | None:
    """The signed ``/r/`` path for a resource of an allowed host, else None
    (the pipeline then drops it). ``allowed`` caches the verdict per host."""
    parts = urlsplit(target)
    ok = allowed.get(parts.netloc)
    if ok is None:
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return None
        host = parts.hostname or ""
        ok = parts.scheme in ("http", "https") and fetch.is_allowed(host, port, parts.scheme)
        allowed[parts.netloc] = ok
    return signer.url_for(session_id, kind, target) if ok else None


class PageWorkers:
    """The process pool that builds one app's pages (``workers`` 0: a thread).

    Processes start with the first page, or before it with :meth:`start`
    (``cobrowse serve`` calls it once the relay listens); :meth:`close` (at
    the app's cleanup) stops them without waiting for pages in flight.
    A worker that dies (the kernel's OOM killer, a crash in a C library on
    a hostile page) breaks the whole pool: the pages in flight fail, and the
    next page starts fresh processes, so one page never stops every other
    session's navigations for the rest of the relay's life.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _executor(self) -> Executor | None:
        if self.workers <= 0:
            return None
        if self._closed:
            raise RuntimeError("the page workers are shut down")
        if self._pool is None:
            # spawn, not fork: the relay has threads and an event loop running
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=yield_to_loop
            )
        return self._pool

    def start(self) -> None:
        """Start every worker process now and let each build a small page, so
        the first navigation after a restart neither waits for the processes
        to start nor shares the CPU with their imports (in the first second
        of the ``relay`` benchmark's navigations the slowest pointer took
        60–116 ms with the workers started by the first pages, 10–47 ms with
        them already running). Returns at once."""
        executor = self._executor()
        if executor is None:
            return
        try:
            for _ in range(self.workers):  # each submission starts a process
                executor.submit(_warm_up)
        except (OSError, RuntimeError) as exc:  # no processes now (limits, a sandbox)
            # the relay serves on; the first page tries again with a fresh pool
            log.warning("page workers could not start yet: %s", type(exc).__name__)
            self._pool = None
            executor.shutdown(wait=False, cancel_futures=True)

    async def build(self, job: PageJob) -> BuiltPage:
        """:func:`build_in_worker` in the pool, the tree received piece by
        piece (or all in a thread when ``workers`` is 0)."""
        loop = asyncio.get_running_loop()
        executor = self._executor()
        if executor is None:
            return await loop.run_in_executor(None, _built, job)
        try:
            shipped = await loop.run_in_executor(executor, build_in_worker, job)
        except BrokenProcessPool:
            pool = self._pool
            if pool is not None and pool is executor:  # the first of its pages to notice
                log.warning("a page worker died; the next page starts new ones")
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        return await receive_page(shipped)

    def close(self) -> None:
        """Stop the processes; pages still being built are dropped."""
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
