"""The relay's settling of the cycle collector once it has started (pipeline/collector.py)."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: freezing and thresholds are process-wide.
SCRIPT = """
import gc, weakref
from cobrowse.pipeline.collector import FULL_EVERY, MIDDLE_EVERY, settle_collector
gc.disable()  # only settle_collector may collect the cycle below
young = gc.get_threshold()[0]
class Cycle:
    pass
garbage = Cycle()
garbage.me = garbage
watch = weakref.ref(garbage)
del garbage
settle_collector()
assert watch() is None  # collected first, not frozen
assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()  # the imported modules
assert gc.get_threshold() == (young, MIDDLE_EVERY, FULL_EVERY), gc.get_threshold()
print("ok")
"""


def test_settle_collector_freezes_the_start_up_heap_and_shrinks_middle_collections() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
