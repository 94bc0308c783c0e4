"""Background tasks: :func:`spawn` instead of a bare ``asyncio.create_task``;
:func:`until_stopped`, a server process's wait for SIGINT or SIGTERM.

The event loop keeps only a weak reference to a task, so a task nobody holds
may vanish mid-run, and an exception in a task nobody awaits is reported only
when it is garbage-collected (or never). :func:`spawn` keeps a reference
until the task is done and logs a failure with the task's name and the
exception's type (never its message: it may quote page content or codes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["running", "spawn", "until_stopped"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_RUNNING: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """Run ``coro`` in the background as task ``name``; cancel it or await it as usual."""
    task = asyncio.create_task(coro, name=name)
    _RUNNING.add(task)
    task.add_done_callback(_done)
    return task


def running() -> int:
    """How many spawned tasks have not finished yet."""
    return len(_RUNNING)


def _done(task: asyncio.Task[Any]) -> None:
    _RUNNING.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background task %s failed: %s", task.get_name(), type(exc).__name__)


async def until_stopped() -> None:
    """Return when the process gets SIGINT or SIGTERM (where the loop can
    handle signals; elsewhere only cancelling ends the wait)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
