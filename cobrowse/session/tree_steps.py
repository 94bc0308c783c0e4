"""Work on a whole page tree, spread over event-loop iterations.

A large page has tens of thousands of nodes (lists and dicts). Building its
:class:`~cobrowse.pipeline.diff.TreeIndex` (on the page's first scroll or
hover) or freeing it (when the next page replaces it) took up to ~11 ms in
one go on the relay's loop, and every session's frames waited (the
``pipeline`` benchmark's loop lateness). Here both are done
:data:`STEP_NODES` nodes at a time, as chores of the loop's one background
queue (:mod:`cobrowse.chores`: budgeted runs, spaced, beside the loading of
new trees):

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

import sys
from typing import Final

from cobrowse.chores import Chore, Priority, chore
from cobrowse.pipeline.diff import TreeIndex
from cobrowse.pipeline.page import Node

__all__ = ["STEP_NODES", "IndexBuilder", "release_later"]

# Nodes per step: indexing this many takes about 0.15 ms, freeing them about
# 0.08 ms (a chore run takes steps for cobrowse.chores.BUDGET). The index of
# a 23k-node page is done ~60–100 ms after publishing on an otherwise idle
# loop; a move that needs it sooner finishes it at once.
STEP_NODES: Final = 250


class IndexBuilder:
    """A :class:`TreeIndex` of ``root`` built :data:`STEP_NODES` nodes per
    step, in document order (so equal to ``TreeIndex.build``).

    The tree must not change until :meth:`finish`: the relay changes a page
    only through its index, which it gets from ``finish``.
    """

    __slots__ = ("_chore", "_stack", "index")

    def __init__(self, root: Node) -> None:
        self.index = TreeIndex()
        self._stack: list[tuple[Node, Node | None]] = [(root, None)]
        self._chore: Chore | None = chore(self._step, Priority.SOON)

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

    def _step(self) -> bool:
        more = self._advance(STEP_NODES)
        if not more:
            self._chore = None
        return more

    def finish(self) -> TreeIndex:
        """The whole index, built now as far as it is not yet."""
        self.cancel()
        self._advance(-1)
        return self.index

    def cancel(self) -> None:
        """Stop building in the background (the page is gone, or :meth:`finish`)."""
        if self._chore is not None:
            self._chore.cancel()
            self._chore = None


class _Release:
    """Takes one old page apart, :data:`STEP_NODES` nodes per step (:func:`release_later`)."""

    __slots__ = ("index", "stack")

    def __init__(self, tree: Node, index: TreeIndex | None) -> None:
        self.index = index
        self.stack: list[Node] = [tree]

    def step(self) -> bool:
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
        return bool(stack)


def release_later(tree: Node, index: TreeIndex | None = None) -> None:
    """Free ``tree`` (and ``index``, its index) in pieces over the next
    steps. Call it with the last references the session held; whatever some
    other holder still refers to stays whole."""
    chore(_Release(tree, index).step, Priority.LATER)
