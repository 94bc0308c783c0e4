"""The ``render`` bench's burner runs where the relay's Chromium runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from cobrowse.render.priority import RENDER_NICENESS, autogroup_nice, autogroups_enabled


def test_the_burner_yields_as_chromium_does_and_stays_on_its_cpu() -> None:
    cpu = max(os.sched_getaffinity(0))
    argv = [sys.executable, "-m", "bench.harness.burn", "0.2", "5", str(cpu)]
    proc = subprocess.Popen(argv, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while os.sched_getscheduler(proc.pid) != os.SCHED_IDLE:
            assert time.monotonic() < deadline, "the burner never switched to SCHED_IDLE"
            time.sleep(0.05)
        time.sleep(0.2)  # the affinity is set right after the policy
        assert os.sched_getaffinity(proc.pid) == {cpu}
        assert os.getsid(proc.pid) != os.getsid(0)
        if autogroups_enabled():
            assert autogroup_nice(proc.pid) == RENDER_NICENESS
        assert proc.poll() is None, "the burner runs until it is killed"
    finally:
        proc.kill()
        proc.wait()
