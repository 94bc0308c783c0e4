"""The ``pipeline`` bench's lateness probes see a loop that does not run."""

from __future__ import annotations

import asyncio
import time

from bench.harness.stalls import Pinger, Ticker


def hold_the_loop(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def test_the_pinger_sees_how_long_a_message_waited_for_the_loop() -> None:
    pinger = Pinger()
    await pinger.started()  # it writes every millisecond
    before = len(pinger.late)
    hold_the_loop(0.03)  # messages pile up in the pipe meanwhile
    await asyncio.sleep(0.02)
    late = await pinger.stop()
    assert len(late) - before > 20
    assert max(late) >= 25  # the first message written during the hold waited for all of it
    assert min(late) >= 0


async def test_the_ticker_sees_a_late_tick() -> None:
    ticker = Ticker()
    await asyncio.sleep(0.02)
    hold_the_loop(0.03)
    await asyncio.sleep(0.01)
    late = await ticker.stop()
    assert max(late) >= 25
