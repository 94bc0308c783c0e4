"""Node-id trees after the snapshot: an index for changing them, and a diff.

:class:`TreeIndex` maps the node ids of a page tree (the format in
:mod:`cobrowse.protocol`) to their nodes and parents, so the relay can change
its copy of a page (widget toggles, form values) and tell everyone the same
change as a ``MUTATIONS`` batch.

:func:`diff_trees` turns one page into the next (same-site navigation keeps
header, menu and footer): it renumbers the new tree *in place* so that every
node matched with an old one keeps the old id (the clients still hold those
nodes) and every new node gets a fresh id above all old ones, and returns the
batch that turns the old page into the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Final

from cobrowse.pipeline.page import Node

__all__ = ["MAX_DIFF_NODES", "TreeDiff", "TreeIndex", "apply_batch", "diff_trees", "max_node_id"]

# Diffing is plain Python; beyond this many nodes a snapshot is cheaper to make.
MAX_DIFF_NODES: Final = 8_000


def _walk(root: Node) -> Iterator[tuple[Node, Node | None]]:
    """Every node of ``root``'s subtree with its parent, in document order."""
    stack: list[tuple[Node, Node | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        if len(node) == 4:
            stack.extend((child, node) for child in reversed(node[3]))


def max_node_id(root: Node) -> int:
    """The largest node id in ``root``'s subtree."""
    return max(int(node[0]) for node, _ in _walk(root))


@dataclass(slots=True)
class TreeIndex:
    """Ids of one page tree → nodes, parents and ``id`` attributes.

    Built once per page and kept current by whoever adds nodes (:meth:`add`).
    """

    nodes: dict[int, Node] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)
    dom_ids: dict[str, int] = field(default_factory=dict)
    max_id: int = 0

    @classmethod
    def build(cls, root: Node) -> TreeIndex:
        index = cls()
        for node, parent in _walk(root):
            index.add(node, parent)
        return index

    def add(self, node: Node, parent: Node | None) -> None:
        """Record ``node`` (not its children) under ``parent``."""
        node_id = node[0]
        self.nodes[node_id] = node
        if parent is not None:
            self.parents[node_id] = parent[0]
        if len(node) == 4:
            dom_id = node[2].get("id")
            if dom_id:
                self.dom_ids.setdefault(dom_id, node_id)
        self.max_id = max(self.max_id, node_id)

    def element(self, node_id: int) -> Node | None:
        """The element with ``node_id``, or None (unknown id or a text node)."""
        node = self.nodes.get(node_id)
        return node if node is not None and len(node) == 4 else None

    def by_dom_id(self, dom_id: str) -> Node | None:
        """The first element whose ``id`` attribute is ``dom_id``."""
        node_id = self.dom_ids.get(dom_id)
        return None if node_id is None else self.element(node_id)

    def ancestors(self, node_id: int) -> Iterator[Node]:
        """The parent of ``node_id``, its parent, … up to the root."""
        parent = self.parents.get(node_id)
        while parent is not None:
            yield self.nodes[parent]
            parent = self.parents.get(parent)

    def descendants(self, node: Node) -> Iterator[Node]:
        """The elements below ``node`` in document order (not ``node`` itself)."""
        for child, _ in _walk(node):
            if child is not node and len(child) == 4:
                yield child


def apply_batch(root: Node, batch: dict[str, Any], index: TreeIndex | None = None) -> None:
    """Apply a ``MUTATIONS`` body to ``root`` in place, the way the client does
    (client_js/node_tree.js): removes, then adds (an add waits for its next
    sibling), then attributes, then texts. ``index`` (of ``root``) is kept
    current when given. Raises ValueError for a batch that does not fit the
    tree (an unknown id, an add whose sibling never comes).
    """
    index = index if index is not None else TreeIndex.build(root)
    try:
        for node_id in batch.get("removes", []):
            parent = index.nodes[index.parents[node_id]]
            parent[3][:] = [c for c in parent[3] if c[0] != node_id]
        todo = list(batch.get("adds", []))
        while todo:
            later = []
            for parent_id, next_id, node in todo:
                parent = index.nodes[parent_id]
                ids = [c[0] for c in parent[3]]
                if next_id is not None and next_id not in ids:
                    later.append([parent_id, next_id, node])
                    continue
                parent[3].insert(ids.index(next_id) if next_id is not None else len(ids), node)
                for child, up in _walk(node):
                    index.add(child, up or parent)
            if len(later) == len(todo):
                raise ValueError("batch adds a node whose next sibling never comes")
            todo = later
        for node_id, attrs in batch.get("attributes", []):
            element = index.nodes[node_id]
            for name, value in attrs.items():
                if value is None:
                    element[2].pop(name, None)
                else:
                    element[2][name] = value
        for node_id, text in batch.get("texts", []):
            node = index.nodes[node_id]
            if len(node) != 2:
                raise ValueError("batch sets the text of an element")
            node[1] = text
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"batch does not fit the tree: {type(exc).__name__}") from exc


