"""The TUI's shape (issue 15), checked on the import graph grimp builds, which counts every
import: those inside functions and under ``TYPE_CHECKING`` too."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

TUI = Path(__file__).parents[2] / "src" / "caseload" / "tui"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("caseload")


def tui_modules(graph: grimp.ImportGraph) -> list[str]:
    return sorted(m for m in graph.modules if m.startswith("caseload.tui"))


def test_no_import_cycle_inside_tui(graph: grimp.ImportGraph) -> None:
    modules = tui_modules(graph)
    downstream = {m: graph.find_downstream_modules(m) for m in modules}
    cycles = sorted({tuple(sorted((a, b))) for a in modules for b in downstream[a]
                     if b in downstream and a in downstream[b]})
    assert cycles == []


def test_tui_never_reaches_the_store_or_the_export_layer(graph: grimp.ImportGraph) -> None:
    for layer in ("caseload.store", "caseload.export", "caseload.services", "caseload.sources"):
        chains = graph.find_shortest_chains(importer="caseload.tui", imported=layer,
                                            as_packages=True)
        assert chains == set(), layer


def test_screens_and_widgets_never_import_the_app_and_widgets_no_screen(
    graph: grimp.ImportGraph,
) -> None:
    wrong = []
    for module in tui_modules(graph):
        for imported in graph.find_modules_directly_imported_by(module):
            if module.startswith("caseload.tui.widgets") and imported.startswith(
                    "caseload.tui.screens"):
                wrong.append((module, imported))
            if imported in ("caseload.tui.app", "caseload.tui.commands") \
                    and module != "caseload.tui.app":
                wrong.append((module, imported))
    assert wrong == []


def test_no_caseload_app_property_and_no_long_file() -> None:
    for path in TUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "caseload_app" not in text, path
        assert len(text.splitlines()) <= 800, path
