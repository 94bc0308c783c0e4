"""The pointer load: S rooms, advisors sending POINTER_MOVE at 30 Hz.

A :class:`Fleet` is ``sessions`` rooms opened on one target (relay or
floor). :meth:`Fleet.phase` runs the advisors' 30 Hz pointer streams,
staggered evenly over one period, and measures for every frame a citizen
receives the time from the advisor's send (both ends live in this process,
so one monotonic clock serves). Only frames sent inside the measuring window
count; a warm-up before it lets connections, allocators and caches settle.
The servers' CPU time over the window comes from /proc, so
``cpu_per_delivery_us`` is the servers' cost per frame delivered to one
citizen. Everything is bounded in time and closes itself.

:func:`run_rounds` keeps several fleets (relay and floor, or two relay
variants) open side by side and alternates short phases between them, so all
see the same background noise of a shared machine. Variants of a phase:
``nav_every`` makes every fifth room's advisor navigate between two demo
pages at that period (pages fan out while pointers flow; on the floor the
advisor sends the page frames the relay would, :meth:`Target.navigation`); a fleet opened with
``stalled`` rooms has one citizen in each of them that never reads (10 % of
all citizens when every fifth room is one); they connect again, stalled, at
the start of every phase, so each phase has them filling their sockets and
the relay giving them up (after ``cobrowse.ws_liveness.DEAD_AFTER`` of
silence, inside the measuring window). :meth:`Fleet.burst` makes every
advisor navigate once and counts the pages that reach every citizen.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import msgpack

from bench.harness.clients import Room
from bench.harness.procs import cpu_seconds
from bench.harness.results import LoadResult
from bench.harness.stats import percentile
from cobrowse.protocol import Msg, encode, read_frame

__all__ = ["Contender", "Fleet", "LoadResult", "Target", "new_client", "run_rounds"]

RATE_HZ = 30.0
# A phase whose sends ran later than this (p99) was disturbed by other processes.
QUIET_LAG_MS = 5.0
SETUP_CONCURRENCY = 24
NAV_PAGES = ("/themen/wohngeld.html", "/themen/rente.html")
_POINTER_KINDS = (int(Msg.POINTER), int(Msg.POINTER_MOVE))  # relay sends POINTER, floor echoes


class Target(Protocol):
    name: str

    async def login(self, http: aiohttp.ClientSession) -> None: ...

    async def open_room(
        self, http: aiohttp.ClientSession, index: int, stalled: int = 0
    ) -> Room: ...

    def navigation(self, url: str) -> bytes: ...


def _pointer(node: int) -> bytes:
    return encode(Msg.POINTER_MOVE, 0, {"node": node, "x": 0.5, "y": 0.5})


def new_client() -> aiohttp.ClientSession:
    """An HTTP client for many sockets: no connection limit, cookies set by hand."""
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


class Fleet:
    """``sessions`` rooms on one target, with a reader on every healthy socket."""

    def __init__(
        self, target: Target, sessions: int, server_pids: tuple[int, ...], demo: str = ""
    ) -> None:
        self.target = target
        self.sessions = sessions
        self.server_pids = server_pids
        self.demo = demo
        self.rooms: list[Room] = []
        self.result = LoadResult(target.name, sessions)  # the phase being measured
        self.window = (0.0, 0.0)
        self.closing = False
        self._readers: list[asyncio.Task[None]] = []

    async def open(
        self, http: aiohttp.ClientSession, stalled: frozenset[int] = frozenset()
    ) -> float:
        """Log in and open the rooms (a few at a time); rooms in ``stalled`` get one
        stalled citizen. Returns the seconds it took."""
        t0 = time.perf_counter()
        await self.target.login(http)
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def open_one(i: int) -> Room:
            async with gate:
                return await self.target.open_room(http, i, 1 if i in stalled else 0)

        self.rooms = list(await asyncio.gather(*(open_one(i) for i in range(self.sessions))))
        for room in self.rooms:
            self._readers.append(asyncio.create_task(self._drain(room.advisor)))
            self._readers += [asyncio.create_task(self._read(ws, room)) for ws in room.citizens]
        return time.perf_counter() - t0

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, room: Room) -> None:
        """Consume one citizen's frames; time the pointers sent inside the window."""
        clock = time.perf_counter
        unpack = msgpack.unpackb
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.BINARY:
                continue
            now = clock()
            kind, _, body = unpack(message.data)
            if kind == Msg.MUTATIONS and isinstance(body, bytes):
                # deflated: a page as a same-site diff? Its trees are not
                # expanded (a client's work, not the load generator's clock's)
                kind, _, body = read_frame(message.data, expand=False)
            if kind in _POINTER_KINDS:
                sent = room.sent.get(body["node"])
                if sent is not None and self.window[0] <= sent < self.window[1]:
                    self.result.latencies.append((now - sent) * 1e3)
                    self.result.deliveries += 1
            elif kind == Msg.SNAPSHOT or (kind == Msg.MUTATIONS and "navigate" in body):
                room.snapshots += 1  # a new page: as snapshot, or as a same-site diff
            elif kind == Msg.NOTICE and body.get("level") == "error":
                self.result.nav_errors += 1  # a page that could not be loaded
                self.result.nav_error_keys[str(body.get("key"))] += 1
        self._closed(ws)

    async def _drain(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for _ in ws:  # the advisor's socket: keep it flowing, measure nothing
            pass
        self._closed(ws)

    def _closed(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if ws.close_code not in (None, 1000) and not self.closing:
            self.result.errors += 1
            self.result.close_codes[ws.close_code] += 1

    async def _point(self, room: Room, start: float, end: float) -> None:
        period = 1.0 / RATE_HZ
        due = start + (room.index % 97) / 97 * period  # stagger the rooms over one period
        clock = time.perf_counter
        result = self.result
        while due < end:
            delay = due - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            room.next_node += 1
            now = clock()
            room.sent[room.next_node] = now
            if self.window[0] <= now < self.window[1]:
                result.sent += 1
                result.stalled_expected += len(room.stalled)
                result.send_lag_ms.append((now - due) * 1e3)
            try:
                await room.advisor.send_bytes(_pointer(room.next_node))
            except ConnectionError:
                result.errors += 1
                return
            due += period
            if due < now:  # late: skip the missed ticks, as a throttled browser would
                due += (now - due) // period * period + period

    async def _navigate(self, room: Room, start: float, end: float, every: float) -> None:
        due = start + (room.index % 13) / 13 * every
        while due < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            url = self.demo + NAV_PAGES[room.navigations % 2]
            room.navigations += 1
            await room.advisor.send_bytes(self.target.navigation(url))
            due += every

    async def phase(
        self,
        warmup: float,
        measure: float,
        nav_every: float = 0.0,
        busy: frozenset[int] = frozenset(),
    ) -> LoadResult:
        """Pointer load for ``warmup + measure`` seconds; rooms in ``busy`` also navigate
        every ``nav_every`` seconds. Returns this phase's figures."""
        self.result = result = LoadResult(self.target.name, self.sessions)
        for room in self.rooms:
            room.navigations = room.snapshots = 0
        await self._restall()
        start = time.perf_counter() + 0.2
        self.window = (start + warmup, start + warmup + measure)
        end = self.window[1]
        senders = [asyncio.create_task(self._point(r, start, end)) for r in self.rooms]
        if nav_every:
            senders += [
                asyncio.create_task(self._navigate(r, start, end, nav_every))
                for r in self.rooms
                if r.index in busy
            ]
        await asyncio.sleep(max(0.0, self.window[0] - time.perf_counter()))
        cpu0, own0 = sum(map(cpu_seconds, self.server_pids)), time.process_time()
        await asyncio.sleep(max(0.0, self.window[1] - time.perf_counter()))
        result.server_cpu_s = sum(map(cpu_seconds, self.server_pids)) - cpu0
        result.loadgen_cpu_s = time.process_time() - own0
        result.window_s = measure
        await asyncio.gather(*senders)
        await asyncio.sleep(2.0 if busy else 0.3)  # frames and pages still in flight
        for room in self.rooms:
            if room.index in busy:
                result.navigations += room.navigations
                result.pages_expected += room.navigations * len(room.citizens)
                result.pages_received += room.snapshots
        return result

    async def _restall(self) -> None:
        """Connect every stalled citizen again (the last phase's were given up)."""
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def reopen(room: Room, i: int) -> None:
            async with gate:
                room.stalled[i] = await room.stalled[i].reopen()

        await asyncio.gather(
            *(reopen(room, i) for room in self.rooms for i in range(len(room.stalled)))
        )

    async def burst(self, wait_s: float = 60.0) -> None:
        """Every advisor navigates once within 2 s; wait (≤ ``wait_s``) until every citizen
        has the new page. Records the time until all arrived and what is missing
        in a fresh :attr:`result`."""
        self.result = result = LoadResult(self.target.name, self.sessions)
        for room in self.rooms:
            room.snapshots = 0
        t0 = time.perf_counter()
        sent: list[Room] = []
        for i, room in enumerate(self.rooms):
            await asyncio.sleep(max(0.0, t0 + 2.0 * i / len(self.rooms) - time.perf_counter()))
            url = self.demo + NAV_PAGES[0]
            try:
                await room.advisor.send_bytes(self.target.navigation(url))
            except aiohttp.ClientError:
                # the advisor's socket is closed (counted under errors when it
                # closed); its citizens' pages count as missing
                continue
            sent.append(room)
        expected = sum(len(r.citizens) for r in self.rooms)
        got = 0
        while time.perf_counter() - t0 < wait_s:
            got = sum(min(r.snapshots, len(r.citizens)) for r in sent)
            if got >= expected:
                break
            await asyncio.sleep(0.05)
        result.burst_s = time.perf_counter() - t0
        result.navigations += len(self.rooms)
        result.pages_expected += expected
        result.pages_received += got

    async def close(self) -> None:
        for room in self.rooms:
            for stalled in room.stalled:
                stalled.close()

        async def close_room(room: Room) -> None:
            for ws in (room.advisor, *room.citizens):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 5)

        self.closing = True  # what closing does to the sockets is no error
        await asyncio.gather(*(close_room(r) for r in self.rooms))
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


def _lag(result: LoadResult) -> float:
    return percentile(result.send_lag_ms, 99) if result.send_lag_ms else float("inf")


async def _phase(
    fleet: Fleet, c: Contender, warmup: float, measure: float, busy: frozenset[int]
) -> LoadResult:
    if c.during is not None:
        c.during(True)
    try:
        return await fleet.phase(warmup, measure, c.nav_every, busy if c.nav_every else frozenset())
    finally:
        if c.during is not None:
            c.during(False)


@dataclass
class Contender:
    """One fleet of a comparison: its target, the server processes whose CPU
    counts, and how its phases run."""

    target: Target
    server_pids: tuple[int, ...]
    demo: str = ""
    nav_every: float = 0.0  # every fifth room navigates at this period
    stalled: bool = False  # …and one citizen of each of those rooms never reads
    # called with True before each of its phases and with False after it (e.g. to
    # start and stop a process that runs only while this contender is measured)
    during: Callable[[bool], None] | None = None


async def run_rounds(
    contenders: list[Contender],
    sessions: int,
    *,
    rounds: int,
    max_rounds: int,
    warmup: float,
    measure: float,
    burst_timeout: float = 0.0,
) -> tuple[list[LoadResult], int]:
    """All fleets open side by side; rounds of one phase per fleet (the others
    idle meanwhile), so each sees the same background. Up to ``max_rounds`` are
    run and the ``rounds`` whose load generator kept its schedule best (lowest
    p99 send lag of the worst phase: least disturbed by other processes) are
    merged. With ``burst_timeout`` the first fleet ends with :meth:`Fleet.burst`.
    Returns (one merged result per contender, rounds run)."""
    busy = frozenset(i for i in range(sessions) if i % 5 == 0)
    fleets = [Fleet(c.target, sessions, c.server_pids, c.demo) for c in contenders]
    done: list[tuple[float, list[LoadResult]]] = []
    setups = [0.0] * len(fleets)
    burst = None
    async with new_client() as http:
        try:
            for i, (fleet, c) in enumerate(zip(fleets, contenders, strict=True)):
                setups[i] = await fleet.open(http, busy if c.stalled else frozenset())
            # The load generator must not pause its own clock: with every room's
            # sockets and tasks alive, one of its full collections took 130–190 ms
            # (all rooms late at once). Frozen, they are never scanned again.
            gc.collect()
            gc.freeze()
            # One unmeasured phase of each first: a relay's first pages warm
            # its page workers, the fetcher's connections and every room's
            # first page (a snapshot, then diffs); in its first second of
            # navigations the slowest pointer took 10-47 ms with the workers
            # running (60-116 ms without), 6-17 ms later. The rounds measure
            # the steady state, every fleet from the same start.
            for fleet, c in zip(fleets, contenders, strict=True):
                await _phase(fleet, c, warmup, measure, busy)
            while len(done) < max_rounds:
                results = [
                    await _phase(fleet, c, warmup, measure, busy)
                    for fleet, c in reversed(list(zip(fleets, contenders, strict=True)))
                ][::-1]
                done.append((max(map(_lag, results)), results))
                if sum(1 for lag, _ in done if lag <= QUIET_LAG_MS) >= rounds:
                    break
            if burst_timeout:
                await fleets[0].burst(burst_timeout)
                burst = fleets[0].result
        finally:
            gc.unfreeze()
            for fleet in fleets:
                await fleet.close()
    merged = [LoadResult(f.target.name, sessions) for f in fleets]
    for _, results in sorted(done, key=lambda d: d[0])[:rounds]:
        for total, result in zip(merged, results, strict=True):
            total.merge(result)
    for total, setup in zip(merged, setups, strict=True):
        total.setup_s = setup
    if burst is not None:
        merged[0].burst_s = burst.burst_s
        burst.burst_s = 0.0
        burst.latencies, burst.send_lag_ms = [], []
        merged[0].merge(burst)  # its pages, page errors and errors
    return merged, len(done)
