"""The shape of the code (docs/ARCHITECTURE.md), checked on every run.

grimp (import-linter's graph) counts every import: module level, inside functions and under
``TYPE_CHECKING`` alike, so a cycle hidden in a function still fails here.
"""

from __future__ import annotations

import functools
import re

import grimp
import pytest

from tests.paths import REPO

SRC = REPO / "src" / "caseload"
MAX_LINES = 800


@functools.cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("caseload", include_external_packages=True, cache_dir=None)


def _ours(graph: grimp.ImportGraph) -> list[str]:
    return sorted(m for m in graph.modules if m == "caseload" or m.startswith("caseload."))


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_no_import_cycles() -> None:
    graph = _graph()
    mods = _ours(graph)
    edges = {
        m: {x for x in graph.find_modules_directly_imported_by(m) if x in mods} for m in mods
    }
    assert _cycles(edges) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


CLI_MODULES = ("caseload.cli", "caseload.notes_cli")


@pytest.mark.parametrize("forbidden", ["sqlalchemy", "sqlmodel", "caseload.store"])
def test_cli_imports_no_store(forbidden: str) -> None:
    graph = _graph()
    cli = [m for m in _ours(graph) if m in CLI_MODULES or m.endswith("_cli")]
    assert set(CLI_MODULES) <= set(cli)
    for module in cli:
        imported = graph.find_modules_directly_imported_by(module)
        bad = sorted(x for x in imported if x == forbidden or x.startswith(forbidden + "."))
        assert bad == [], f"{module} imports {bad}"


def test_only_sync_load_write_sources_import_the_store() -> None:
    graph = _graph()
    offenders = []
    for module in _ours(graph):
        if not module.startswith("caseload.sources."):
            continue
        leaf = module.rsplit(".", 1)[1]
        if any(word in leaf for word in ("sync", "load", "writ")):
            continue
        imported = graph.find_modules_directly_imported_by(module)
        if any(x == "caseload.store" or x.startswith("caseload.store.") for x in imported):
            offenders.append(module)
    assert offenders == []


def test_tui_never_imports_the_store() -> None:
    graph = _graph()
    for module in _ours(graph):
        if module.startswith("caseload.tui"):
            imported = graph.find_modules_directly_imported_by(module)
            assert not [x for x in imported if x.startswith("caseload.store")], module


def test_no_caseload_app_property() -> None:
    hits = [p for p in SRC.rglob("*.py") if "caseload_app" in p.read_text(encoding="utf-8")]
    assert hits == []


def test_no_source_file_over_800_lines() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_domain_imports_nothing_of_caseload_outside_domain() -> None:
    graph = _graph()
    for module in _ours(graph):
        if module.startswith("caseload.domain"):
            imported = graph.find_modules_directly_imported_by(module)
            outside = [
                x for x in imported
                if x.startswith("caseload") and not re.match(r"caseload\.domain(\.|$)", x)
            ]
            assert outside == [], f"{module} imports {outside}"
