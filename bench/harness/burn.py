"""A CPU burner that yields like the relay's Chromium: the ``render`` bench's floor.

``python -m bench.harness.burn DUTY BUSY_MS [CPU]`` spins for ``BUSY_MS``
milliseconds at a time whenever the CPU time it has used is short of
``DUTY`` (0–1, of one core) of the wall time since it started, sleeps
otherwise, and repeats until killed: a fixed amount of work, as Chromium's
pages are, caught up with after the scheduler held it back. It puts itself
where Chromium runs: its own session (start it with
``start_new_session=True``, as Playwright starts Chromium with ``setsid``)
with autogroup nice 19, ``SCHED_IDLE``, and, with ``CPU``, only on that
CPU. It imports nothing of the relay's (0.7 s of CPU that would count).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

RENDER_NICENESS = 19  # cobrowse.render.priority.RENDER_NICENESS


def main(argv: list[str]) -> None:
    duty, busy_ms = float(argv[0]), float(argv[1])
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "wb", 0) as f:
        f.write(str(RENDER_NICENESS).encode())
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if len(argv) > 2:
        os.sched_setaffinity(0, {int(argv[2])})
    busy = busy_ms / 1e3
    idle = busy * (1 - duty) / duty if duty > 0 else 3600.0
    clock, cpu = time.perf_counter, time.process_time
    start, used = clock(), cpu()
    while True:
        if cpu() - used < duty * (clock() - start):
            end = clock() + busy
            while clock() < end:
                pass
        else:
            time.sleep(idle)


if __name__ == "__main__":
    main(sys.argv[1:])
