"""The loop's one queue of background steps (cobrowse.chores)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from cobrowse.chores import BUDGET, Priority, chore, run_chore


class Steps:
    """A chore of ``count`` steps, each noting ``name`` in ``log`` (and
    keeping the CPU busy for ``busy`` seconds); ``first`` and ``last`` are
    set when its first and last steps ran."""

    def __init__(self, name: str, count: int, log: list[str], busy: float = 0.0) -> None:
        self.name, self.left, self.log, self.busy = name, count, log, busy
        self.first, self.last = asyncio.Event(), asyncio.Event()

    def __call__(self) -> bool:
        end = time.perf_counter() + self.busy
        while time.perf_counter() < end:
            pass
        self.log.append(self.name)
        self.first.set()
        self.left -= 1
        if not self.left:
            self.last.set()
        return self.left > 0


async def test_chores_go_by_priority_and_take_turns_within_one() -> None:
    log: list[str] = []
    free = Steps("free", 2, log)
    chore(free, Priority.LATER)
    chore(Steps("index-a", 2, log), Priority.SOON)
    chore(Steps("index-b", 2, log), Priority.SOON)
    await run_chore(Steps("tree", 3, log), Priority.WAITED_FOR)
    await free.last.wait()
    # one run (the steps are quick): a step of each tree and index, then the
    # budget goes to the highest priority first, in turns within one
    each_once = ["tree", "index-a", "index-b"]
    assert log == [*each_once, "tree", "tree", "index-a", "index-b", "free", "free"]


async def test_a_run_stops_after_its_budget_and_the_loop_runs_in_between() -> None:
    log: list[str] = []
    others = 0

    async def other_session() -> None:
        nonlocal others
        while True:
            others += 1
            log.append("other")
            await asyncio.sleep(0)

    task = asyncio.create_task(other_session())
    await run_chore(Steps("step", 5, log, busy=BUDGET))
    task.cancel()
    steps = [i for i, name in enumerate(log) if name == "step"]
    assert len(steps) == 5
    # every step overran the budget, so each ran alone and the other session ran between
    assert all(b - a > 1 for a, b in itertools.pairwise(steps))


async def test_the_waiter_gets_the_exception_and_the_queue_goes_on() -> None:
    log: list[str] = []

    def broken() -> bool:
        raise ValueError("page content must not be logged")

    after = Steps("after", 2, log)
    chore(after, Priority.LATER)
    with pytest.raises(ValueError):
        await run_chore(broken)
    await after.last.wait()
    assert log == ["after", "after"]


async def test_a_failing_background_chore_is_logged_by_type_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []

    def broken() -> bool:
        raise KeyError("secret-page-text")

    with caplog.at_level(logging.ERROR, logger="cobrowse.chores"):
        chore(broken, Priority.SOON)
        await run_chore(Steps("next", 1, log), Priority.LATER)
    assert log == ["next"]
    assert "KeyError" in caplog.text and "secret-page-text" not in caplog.text


async def test_a_cancelled_waiter_drops_the_rest_of_its_chore() -> None:
    log: list[str] = []
    tree = Steps("tree", 1000, log, busy=BUDGET)
    waiter = asyncio.create_task(run_chore(tree))
    await tree.first.wait()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    done = len(log)
    await run_chore(Steps("later", 1, log), Priority.LATER)
    assert log[done:] == ["later"]  # nothing of the dropped chore ran meanwhile
    assert done < 1000


async def test_a_cancelled_background_chore_takes_no_more_steps() -> None:
    log: list[str] = []
    index = Steps("index", 1000, log, busy=BUDGET)
    queued = chore(index, Priority.SOON)
    assert queued is not None
    await index.first.wait()
    queued.cancel()
    done = len(log)
    await run_chore(Steps("later", 1, log), Priority.LATER)
    assert log[done:] == ["later"]


def test_without_a_running_loop_nothing_is_queued() -> None:
    log: list[str] = []
    assert chore(Steps("never", 1, log), Priority.SOON) is None
    assert log == []


async def test_every_tree_and_index_gets_a_step_in_each_run() -> None:
    log: list[str] = []

    async def other_session() -> None:
        while True:
            log.append("other")
            await asyncio.sleep(0)

    task = asyncio.create_task(other_session())
    trees = [Steps(f"tree-{i}", 3, log, busy=BUDGET) for i in range(3)]
    indexes = [Steps(f"index-{i}", 3, log, busy=BUDGET) for i in range(2)]
    free = Steps("free", 1, log)
    for index in indexes:
        chore(index, Priority.SOON)
    chore(free, Priority.LATER)
    await asyncio.gather(*(run_chore(t) for t in trees))
    await free.last.wait()
    task.cancel()
    runs = [r.split() for r in " ".join(log).split("other") if r.strip()]
    # each run: one step of every tree and every index, though each step overran
    # the budget alone; freeing waits for a run with budget left
    each = [f"tree-{i}" for i in range(3)] + [f"index-{i}" for i in range(2)]
    assert runs == [each] * 3 + [["free"]]


async def test_chores_asking_for_a_collection_get_one_per_run_not_one_per_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cobrowse.chores as chores

    log: list[str] = []
    collections: list[int] = []
    real_collect = chores.gc.collect

    def collect(generation: int = 2) -> int:
        collections.append(generation)
        log.append("collect")
        return real_collect(generation)

    monkeypatch.setattr(chores.gc, "collect", collect)
    # three trees loading at once, two pieces each: two runs of three steps
    trees = [Steps(f"tree-{n}", 2, log, busy=BUDGET) for n in range(3)]
    await asyncio.gather(*(run_chore(tree, collect=True) for tree in trees))
    assert collections == [1, 1]
    names = ["tree-0", "tree-1", "tree-2"]
    assert log == [*names, "collect", *names, "collect"]
    await run_chore(Steps("index", 2, log))  # not asking: no collection
    assert collections == [1, 1]
