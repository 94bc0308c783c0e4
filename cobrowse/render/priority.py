"""How the relay's Chromium and Playwright's driver yield the CPU to the relay.

Pages rendering for one session must not delay another session's pointer.
Two kernel mechanisms decide who gets a core, and both are set:

* the threads' scheduling policy: :func:`yield_cpu` puts every thread of
  Playwright's driver (and so of the Chromium it starts, which inherits it)
  under ``SCHED_IDLE``;
* session groups: where ``sched_autogroup`` is on (the default wherever
  the kernel is built with it), the kernel first shares the CPU between
  sessions and only then between the threads inside one. Playwright starts
  each Chromium in a session of its own (``setsid``), so Chromium's group
  competed with the relay's as an equal however idle its threads were;
  :func:`yield_autogroup` gives that group the lowest weight (nice 19).

Optionally (``[render] cpus``) :func:`pin_cpus` keeps the driver, and so
Chromium, on some of the CPUs only; ``cpus = "auto"`` (:func:`render_cpus`)
on all but one, so the relay's event loop always finds a core with no
Chromium on it. It is not the default: on a 2-core node it did not reliably
lower other sessions' pointer p99 (by 0.1–0.2× of the html path's in three
runs of four, higher in the fourth) and cost a third more time to the first
page and up to two fifths of the render throughput (``python -m bench
render``, ``docs/benchmarks.md``).

Inside a CPU cgroup other than the root one autogroups do not apply; there
the cgroup's own settings (``cpu.weight``, ``cpu.idle``) are the operator's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from typing import Final

__all__ = [
    "RENDER_NICENESS",
    "autogroup_nice",
    "autogroups_enabled",
    "own_children",
    "pin_cpus",
    "playwright_driver",
    "render_cpus",
    "yield_autogroup",
    "yield_cpu",
]

# Where SCHED_IDLE is not available, Chromium and Playwright's driver run this
# nice; their session groups always get it.
RENDER_NICENESS: Final = 19


def own_children() -> list[int]:
    """Process ids of this process's children (``/proc/self/task/*/children``)."""
    pids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as f:
                pids += [int(pid) for pid in f.read().split()]
    return pids


def playwright_driver(older: Collection[int] = ()) -> int | None:
    """The process id of Playwright's driver (a child of this process, not
    one of the ``older`` children: another Playwright in the same process,
    as in the tests, is left alone), if found."""
    for pid in own_children():
        if pid in older:
            continue
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"playwright" in f.read():
                return pid
    return None


def yield_cpu(pid: int) -> str:
    """Make every thread of ``pid`` run only when a core is otherwise idle.

    ``SCHED_IDLE``, not a nice value: Chromium sets its threads' nice values
    itself (0, and -8 for its display-critical threads when it may, e.g. as
    root), which overwrote the inherited ``nice 10`` and let it outrank the
    relay; a nice value does not change the scheduling policy, so SCHED_IDLE
    holds, and processes and threads started later inherit it. Where the
    policy is not available the threads get ``nice 19`` instead. Returns
    the policy applied (``"idle"``, ``"nice"`` or ``""``: the process is gone).
    """
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return ""
    applied = ""
    for tid in threads:
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            applied = applied or "idle"
        except (AttributeError, OSError):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, tid, RENDER_NICENESS)
                applied = "nice"
    return applied


def autogroups_enabled() -> bool:
    """The kernel schedules by session groups (``/proc/sys/kernel/sched_autogroup_enabled``)."""
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            return f.read().strip() == "1"
    except OSError:
        return False


def _below(root: int) -> list[int]:
    """``root``'s descendants."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found: list[int] = []
    stack = list(children.get(root, ()))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, ())
    return found


def _sessions_below(root: int) -> dict[int, int]:
    """Session id → one member, for the sessions of ``root``'s descendants
    other than this process's own."""
    own = os.getsid(0)
    found: dict[int, int] = {}
    for pid in _below(root):
        with contextlib.suppress(OSError):
            sid = os.getsid(pid)
            if sid != own:
                found.setdefault(sid, pid)
    return found


def yield_autogroup(driver: int) -> int:
    """Give the session groups below ``driver`` (Chromium's: Playwright
    starts each browser with ``setsid``) the autogroup nice value 19.

    With ``sched_autogroup`` the kernel first shares the CPU between session
    groups and only then between the threads of a group, so SCHED_IDLE
    inside Chromium's own group did not stop that group from taking as much
    CPU as the relay's (measured: the relay's event loop and the load
    generator waited 10–50 ms for a core while pages rendered). Returns how
    many groups were changed now (0 as well where the kernel has no
    autogroups; in a CPU cgroup other than the root one they do not apply).
    """
    if not autogroups_enabled():
        return 0
    changed = 0
    for pid in _sessions_below(driver).values():
        if autogroup_nice(pid) == RENDER_NICENESS:
            continue  # set at an earlier launch (unprivileged: one write per 0.1 s)
        # unbuffered: a refused write (EPERM, EAGAIN) raises here, not at close
        with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "wb", 0) as f:
            f.write(str(RENDER_NICENESS).encode())
            changed += 1
    return changed


def autogroup_nice(pid: int) -> int | None:
    """The autogroup nice value of ``pid``'s session group (None: none or gone)."""
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            return int(f.read().rsplit("nice", 1)[1])
    except (OSError, ValueError, IndexError):
        return None


def render_cpus(configured: Collection[int] | None) -> frozenset[int]:
    """The CPUs Chromium is to run on: ``configured`` (``[render] cpus``; empty:
    no limit, returned as the empty set), or for None (``"auto"``) every CPU
    this process may use but the lowest; the empty set (no limit) where it
    may use only one."""
    if configured is not None:
        return frozenset(configured)
    usable = sorted(os.sched_getaffinity(0))
    return frozenset(usable[1:]) if len(usable) > 1 else frozenset()


def pin_cpus(pid: int, cpus: Collection[int], *, below: bool = False) -> frozenset[int]:
    """Let every thread of ``pid`` (with ``below``: and of its descendants)
    run only on ``cpus`` (those of them this process may use); processes and
    threads started later inherit that, unless they set their own: Chromium's
    GPU process pins its worker threads one to each CPU, so after a launch
    the whole tree is pinned again. Returns the CPUs applied (empty: none of
    ``cpus`` is usable, or the process is gone; then nothing changed)."""
    usable = frozenset(cpus) & os.sched_getaffinity(0)
    if not usable:
        return frozenset()
    applied = False
    for process in [pid, *(_below(pid) if below else ())]:
        try:
            threads = [int(t) for t in os.listdir(f"/proc/{process}/task")]
        except OSError:
            continue
        applied = applied or process == pid
        for tid in threads:
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                os.sched_setaffinity(tid, usable)
    return usable if applied else frozenset()
