"""The relay's Chromium and Playwright's driver yield the CPU to the relay (real Chromium)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cobrowse.render.priority import (
    RENDER_NICENESS,
    autogroup_nice,
    autogroups_enabled,
    playwright_driver,
)
from tests.render.conftest import Site, new_session, renderer_for


def _tree(root: int) -> set[int]:
    """``root`` and every process below it."""
    ours, grown = {root}, True
    while grown:
        children: set[int] = set()
        for pid in ours:
            for task in os.listdir(f"/proc/{pid}/task"):
                path = Path(f"/proc/{pid}/task/{task}/children")
                children |= {int(c) for c in path.read_text().split()}
        grown = bool(children - ours)
        ours |= children
    return ours


def playwright_children() -> set[int]:
    """This process's Playwright drivers (the e2e fixtures may run one too)."""
    found, older = set(), set()
    while (pid := playwright_driver(older)) is not None:
        found.add(pid)
        older.add(pid)
    return found


def _threads(pids: set[int]) -> dict[int, int]:
    """Thread id → scheduling policy, for every thread of ``pids``."""
    policies = {}
    for pid in pids:
        for task in os.listdir(f"/proc/{pid}/task"):
            policies[int(task)] = os.sched_getscheduler(int(task))
    return policies


async def test_chromium_and_the_driver_run_only_on_otherwise_idle_cpu(site: Site) -> None:
    site.pages["/seite"] = "<!DOCTYPE html><p id=x></p><script>x.textContent = 'da'</script>"
    before = set(_threads({os.getpid()}))
    renderer, fetcher = renderer_for(site.config())
    session = new_session()
    try:
        rendered = await renderer.render(session, site.url("/seite"))
        driver = renderer.pool.driver
        assert driver is not None and driver in playwright_children()
        processes = _tree(driver)
        threads = _threads(processes)
        own = _threads({os.getpid()})
        await renderer.discard(session, rendered)
    finally:
        await renderer.close()
        await fetcher.close()
    assert "da" in rendered.html
    assert renderer.pool.priority == "idle"
    assert len(processes) >= 3  # the driver, Chromium's browser process, a renderer …
    assert set(threads.values()) == {os.SCHED_IDLE}, threads
    # the relay itself keeps its priority
    assert all(own[t] == os.SCHED_OTHER for t in before if t in own)


async def test_chromiums_session_group_yields_to_the_relays(site: Site) -> None:
    """Playwright starts Chromium in a session of its own; with autogroups the
    kernel shares the CPU between sessions first, whatever the threads' policy."""
    if not autogroups_enabled():
        pytest.skip("this kernel does not group processes by session (sched_autogroup)")
    site.pages["/seite"] = "<!DOCTYPE html><p>da</p>"
    own = autogroup_nice(os.getpid())
    renderer, fetcher = renderer_for(site.config())
    session = new_session()
    try:
        rendered = await renderer.render(session, site.url("/seite"))
        driver = renderer.pool.driver
        assert driver is not None
        groups = {}
        for pid in _tree(driver) - {driver}:
            groups[os.getsid(pid)] = autogroup_nice(pid)
        await renderer.discard(session, rendered)
    finally:
        await renderer.close()
        await fetcher.close()
    chromium = {sid: nice for sid, nice in groups.items() if sid != os.getsid(0)}
    assert chromium, "Chromium ran in the relay's own session"
    assert set(chromium.values()) == {RENDER_NICENESS}, chromium
    assert renderer.pool.autogroups == len(chromium)
    # the relay's own group keeps its weight
    assert autogroup_nice(os.getpid()) == own


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", "all"),  # the default
        ('cpus = "auto"', "all but the first"),  # one core never runs Chromium
        ("cpus = [{last}, 4096]", "the last"),  # CPU 4096 does not exist here: left out
    ],
)
async def test_render_cpus_keep_chromium_and_the_driver_off_the_other_cpus(
    site: Site, setting: str, expected: str
) -> None:
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        pytest.skip("one CPU: nothing to keep Chromium off")
    wanted = {
        "all but the first": frozenset(usable[1:]),
        "the last": frozenset(usable[-1:]),
        "all": frozenset(usable),
    }[expected]
    site.pages["/seite"] = "<!DOCTYPE html><p id=x></p><script>x.textContent = 'da'</script>"
    own_before = {int(t): os.sched_getaffinity(int(t)) for t in os.listdir("/proc/self/task")}
    renderer, fetcher = renderer_for(site.config(setting.format(last=usable[-1])))
    session = new_session()
    try:
        rendered = await renderer.render(session, site.url("/seite"))
        driver = renderer.pool.driver
        assert driver is not None
        processes = _tree(driver)
        cpus = {
            int(task): os.sched_getaffinity(int(task))
            for pid in processes
            for task in os.listdir(f"/proc/{pid}/task")
        }
        own = {int(t): os.sched_getaffinity(int(t)) for t in os.listdir("/proc/self/task")}
        await renderer.discard(session, rendered)
    finally:
        await renderer.close()
        await fetcher.close()
    assert "da" in rendered.html
    assert renderer.pool.cpus == (wanted if expected != "all" else frozenset())
    assert len(processes) >= 3  # the driver, Chromium's browser process, a renderer …
    if expected != "all":  # else Chromium's GPU process pins threads one per CPU itself
        assert set(map(frozenset, cpus.values())) == {wanted}, cpus
    # the relay's own threads keep every CPU
    assert all(own[t] == cpus_before for t, cpus_before in own_before.items() if t in own)
