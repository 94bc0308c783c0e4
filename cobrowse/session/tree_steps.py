"""Work on a whole page tree, spread over event-loop iterations.

A large page has tens of thousands of nodes (lists and dicts). Building its
:class:`~cobrowse.pipeline.diff.TreeIndex` (on the page's first scroll or
hover) or freeing it (when the next page replaces it) took up to ~11 ms in
one go on the relay's loop, and every session's frames waited (the
``pipeline`` benchmark's loop lateness). Here both are done
:data:`STEP_NODES` nodes at a time, a step every :data:`SPACING` seconds,
so other callbacks run in between. Spaced rather than back to back: on a
busy machine a loop that works for 10 ms without a pause is preempted like
any CPU-bound thread (in alternating runs of that benchmark, back-to-back
steps gave p99 6.5–7.0 ms, spaced ones 2.7–4.6 ms):

- :class:`IndexBuilder` builds a page's index in the background;
  :meth:`IndexBuilder.finish` completes it at once when a frame needs it
  earlier (see :func:`cobrowse.session.publish.page_state`).
- :func:`release_later` frees an old page's index and tree in pieces. It
  takes apart only what nothing else refers to (reference counts): a node
  some other holder still keeps stays whole, with everything below it.

Without a running loop (plain calls, tests) both do nothing in the
background: the index is built by ``finish``, and the tree is freed when
its last reference goes, as before.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Final

from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node

__all__ = ["SPACING", "STEP_NODES", "IndexBuilder", "release_later"]

# Nodes per step: indexing this many takes about 0.25 ms, freeing them about
# 0.1 ms (both may run in the same loop iteration, beside a tree piece being
# loaded: cobrowse.page_worker.PIECE_NODES). The index of a 23k-node page is
# done ~50 ms after publishing, before a participant can scroll or hover.
STEP_NODES: Final = 500
SPACING: Final = 0.001  # seconds from one step to the next


def _loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class IndexBuilder:
    """A :class:`TreeIndex` of ``root`` built :data:`STEP_NODES` nodes per
    step, in document order (so equal to ``TreeIndex.build``).

    The tree must not change until :meth:`finish`: the relay changes a page
    only through its index, which it gets from ``finish``.
    """

    __slots__ = ("_handle", "_stack", "index")

    def __init__(self, root: Node) -> None:
        self.index = TreeIndex()
        self._stack: list[tuple[Node, Node | None]] = [(root, None)]
        self._handle: asyncio.Handle | None = None
        loop = _loop()
        if loop is not None:
            self._handle = loop.call_later(SPACING, self._step, loop)

    def _advance(self, budget: int) -> bool:
        """Index up to ``budget`` nodes (all when negative); True while some remain."""
        stack, add = self._stack, self.index.add
        while stack and budget:
            node, parent = stack.pop()
            add(node, parent)
            if len(node) == 4:
                stack.extend((child, node) for child in reversed(node[3]))
            budget -= 1
        return bool(stack)

    def _step(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = (
            loop.call_later(SPACING, self._step, loop) if self._advance(STEP_NODES) else None
        )

    def finish(self) -> TreeIndex:
        """The whole index, built now as far as it is not yet."""
        self.cancel()
        self._advance(-1)
        return self.index

    def cancel(self) -> None:
        """Stop building in the background (the page is gone, or :meth:`finish`)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class _Release:
    """Takes one old page apart, :data:`STEP_NODES` nodes per step (:func:`release_later`)."""

    __slots__ = ("index", "stack")

    def __init__(self, tree: Node, index: TreeIndex | None) -> None:
        self.index = index
        self.stack: list[Node] = [tree]

    def step(self, loop: asyncio.AbstractEventLoop) -> None:
        index, self.index = self.index, None
        # getrefcount sees its argument and our local name: 2 means only we hold it
        if index is not None and sys.getrefcount(index) == 2:
            # the index refers to every node: let go of them first (no node is freed here)
            index.nodes.clear()
            index.parents.clear()
            index.dom_ids.clear()
        del index
        stack, budget = self.stack, STEP_NODES
        while stack and budget:
            node = stack.pop()
            budget -= 1
            if len(node) == 4 and sys.getrefcount(node) == 2 and sys.getrefcount(node[3]) == 2:
                # nobody else holds the node or its children list: move the
                # children here, and the node alone goes when ``node`` is rebound
                children = node[3]
                stack.extend(children)
                children.clear()
                del children
        if stack:
            loop.call_later(SPACING, self.step, loop)


def release_later(tree: Node, index: TreeIndex | None = None) -> None:
    """Free ``tree`` (and ``index``, its index) in pieces over the next
    steps. Call it with the last references the session held; whatever some
    other holder still refers to stays whole."""
    loop = _loop()
    if loop is not None:
        loop.call_later(SPACING, _Release(tree, index).step, loop)
