"""An excused result (issue 12, "The class page tells the truth"): no standard value says
excused (OneRoster 1.1/1.2 scoreStatus, the Ed-Fi SubmissionStatusDescriptor have exempt
only); a district's own Ed-Fi SubmissionStatusDescriptor "Excused" is kept apart from exempt
through the store and shown as "excused", and graded exactly as exempt. SQLite and PostgreSQL
(the ``engine`` fixture is parametrized)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from caseload.domain.records import ScoreStatus
from caseload.domain.report import AssignmentStatus
from caseload.sources.edfi_common import score_status
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.loader import load
from caseload.store.repository import Repository
from tests.test_edfi_xml import MATH, SMALL

AS_OF = dt.date(2021, 10, 15)
EXEMPT = "uri://ed-fi.org/SubmissionStatusDescriptor#Exempt"
EXCUSED = "uri://district.example/SubmissionStatusDescriptor#Excused"


def test_the_mapper_keeps_excused_apart_from_exempt() -> None:
    assert score_status("Exempt", None, None) == (ScoreStatus.EXEMPT, False, False, False)
    assert score_status("Excused", None, None) == (ScoreStatus.EXEMPT, False, False, True)
    assert score_status("Graded", None, 9.0)[3] is False


def _gb2(engine, folder: Path) -> tuple[AssignmentStatus, float | None]:
    load(engine, read_edfi_folder(folder))
    detail = Repository(engine).class_detail("S1001", MATH, AS_OF)
    [view] = [a for a in detail.assignments if a.line_item_id == "GB-2"]
    return view.status[0], detail.grade


def test_excused_is_stored_shown_and_graded_as_exempt(engine, tmp_path: Path) -> None:
    folder = tmp_path / "excused"
    shutil.copytree(SMALL, folder)
    book = folder / "gradebook.xml"
    text = book.read_text(encoding="utf-8")
    assert text.count(EXEMPT) == 1
    book.write_text(text.replace(EXEMPT, EXCUSED), encoding="utf-8")
    [result] = [r for r in read_edfi_folder(folder).results if r.sourced_id == "GB-2:S1001"]
    assert (result.status, result.excused) == (ScoreStatus.EXEMPT, True)
    status, grade = _gb2(engine, folder)
    assert status is AssignmentStatus.EXCUSED
    # the same gradebook with the standard Exempt: the same grade, shown as exempt
    load(engine, read_edfi_folder(SMALL))
    detail = Repository(engine).class_detail("S1001", MATH, AS_OF)
    [view] = [a for a in detail.assignments if a.line_item_id == "GB-2"]
    assert view.status[0] is AssignmentStatus.EXEMPT
    assert detail.grade == grade
