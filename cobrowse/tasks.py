"""Background tasks: :func:`spawn` instead of a bare ``asyncio.create_task``.

The event loop keeps only a weak reference to a task, so a task nobody holds
may vanish mid-run, and an exception in a task nobody awaits is reported only
when it is garbage-collected (or never). :func:`spawn` keeps a reference
until the task is done and logs a failure with the task's name and the
exception's type (never its message: it may quote page content or codes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["running", "spawn"]

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
