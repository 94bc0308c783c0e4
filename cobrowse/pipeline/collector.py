"""The cycle collector paused while a large tree is built or encoded (a leaf module).

``with COLLECTOR_PAUSED:`` around code that allocates hundreds of thousands
of lists (:func:`cobrowse.pipeline.build.build_page`,
:func:`cobrowse.protocol.wire_tree`). Those allocations trigger
collections that scan every live object — in a relay, every session's page
tree — while the new lists hold no cycles. Safe to enter from several
threads at once: the collector runs again when the last of them is done
(unless it was off before the first).
"""

from __future__ import annotations

import gc
import threading
from typing import Final

__all__ = ["COLLECTOR_PAUSED"]

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
