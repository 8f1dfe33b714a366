"""No import circle anywhere in the package: a module never imports, even late (inside a
function), a module that imports it back.

The graph is read off the sources (``ast``), so an import inside a function counts as much
as one at the top; an import under ``if TYPE_CHECKING:`` does not (it never runs). An
edge goes to the most specific module an import names: ``from kvasir_seg.scores import
inputs`` is an edge to ``kvasir_seg.scores.inputs``, ``from kvasir_seg.scores import
new_accumulator`` one to ``kvasir_seg.scores``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The packages of the distribution (the ``evaluate`` module's script,
#: ``kvasir_seg/evaluate_module/kvasir_seg.py``, included).
PACKAGES = ("kvasir_seg", "kvasir_seg_hf", "kvasir_seg_tfds")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    """Every module of the packages, by its dotted name."""
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``tree`` imports (relative to ``package``, the
    package the module is in), outside ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            found |= {name for child in node.orelse for name in _imports(child, package, modules)}
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a.b import c``: the module a.b.c when there is one, else a.b.
            found |= {
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            }
        found |= _imports(node, package, modules)
    return found & modules


def import_graph() -> dict[str, set[str]]:
    """Each module of the packages -> the modules of the packages it imports."""
    sources = _sources()
    graph = {}
    for name, path in sources.items():
        package = name if path.stem == "__init__" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = _imports(tree, package, set(sources)) - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_late_imports_and_every_package() -> None:
    graph = import_graph()
    assert {name.split(".")[0] for name in graph} == set(PACKAGES)
    # A late import (inside a function) is an edge: the CLI imports its commands' helpers so.
    assert "kvasir_seg.scores.statistics" in graph["kvasir_seg.app.commands.compare"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    found = circles(import_graph())
    assert found == []
