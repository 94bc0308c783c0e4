"""The pointer load: S rooms, advisors sending POINTER_MOVE at 30 Hz.

A :class:`Fleet` is ``sessions`` rooms opened on one target (relay or
floor). :meth:`Fleet.phase` runs the advisors' 30 Hz pointer streams,
staggered evenly over one period, and measures for every frame a citizen
receives the time from the advisor's send (both ends live in this process,
so one monotonic clock serves). Only frames sent inside the measuring window
count; a warm-up before it lets connections, allocators and caches settle.
The servers' CPU time over the window comes from /proc, so
``cpu_per_delivery_us`` is the server's cost per frame delivered to one
citizen. Everything is bounded in time and closes itself.

:func:`run_pair` keeps a relay fleet and a floor fleet open side by side and
alternates short phases between them, so both see the same background noise
of a shared machine. :func:`run_load` is one fleet, one phase, with the
variants: ``nav_every`` makes every fifth room's advisor navigate between two
demo pages at that period (pages fan out while pointers flow), ``stalled``
additionally makes one citizen of each of those rooms a socket that never
reads (10 % of all citizens). :meth:`Fleet.burst` makes every advisor navigate
once and counts the pages that reach every citizen.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import msgpack

from bench.clients import Room
from bench.procs import cpu_seconds
from bench.stats import percentile
from cobrowse.protocol import Msg, encode

__all__ = ["Fleet", "LoadResult", "Target", "new_client", "run_load", "run_pair"]

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


@dataclass
class LoadResult:
    """What one or more phases measured; latencies in milliseconds."""

    target: str
    sessions: int
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    stalled_expected: int = 0  # pointer frames addressed to stalled citizens
    deliveries: int = 0
    window_s: float = 0.0
    server_cpu_s: float = 0.0
    loadgen_cpu_s: float = 0.0
    send_lag_ms: list[float] = field(default_factory=list)
    setup_s: float = 0.0
    errors: int = 0  # sockets the server closed with an error code
    nav_errors: int = 0  # error notices a citizen got (a page failed to load)
    nav_error_keys: Counter[str] = field(default_factory=Counter)
    navigations: int = 0
    pages_expected: int = 0
    pages_received: int = 0
    burst_s: float = 0.0  # time until a navigation burst reached every citizen

    def merge(self, other: LoadResult) -> None:
        """Add another phase's figures to these."""
        self.latencies += other.latencies
        self.send_lag_ms += other.send_lag_ms
        self.nav_error_keys += other.nav_error_keys
        for name in (
            "sent",
            "stalled_expected",
            "deliveries",
            "window_s",
            "server_cpu_s",
            "loadgen_cpu_s",
            "errors",
            "nav_errors",
            "navigations",
            "pages_expected",
            "pages_received",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, Any]:
        lat = self.latencies
        window = self.window_s or 1.0
        expected = self.sent * 2 - self.stalled_expected
        return {
            "sessions": self.sessions,
            "p50_ms": round(percentile(lat, 50), 3),
            "p90_ms": round(percentile(lat, 90), 3),
            "p99_ms": round(percentile(lat, 99), 3),
            "max_ms": round(max(lat), 3) if lat else float("nan"),
            "deliveries_per_s": round(self.deliveries / window, 1),
            "coalesced_pct": round(100 * (1 - self.deliveries / expected), 2) if expected else 0.0,
            "cpu_per_delivery_us": round(1e6 * self.server_cpu_s / max(self.deliveries, 1), 2),
            "server_cpu_pct": round(100 * self.server_cpu_s / window, 1),
            "loadgen_cpu_pct": round(100 * self.loadgen_cpu_s / window, 1),
            "loadgen_lag_p99_ms": round(percentile(self.send_lag_ms, 99), 3),
            "setup_s": round(self.setup_s, 1),
            "errors": self.errors,
            "navigations": self.navigations,
            "nav_errors": self.nav_errors,
            "nav_error_keys": dict(self.nav_error_keys),
            "snapshots_missing": self.pages_expected - self.pages_received,
            "burst_s": round(self.burst_s, 2),
        }


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
        if ws.close_code not in (None, 1000):
            self.result.errors += 1

    async def _drain(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for _ in ws:  # the advisor's socket: keep it flowing, measure nothing
            pass
        if ws.close_code not in (None, 1000):
            self.result.errors += 1

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

    async def _navigate(self, room: Room, start: float, end: float, every: float) -> None:
        due = start + (room.index % 13) / 13 * every
        while due < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            url = self.demo + NAV_PAGES[room.navigations % 2]
            room.navigations += 1
            await room.advisor.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
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

    async def burst(self, wait_s: float = 60.0) -> None:
        """Every advisor navigates once within 2 s; wait (≤ ``wait_s``) until every citizen
        has the new page. Records the time until all arrived and what is missing
        in a fresh :attr:`result`."""
        self.result = result = LoadResult(self.target.name, self.sessions)
        for room in self.rooms:
            room.snapshots = 0
        t0 = time.perf_counter()
        for i, room in enumerate(self.rooms):
            await asyncio.sleep(max(0.0, t0 + 2.0 * i / len(self.rooms) - time.perf_counter()))
            url = self.demo + NAV_PAGES[0]
            await room.advisor.send_bytes(encode(Msg.NAVIGATE, 0, {"url": url}))
        expected = sum(len(r.citizens) for r in self.rooms)
        got = 0
        while time.perf_counter() - t0 < wait_s:
            got = sum(min(r.snapshots, len(r.citizens)) for r in self.rooms)
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

        self.window = (0.0, 0.0)  # closing is not an error
        await asyncio.gather(*(close_room(r) for r in self.rooms))
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


async def run_load(
    target: Target,
    sessions: int,
    *,
    warmup: float,
    measure: float,
    server_pids: tuple[int, ...],
    demo: str = "",
    nav_every: float = 0.0,
    stalled: bool = False,
) -> LoadResult:
    """One fleet, one phase (plus the variants); see the module docstring."""
    busy = frozenset(i for i in range(sessions) if nav_every and i % 5 == 0)
    fleet = Fleet(target, sessions, server_pids, demo)
    async with new_client() as http:
        setup = await fleet.open(http, busy if stalled else frozenset())
        try:
            result = await fleet.phase(warmup, measure, nav_every, busy)
        finally:
            await fleet.close()
    result.setup_s = setup
    return result


def _lag(result: LoadResult) -> float:
    return percentile(result.send_lag_ms, 99) if result.send_lag_ms else float("inf")


async def run_pair(
    relay: tuple[Target, tuple[int, ...]],
    floor: tuple[Target, tuple[int, ...]],
    sessions: int,
    *,
    rounds: int,
    max_rounds: int,
    warmup: float,
    measure: float,
    demo: str = "",
    burst_timeout: float = 0.0,
) -> tuple[LoadResult, LoadResult, int]:
    """Relay and floor fleets open together; rounds of (floor phase, relay phase),
    the other fleet idling meanwhile. Up to ``max_rounds`` are run and the
    ``rounds`` whose load generator kept its schedule best (lowest p99 send lag
    of the worse phase: least disturbed by other processes) are merged.
    With ``burst_timeout``, the relay fleet ends with :meth:`Fleet.burst`.
    Returns (relay, floor, rounds run)."""
    fleets = [Fleet(relay[0], sessions, relay[1], demo), Fleet(floor[0], sessions, floor[1])]
    done: list[tuple[float, LoadResult, LoadResult]] = []
    setups = [0.0, 0.0]
    async with new_client() as http:
        try:
            for i, fleet in enumerate(fleets):
                setups[i] = await fleet.open(http)
            while len(done) < max_rounds:
                floor_result = await fleets[1].phase(warmup, measure)
                relay_result = await fleets[0].phase(warmup, measure)
                lag = max(_lag(floor_result), _lag(relay_result))
                done.append((lag, relay_result, floor_result))
                quiet = [d for d in done if d[0] <= QUIET_LAG_MS]
                if len(quiet) >= rounds:
                    break
            burst = None
            if burst_timeout:
                await fleets[0].burst(burst_timeout)
                burst = fleets[0].result
        finally:
            for fleet in fleets:
                await fleet.close()
    merged = [LoadResult(f.target.name, sessions) for f in fleets]
    for _, relay_result, floor_result in sorted(done, key=lambda d: d[0])[:rounds]:
        merged[0].merge(relay_result)
        merged[1].merge(floor_result)
    merged[0].setup_s, merged[1].setup_s = setups
    if burst is not None:
        merged[0].burst_s = burst.burst_s
        merged[0].navigations += len(fleets[0].rooms)
        merged[0].pages_expected += burst.pages_expected
        merged[0].pages_received += burst.pages_received
        merged[0].nav_errors += burst.nav_errors
        merged[0].nav_error_keys += burst.nav_error_keys
        merged[0].errors += burst.errors
    return merged[0], merged[1], len(done)
