"""benchmarks/report.py: the one-line figure format every `make bench` script prints (issue 13:
baseline from the same run, "ratio" to three significant figures, PASS/FAIL or info)."""

from __future__ import annotations

import ast
import importlib.util
import re
from types import ModuleType

import pytest

from tests.paths import REPO


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", REPO / "benchmarks" /
                                                  "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = _load()


@pytest.mark.parametrize(("x", "want"), [
    (0.595, "0.595"),  # not "0.60"
    (0.6, "0.600"),
    (12.63, "12.6"),
    (0.00725, "0.00725"),
    (0.0306, "0.0306"),
    (1.0, "1.00"),
    (15.0, "15.0"),
    (100.0, "100"),  # no trailing point
    (1234.0, "1.23e+03"),  # as import_bench has always printed it
])
def test_sig3(x: float, want: str) -> None:
    assert report.sig3(x) == want


def test_line_pass_fail_info() -> None:
    ok = report.line("import rows/s", "92,882", "csv+sqlite3", "149,549", 0.595, ">= 0.6",
                     False)
    assert re.search(r"92,882\s+csv\+sqlite3\s+149,549\s+ratio\s+0\.595\s+\(goal >= 0\.6\)"
                     r"\s+FAIL$", ok)
    assert report.line("a", "1", "b", "2", 0.5, "<= 1", True).endswith("(goal <= 1)  PASS")
    info = report.line("a", "1", "b", "2", 12.63, "none", None)
    assert "ratio   12.6" in info and info.endswith("(goal none)  info")


def test_line_without_a_ratio() -> None:
    got = report.line("a", "1 s", "no baseline", "—", None, "none", None)
    assert "ratio      —" in got and got.endswith("info")


def test_one_line_layout_is_import_bench_s() -> None:
    """The layout import_bench's recorded figures (docs/PERFORMANCE.md) were printed in."""
    got = report.line("refresh after a delta (10 students)", report.secs(0.553), "full",
                      report.secs(76.3), 0.553 / 76.3, "< 1 s", True)
    assert got == ("refresh after a delta (10 students)                 0.553 s  full     "
                   "76.3 s  ratio 0.00725  (goal < 1 s)  PASS")
    assert report.ms(0.056) == "56 ms"
    assert report.ms(0.0208, 1) == "20.8 ms"


@pytest.mark.parametrize("script", ["import_bench.py", "flags_bench.py", "tui_bench.py",
                                    "sync_bench.py", "notes_pdf_bench.py"])
def test_bench_scripts_share_the_formatter(script: str) -> None:
    """Each script `make bench` runs prints through report.line, with no copy of its own."""
    tree = ast.parse((REPO / "benchmarks" / script).read_text(encoding="utf-8"))
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "report" for a in node.names}
    assert "line" in imported
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert not defined & {"sig3", "line", "secs", "ms", "verdict"}
    assert script.removesuffix(".py") in (REPO / "Makefile").read_text(encoding="utf-8")
