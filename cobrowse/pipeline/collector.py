"""The cycle collector paused while a large tree is built or encoded (a leaf module),
and kept off the relay's start-up heap.

``with COLLECTOR_PAUSED:`` around code that allocates hundreds of thousands
of lists (:func:`cobrowse.pipeline.build.build_page`,
:func:`cobrowse.protocol.wire_tree`). Those allocations trigger
collections that scan every live object — in a relay, every session's page
tree — while the new lists hold no cycles. Safe to enter from several
threads at once: the collector runs again when the last of them is done
(unless it was off before the first).

:func:`freeze_startup_heap`: a full collection scans every tracked object,
and the modules, classes and the app made at start-up are most of them
(about 4 ms of a 15 ms collection in the ``pipeline`` benchmark's loop).
"""

from __future__ import annotations

import gc
import threading
from typing import Final

__all__ = ["COLLECTOR_PAUSED", "freeze_startup_heap"]

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


def freeze_startup_heap() -> None:
    """Keep what exists now out of every later collection's scan (``gc.freeze``).

    Call once, when the relay has started (its modules imported, its app
    made). Collects first, so no garbage is frozen. Frozen objects are still
    freed when their last reference goes; only a reference cycle among them
    that became garbage later would never be collected, and start-up objects
    (modules, classes, the app) live until the process ends.
    """
    gc.collect()
    gc.freeze()
