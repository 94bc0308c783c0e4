"""The cycle collector paused while a large tree is built or encoded (a leaf module),
and kept off the relay's start-up heap.

``with COLLECTOR_PAUSED:`` around code that allocates hundreds of thousands
of lists (:func:`cobrowse.pipeline.build.build_page`,
:func:`cobrowse.protocol.wire_tree`). Those allocations trigger
collections that scan every live object — in a relay, every session's page
tree — while the new lists hold no cycles. Safe to enter from several
threads at once: the collector runs again when the last of them is done
(unless it was off before the first).

:func:`settle_collector` (once the relay has started): a full collection
scans every tracked object, and the modules, classes and the app made at
start-up are most of them (about 52,000; a full collection took 10 ms
before freezing them, ~0 after). It also makes the middle generation's
collections smaller: a page tree arrives as pieces of a thousand nodes, each
piece's lists survive the young collection, and by default the middle one
scanned about ten pieces at once (1–4 ms on the loop); now two.
"""

from __future__ import annotations

import gc
import threading
from typing import Final

__all__ = ["COLLECTOR_PAUSED", "FULL_EVERY", "MIDDLE_EVERY", "settle_collector"]

# Young collections per middle-generation collection (CPython's default: 10).
MIDDLE_EVERY: Final = 2
# Middle collections per full one (CPython's default: 10; CPython also waits
# until the old generation has grown by a quarter). A full collection scans
# every live connection's tasks and sockets: in a relay with 200 sessions
# under pointer load, 20–50 ms, up to 105 ms during a burst of navigations,
# and that often (asyncio's loop allocates per frame). It found only a few
# hundred objects of garbage each time: trees are freed by reference
# counting, cycles come from connections closing. So a full collection only
# every 10,000 young ones (about 7 million allocations).
FULL_EVERY: Final = 5000

_lock = threading.Lock()
_paused = 0  # blocks running now (in any thread)
_restore = False  # whether the collector was on before the first of them


class _CollectorPause:
    """A class, not a generator: cheaper to enter, which shows on small pages."""

    __slots__ = ()

    def __enter__(self) -> None:
        global _paused, _restore
        with _lock:
            if _paused == 0:
                _restore = gc.isenabled()
                gc.disable()
            _paused += 1

    def __exit__(self, *exc_info: object) -> None:
        global _paused
        with _lock:
            _paused -= 1
            if _paused == 0 and _restore:
                gc.enable()


COLLECTOR_PAUSED: Final = _CollectorPause()


def settle_collector() -> None:
    """Freeze what exists now and make middle-generation collections smaller.

    Call once, when the relay has started (its modules imported, its app
    made). ``gc.freeze`` after a full collection, so no garbage is frozen:
    frozen objects are still freed when their last reference goes, only a
    reference cycle among them that became garbage later would never be
    collected, and start-up objects (modules, classes, the app) live until
    the process ends. The thresholds: a middle collection every
    :data:`MIDDLE_EVERY` young ones, a full one after :data:`FULL_EVERY`
    middle ones (and still only when the old generation grew by a quarter).
    """
    gc.collect()
    gc.freeze()
    young = gc.get_threshold()[0]
    gc.set_threshold(young, MIDDLE_EVERY, FULL_EVERY)
