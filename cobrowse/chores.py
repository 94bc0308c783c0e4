"""Background work on the event loop, one budgeted run at a time (a leaf module).

Three kinds of work on a whole page tree are spread over loop iterations so
that no session's frames wait for a large page: loading the tree the page
worker sent in pickled pieces (:func:`cobrowse.page_worker.unpickle_tree`),
building the new page's node index and freeing the old page
(:mod:`cobrowse.session.tree_steps`). Each is a series of steps of a few
tenths of a millisecond. Each used to schedule its own steps, so in one
loop iteration a piece, an index step and a release step (and the
collections their allocations triggered) could run back to back: most of
the ticks that the ``pipeline`` benchmark's 1 ms ticker saw more than a
millisecond late had two or three of them in their window.

Here all of them wait in one queue per loop. A run takes one step of each
chore that someone waits for or will need soon (so a node with many
navigations at once does not fall behind on them), then further steps
until :data:`BUDGET` is spent;
then the loop gets :data:`SPACING` to itself before the next run: spaced
rather than back to back, since on a busy machine a loop that works
without pausing is preempted like any CPU-bound thread. Steps run by
:class:`Priority` (a tree someone waits for first, freeing last) and,
within one priority, in turns.

A chore that allocates many lists (a tree piece) asks for one collection
of the young and middle generations after its steps (``collect``): it moves
those lists to the old generation in one scan. The run does it once, after
all of its steps: once per step, a burst of 800 navigations could run up
to 800 of them in one run.
"""

from __future__ import annotations

import asyncio
import enum
import gc
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Final

__all__ = ["BUDGET", "SPACING", "Chore", "Priority", "chore", "run_chore"]

log = logging.getLogger(__name__)

BUDGET: Final = 0.0002  # seconds of steps per run (a run may exceed it by one step)
# seconds from the end of one run to the next; the selector sleeps in whole
# milliseconds anyway (epoll rounds a timeout up)
SPACING: Final = 0.001

Step = Callable[[], bool]
"""One step of a chore: does a bounded piece of work; True while work remains."""


class Priority(enum.IntEnum):
    """Which chores go first: lower values."""

    WAITED_FOR = 0  # a coroutine awaits the result (a page's tree being loaded)
    SOON = 1  # needed on a participant's next move (a page's node index)
    LATER = 2  # nobody waits (freeing an old page)


class Chore:
    """A chore in a loop's queue: :meth:`cancel` drops it before its next step."""

    __slots__ = ("cancelled", "collect", "done", "step")

    def __init__(self, step: Step, collect: bool = False) -> None:
        self.step = step
        self.cancelled = False
        self.collect = collect  # a young+middle collection after the run that stepped it
        self.done: asyncio.Future[None] | None = None  # set by run_chore

    def cancel(self) -> None:
        self.cancelled = True


class _Queue:
    """One loop's chores: a run every :data:`SPACING` while any remain."""

    __slots__ = ("handle", "loop", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: tuple[deque[Chore], ...] = tuple(deque() for _ in Priority)
        self.handle: asyncio.TimerHandle | None = None

    def add(self, chore: Chore, priority: Priority) -> None:
        self.waiting[priority].append(chore)
        if self.handle is None:
            self.handle = self.loop.call_later(SPACING, self.run)

    @staticmethod
    def _head(line: deque[Chore]) -> Chore | None:
        while line:
            chore = line[0]
            if not chore.cancelled and (chore.done is None or not chore.done.done()):
                return chore
            line.popleft()  # dropped, or its waiter went away
        return None

    def _next(self) -> tuple[deque[Chore], Chore] | None:
        for line in self.waiting:
            if (chore := self._head(line)) is not None:
                return line, chore
        return None

    def _step(self, line: deque[Chore], chore: Chore) -> bool:
        """One step of ``chore``; whether it asks for a collection after the run."""
        line.popleft()
        try:
            more = chore.step()
        except Exception as exc:  # the chore ends; the queue goes on
            more = False
            if chore.done is not None:
                chore.done.set_exception(exc)
            else:  # the type only: a message may quote page content
                log.error("background chore failed: %s", type(exc).__name__)
        if more:
            line.append(chore)  # its next step after the others' of this priority
        elif chore.done is not None and not chore.done.done():
            chore.done.set_result(None)
        return chore.collect

    def run(self) -> None:
        self.handle = None
        start = time.perf_counter()
        collect = False
        # every tree someone waits for and every index gets a step, however
        # many there are: a node busy with many navigations must not fall
        # behind on them (a move would then build a whole index at once)
        for line in self.waiting[: Priority.LATER]:
            for _ in range(len(line)):
                if (chore := self._head(line)) is None:
                    break
                collect |= self._step(line, chore)
        while time.perf_counter() - start < BUDGET and (found := self._next()) is not None:
            collect |= self._step(*found)
        if collect:
            gc.collect(1)
        if self._next() is not None:
            self.handle = self.loop.call_later(SPACING, self.run)


_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()


def _queue(loop: asyncio.AbstractEventLoop) -> _Queue:
    queue = _QUEUES.get(loop)
    if queue is None:
        queue = _QUEUES[loop] = _Queue(loop)
    return queue


def chore(step: Step, priority: Priority) -> Chore | None:
    """Run ``step`` in the running loop's background until it returns False.

    None without a running loop (plain calls, threads): nothing runs then,
    and the caller does the work itself when it needs it.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    queued = Chore(step)
    _queue(loop).add(queued, priority)
    return queued


async def run_chore(
    step: Step, priority: Priority = Priority.WAITED_FOR, *, collect: bool = False
) -> None:
    """Run ``step`` as a chore until it returns False, and wait for that.

    Its exception is raised here. When the waiting task is cancelled, the
    chore's remaining steps are dropped. ``collect``: a collection of the
    young and middle generations after each run that stepped it.
    """
    loop = asyncio.get_running_loop()
    queued = Chore(step, collect)
    queued.done = loop.create_future()
    _queue(loop).add(queued, priority)
    await queued.done