@dataclass(frozen=True, slots=True)
class TreeDiff:
    """``mutations``: ``{texts, attributes, removes, adds}`` as in the protocol;
    ``ids``: the new page's original node ids → ids after renumbering;
    ``next_id``: the first id not given out."""

    mutations: dict[str, list[Any]]
    ids: dict[int, int]
    next_id: int

    def undo(self, root: Node) -> None:
        """Give ``root`` (the new tree :func:`diff_trees` renumbered) its own ids
        back, for when it goes out whole after all."""
        original = {now: before for before, now in self.ids.items()}
        for node, _ in _walk(root):
            node[0] = original[node[0]]


def diff_trees(old: Node, new: Node, next_id: int) -> TreeDiff:
    """The batch that turns ``old`` into ``new``; renumbers ``new`` in place.

    Both are ``html`` roots. Children are matched by tag and ``id`` attribute
    along their longest common subsequence; matched nodes keep the old id and
    are compared recursively, the rest is removed or added whole (new nodes
    numbered from ``next_id``, which must be above every id the clients hold).
    ``old`` is not changed.
    """
    differ = _Differ(next_id)
    differ.match(old, new)
    batch = {
        "texts": differ.texts,
        "attributes": differ.attributes,
        "removes": differ.removes,
        "adds": differ.adds,
    }
    return TreeDiff(batch, differ.ids, differ.next_id)


def _signature(node: Node) -> tuple[str, str | None]:
    if len(node) == 2:
        return ("", None)
    return (node[1], node[2].get("id"))


class _Differ:
    __slots__ = ("adds", "attributes", "ids", "next_id", "removes", "texts")

    def __init__(self, next_id: int) -> None:
        self.next_id = next_id
        self.ids: dict[int, int] = {}
        self.texts: list[Any] = []
        self.attributes: list[Any] = []
        self.removes: list[int] = []
        self.adds: list[Any] = []

    def match(self, old: Node, new: Node) -> None:
        """``new`` takes ``old``'s place (same kind and tag): keep its id, diff the rest."""
        self.ids[new[0]] = old[0]
        new[0] = old[0]
        if len(new) == 2:
            if old[1] != new[1]:
                self.texts.append([old[0], new[1]])
            return
        before, after = old[2], new[2]
        if before != after:
            changed: dict[str, str | None] = {
                name: value for name, value in after.items() if before.get(name) != value
            }
            changed.update((name, None) for name in before if name not in after)
            self.attributes.append([old[0], changed])
        self.children(old[0], old[3], new[3])

    def children(self, parent_id: int, old: list[Node], new: list[Node]) -> None:
        added: list[int] = []  # positions in ``new`` of added nodes
        old_sigs = [_signature(n) for n in old]
        new_sigs = [_signature(n) for n in new]
        if old_sigs == new_sigs:
            for pair in zip(old, new, strict=True):
                self.match(*pair)
            return
        matcher = SequenceMatcher(None, old_sigs, new_sigs, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for k in range(i2 - i1):
                    self.match(old[i1 + k], new[j1 + k])
                continue
            # replace/delete/insert: pair same-kind nodes in order, the rest goes or comes
            paired = 0
            if op == "replace":
                for k in range(min(i2 - i1, j2 - j1)):
                    if old_sigs[i1 + k][0] != new_sigs[j1 + k][0]:
                        break
                    self.match(old[i1 + k], new[j1 + k])
                    paired += 1
            self.removes.extend(n[0] for n in old[i1 + paired : i2])
            added.extend(range(j1 + paired, j2))
        for j in added:
            self.renumber(new[j])
        for j in reversed(added):  # next siblings first: each add finds its anchor
            after = new[j + 1][0] if j + 1 < len(new) else None
            self.adds.append([parent_id, after, new[j]])

    def renumber(self, root: Node) -> None:
        for node, _ in _walk(root):
            self.ids[node[0]] = self.next_id
            node[0] = self.next_id
            self.next_id += 1
