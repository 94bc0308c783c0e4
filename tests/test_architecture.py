"""The import graph of ``cobrowse/`` has no circles.

Every import counts, function-local and ``if TYPE_CHECKING:`` ones too: a lazy
or typing-only import that points back still ties two modules' concepts
together. A package's ``__init__`` importing its own submodules (to re-export
them) is not an edge. Dependencies point one way: web → session → pipeline →
page types (docs/architecture.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cobrowse"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, here: str, is_package: bool) -> set[str]:
    """Every module name an import anywhere in ``tree`` may refer to."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here.split(".") if is_package else here.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        found = imported(ast.parse(path.read_text(), str(path)), name, is_package)
        graph[name] = {
            m
            for m in found
            if m in modules and m != name and not (is_package and m.startswith(name + "."))
        }
    return graph


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def test_the_checker_finds_a_circle_through_a_lazy_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [frozenset({"a", "b", "c"})]
    local = ast.parse("def f():\n    from cobrowse.session import hub\n")
    checking = ast.parse("if TYPE_CHECKING:\n    from cobrowse.session.model import CoSession\n")
    assert "cobrowse.session.hub" in imported(local, "cobrowse.x", False)
    assert "cobrowse.session.model" in imported(checking, "cobrowse.x", False)
    assert "cobrowse.session.model" in imported(
        ast.parse("from .model import CoSession"), "cobrowse.session.store", False
    )


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []
