"""tasks.spawn: background tasks are kept until done and their failures are logged;
tasks.until_stopped: a server process ends its wait on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal

import pytest

from cobrowse.tasks import running, spawn, until_stopped


async def test_a_spawned_task_survives_without_a_reference() -> None:
    done = asyncio.Event()

    async def job() -> None:
        await asyncio.sleep(0)
        gc.collect()  # nobody holds the task but spawn
        done.set()

    before = running()
    spawn(job(), "job")
    assert running() == before + 1
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0)
    assert running() == before


async def test_a_failure_is_logged_with_name_and_type_but_not_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fails() -> None:
        raise ValueError("code 123456 for 10.0.0.1")

    with caplog.at_level(logging.ERROR, logger="cobrowse.tasks"):
        task = spawn(fails(), "sweeper")
        with contextlib.suppress(ValueError):
            await task
        await asyncio.sleep(0)
    assert [r.getMessage() for r in caplog.records] == [
        "background task sweeper failed: ValueError"
    ]


async def test_a_cancelled_task_is_not_a_failure(caplog: pytest.LogCaptureFixture) -> None:
    task = spawn(asyncio.sleep(60), "waiting")
    await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert task.cancelled() and caplog.records == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_until_stopped_returns_on_the_stop_signals(sig: signal.Signals) -> None:
    waiting = asyncio.ensure_future(until_stopped())
    await asyncio.sleep(0)  # its handlers are installed
    assert not waiting.done()
    os.kill(os.getpid(), sig)
    await asyncio.wait_for(waiting, 5)
    loop = asyncio.get_running_loop()
    for handled in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(handled)  # the default handlers again for the other tests
