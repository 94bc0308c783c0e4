"""Publish → receive latency of one bus hop: memory bus vs Redis bus vs raw redis-py.

``python -m bench.redis_hop [--quick]`` starts its own ``redis-server`` (free
port, temp dir, no persistence), then measures in one process:

* ``ping``: one message at a time (publish, wait for it on the other node) —
  the bare hop;
* ``load``: 200 sessions × 30 Hz spread over 200 channels for a few seconds,
  latency of every message from ``publish()`` to the other node's handler;
* ``burst``: as many messages as possible, messages per second received.

The raw redis-py hop (``PUBLISH`` + a ``PubSub`` reader, no bus) is the
baseline the bus's own overhead is compared with. Both "nodes" share this
process and its event loop, so every figure includes both ends' CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.utils import HIREDIS_AVAILABLE

from bench.harness.redis_server import running_redis
from bench.harness.stats import percentile, ratio
from cobrowse.bus import Bus, BusMessage, session_channel
from cobrowse.bus.memory import MemoryBroker, MemoryBus
from cobrowse.bus.redis import RedisBus

__all__ = ["measure"]

PAYLOAD = 200  # bytes: a mutation batch or a few pointer frames


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """The URL of a throw-away redis-server (see :mod:`bench.harness.redis_server`)."""
    with tempfile.TemporaryDirectory() as tmp, running_redis(Path(tmp)) as redis:
        yield redis.url


def stamp(size: int = PAYLOAD) -> bytes:
    return time.perf_counter_ns().to_bytes(8, "big") + b"x" * (size - 8)


def age_us(data: bytes) -> float:
    return (time.perf_counter_ns() - int.from_bytes(data[:8], "big")) / 1000


class Pair:
    """A publishing and a receiving node; ``send(channel, data)`` publishes."""

    def __init__(
        self,
        send: Callable[[str, bytes], Any],
        drain: Callable[[], Awaitable[Any]],
        channels: list[str],
    ) -> None:
        self.send = send
        self.drain = drain  # waits until the sender's queue is empty
        self.channels = channels
        self.latencies: list[float] = []
        self.received = 0
        self.arrived = asyncio.Event()
        self.want = 0

    def on_data(self, data: bytes) -> None:
        self.latencies.append(age_us(data))
        self.received += 1
        if self.received >= self.want:
            self.arrived.set()

    async def expect(self, n: int) -> None:
        self.want = self.received + n
        if self.received < self.want:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 60)


@contextlib.asynccontextmanager
async def bus_pair(make: Callable[[], Bus], channels: list[str]) -> AsyncIterator[Pair]:
    a, b = make(), make()
    await a.start()
    await b.start()
    pair = Pair(a.publish, a.flush, channels)

    def handler(message: BusMessage) -> None:
        pair.on_data(message.data)

    for channel in channels:
        await b.subscribe(channel, handler)
    try:
        yield pair
    finally:
        await a.close()
        await b.close()


@contextlib.asynccontextmanager
async def raw_pair(url: str, channels: list[str]) -> AsyncIterator[Pair]:
    pub, sub = Redis.from_url(url), Redis.from_url(url)
    pubsub = sub.pubsub()
    await pubsub.subscribe(*channels)
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    def send(channel: str, data: bytes) -> None:  # non-blocking, like Bus.publish
        queue.put_nowait((channel, data))

    async def write() -> None:  # the naive writer: one awaited PUBLISH at a time
        while True:
            channel, data = await queue.get()
            await pub.publish(channel, data)
            queue.task_done()

    pair = Pair(send, queue.join, channels)

    async def read() -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message and message["type"] == "message":
                pair.on_data(message["data"])

    tasks = [asyncio.create_task(read()), asyncio.create_task(write())]
    try:
        yield pair
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await pub.aclose()
        await sub.aclose()


async def ping(pair: Pair, n: int) -> dict[str, float]:
    pair.latencies.clear()
    for i in range(n):
        pair.send(pair.channels[i % len(pair.channels)], stamp())
        await pair.expect(1)
    return summary(pair.latencies)


async def load(pair: Pair, seconds: float, rate: int) -> dict[str, float]:
    """Publish ``rate`` messages per second in 5 ms ticks, round robin over the channels."""
    pair.latencies.clear()
    tick = 0.005
    per_tick = max(1, round(rate * tick))
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    i = 0
    while loop.time() - start < seconds:
        for _ in range(per_tick):
            pair.send(pair.channels[i % len(pair.channels)], stamp())
            i += 1
        sent += per_tick
        next_tick = start + (sent / per_tick) * tick
        await asyncio.sleep(max(0.0, next_tick - loop.time()))
    await pair.expect(sent - len(pair.latencies))
    out = summary(pair.latencies)
    out["rate"] = sent / seconds
    return out


async def burst(pair: Pair, n: int) -> dict[str, float]:
    pair.latencies.clear()
    started = time.perf_counter()
    cpu = time.process_time()
    for i in range(n):
        pair.send(pair.channels[i % len(pair.channels)], stamp())
        if i % 2000 == 1999:
            await pair.drain()  # stay within the bus's outbox bound
    await pair.expect(n - len(pair.latencies))
    return {
        "msgs_per_s": n / (time.perf_counter() - started),
        "cpu_us_per_msg": (time.process_time() - cpu) / n * 1e6,  # both ends, this process
    }


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies),
        "p50_us": percentile(latencies, 50),
        "p99_us": percentile(latencies, 99),
    }


async def _measure(quick: bool) -> dict[str, dict[str, dict[str, float]]]:
    n_ping, seconds, n_burst = (500, 1.0, 5000) if quick else (5000, 4.0, 50000)
    channels = [session_channel(f"s{i}") for i in range(200)]
    results: dict[str, dict[str, dict[str, float]]] = {}
    with redis_server() as url:
        makers: dict[str, Callable[[list[str]], contextlib.AbstractAsyncContextManager[Pair]]]
        broker = MemoryBroker()
        makers = {
            "memory bus": lambda ch: bus_pair(lambda: MemoryBus(broker), ch),
            "redis bus": lambda ch: bus_pair(lambda: RedisBus(url), ch),
            "raw redis-py": lambda ch: raw_pair(url, ch),
        }
        for name, make in makers.items():
            async with make(channels) as pair:
                await ping(pair, 200)  # warm up
                results[name] = {
                    "ping": await ping(pair, n_ping),
                    "load 6000/s": await load(pair, seconds, 6000),
                    "burst": await burst(pair, n_burst),
                }
    return results


def measure(quick: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """Run every scenario; ``{transport: {scenario: figures}}`` (latencies in µs)."""
    return asyncio.run(_measure(quick))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    results = measure(args.quick)
    base = results["raw redis-py"]["ping"]["p50_us"]
    hiredis = "with" if HIREDIS_AVAILABLE else "without"
    print(
        f"python {sys.version.split()[0]}, redis-py {hiredis} hiredis, payload {PAYLOAD} B, "
        f"latencies in µs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| transport | ping p50 | ping p99 | 6000/s p50 | 6000/s p99 | burst msg/s "
        "| CPU µs/msg | ping p50 / raw |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        p, ld = r["ping"], r["load 6000/s"]
        print(
            f"| {name} | {p['p50_us']:.0f} | {p['p99_us']:.0f} | {ld['p50_us']:.0f} "
            f"| {ld['p99_us']:.0f} | {r['burst']['msgs_per_s']:.0f} "
            f"| {r['burst']['cpu_us_per_msg']:.1f} | {ratio(p['p50_us'], base)} |"
        )


if __name__ == "__main__":
    main()
