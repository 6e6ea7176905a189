"""A line item without a maximum (OneRoster's ``resultValueMax`` left empty): its scores are
stored and listed, count toward no grade, and the import summary says how many such line
items there are (docs/RULES.md, Grades). Read as 0, the empty maximum made every such score
extra credit: a 5 beside 91 of 100 gave 96%."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseload.cli import main
from caseload.sources.detect import read_path
from caseload.sources.load_checks import NO_MAXIMUM
from caseload.sources.loader import load
from caseload.store.repository import Repository
from tests.paths import MIN_DATA

AS_OF = dt.date(2026, 10, 2)
NOTICE = NO_MAXIMUM.format(n="1 line item")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The minimal export with one more algebra line item, "Bonus", without a maximum, and
    stu-2's score of 5 on it."""
    folder = Path(shutil.copytree(MIN_DATA, tmp_path / "export"))
    with (folder / "lineItems.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerow([
            "li-9", "active", "2026-09-01T00:00:00Z", "Bonus", "", "cls-alg", "sch-1",
            "cat-tests", "gp-1", "", "2026-09-08", "2026-09-15", "", "0", "",
        ])
    with (folder / "results.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerow([
            "res-9", "active", "2026-09-01T00:00:00Z", "li-9", "stu-2", "", "fully graded",
            "5", "", "2026-09-16", "", "", "", "false", "false",
        ])
    return folder


def test_its_scores_are_kept_listed_and_in_no_grade(engine: Engine, export: Path) -> None:
    report = load(engine, read_path(export))
    assert NOTICE in report.notices
    repo = Repository(engine)
    row = next(r for r in repo.caseload(None, AS_OF) if r.id == "stu-2")  # (stored facts)
    alg = next(c for c in row.metrics.classes if c.id == "cls-alg")
    assert alg.grade == pytest.approx(91.0)  # 91 of 100; the 5 has no maximum
    detail = repo.class_detail("stu-2", "cls-alg", AS_OF)  # (the drill-down's own path)
    assert detail.grade == pytest.approx(91.0)
    bonus = next(a for a in detail.assignments if a.line_item_id == "li-9")
    assert (bonus.score, bonus.max_points, bonus.percent) == (5.0, None, None)
    assert detail.last_score_date == dt.date(2026, 9, 16)  # still the class's activity


def test_the_import_summary_and_check_say_so(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    assert main(["--db", str(db), "import", "--check", str(export)]) == 0
    assert NOTICE in capsys.readouterr().out
    assert main(["--db", str(db), "import", str(export)]) == 0
    out = capsys.readouterr().out
    assert NOTICE in out
    assert main(["--db", str(db), "import", str(MIN_DATA)]) == 0  # every maximum given
    assert "no maximum" not in capsys.readouterr().out
