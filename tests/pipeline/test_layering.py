"""The pipeline's imports point one way: page types <- pipeline <- config.

Every import counts, function-local and ``TYPE_CHECKING`` ones too: a lazy
import that points back still ties two modules into one concept.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cobrowse"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import in ``path``, at any depth."""
    here = _module(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            out.append((base, [alias.name for alias in node.names]))
    return out


def _files(*packages: str) -> list[Path]:
    return sorted(p for name in packages for p in (PACKAGE / name).rglob("*.py"))


def _graph(paths: list[Path]) -> dict[str, set[str]]:
    modules = {_module(p) for p in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        here = _module(path)
        found = set()
        for base, names in _imports(path):
            found |= {base, *(f"{base}.{n}" for n in names)}
        is_init = path.name == "__init__.py"
        graph[here] = {
            m for m in found & modules if m != here and not (is_init and m.startswith(here + "."))
        }
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph`` (as a path), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_circles_in_pipeline_and_config() -> None:
    paths = [*_files("pipeline", "config"), PACKAGE / "hosts.py"]
    assert _circle(_graph(paths)) is None


def test_the_circle_check_finds_a_lazy_import_back() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circle(graph) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", _files("pipeline"), ids=lambda p: p.name)
def test_the_pipeline_imports_nothing_above_it(path: Path) -> None:
    for base, _ in _imports(path):
        if base.startswith("cobrowse"):
            assert base.startswith(("cobrowse.pipeline", "cobrowse.hosts")), base


def test_page_types_are_a_leaf() -> None:
    bases = [base for base, _ in _imports(PACKAGE / "pipeline" / "page.py")]
    assert not [b for b in bases if b.startswith("cobrowse")]


@pytest.mark.parametrize("path", _files("pipeline", "config"), ids=_module)
def test_no_private_names_cross_modules(path: Path) -> None:
    """A name another module needs is public in its home module."""
    for base, names in _imports(path):
        if base.startswith("cobrowse") and base != _module(path):
            assert not [n for n in names if n.startswith("_")], base
