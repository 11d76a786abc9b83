"""No import circles among runner's modules: every import counts, at module level or inside a function (a lazy
import still ties the two modules together), except those under ``if TYPE_CHECKING:``, which never run."""

from __future__ import annotations

import ast
from pathlib import Path

import runner

ROOT = Path(runner.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ["runner", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The runner module ``name`` is (``pkg.mod.attr`` -> ``pkg.mod``), or None outside runner."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
                (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for statement in node.orelse:
                self.visit(statement)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(m for a in node.names if (m := _known(a.name)))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            if module := _known(f"{base}.{alias.name}"):
                self.found.add(module)


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        imports = _Imports(module)
        imports.visit(ast.parse(path.read_text(), str(path)))
        graph[module] = imports.found - {module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_analysis_finds_a_circle_through_a_lazy_import():
    graph = {"runner.a": {"runner.b"}, "runner.b": {"runner.c"}, "runner.c": {"runner.a"}, "runner.d": {"runner.a"}}
    assert circles(graph) == [["runner.a", "runner.b", "runner.c"]]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from runner.cli.app import app\n" \
             "def f():\n    from runner.config.model import PipelineConfig\n"
    imports = _Imports("runner.cli.console")
    imports.visit(ast.parse(source))
    assert imports.found == {"runner.config.model"}  # the lazy one counts; the TYPE_CHECKING one does not


def test_runner_has_no_import_circles():
    graph = import_graph()
    assert len(graph) > 100 and graph["runner.cli.app"]  # it read the package
    assert circles(graph) == []
