"""Ed-Fi reference errors name the Ed-Fi element (XML) or JSON field (API) that holds the
reference, as docs/DATA_FORMATS.md promises ("the XML file, the line of the element and the
element name"), never caseload's column (``studentSourcedId`` occurs in no Ed-Fi file). The
rejects file's ``field`` column carries the same name. OneRoster keeps its column names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caseload.domain.records import Enrollment, Role
from caseload.sources.dataset import Dataset, SourceError
from caseload.sources.detect import read_path
from caseload.sources.load_checks import _field
from caseload.sources.loader import load
from tests.min_export import edit

DS4 = Path(__file__).parent / "data" / "edfi_ds4"
WHY = "unknown StudentReference/StudentUniqueId '999999' (not in this import nor in the cache)"


@pytest.fixture
def store(sqlite_engine):  # type: ignore[no-untyped-def]
    return sqlite_engine


def _unknown_student(tmp_path: Path) -> tuple[Path, int]:
    folder = tmp_path / "ds4"
    shutil.copytree(DS4, folder)
    path = folder / "StudentSchoolAttendance.xml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, s in enumerate(lines) if "<StudentUniqueId>604822<" in s)
    lines[at] = lines[at].replace("604822", "999999")
    path.write_text("".join(lines), encoding="utf-8")
    event = max(i for i in range(at) if "<StudentSchoolAttendanceEvent" in lines[i])
    return folder, event + 1


def test_xml_an_unknown_student_is_named_by_its_element(tmp_path: Path, store) -> None:
    folder, line = _unknown_student(tmp_path)
    with pytest.raises(SourceError) as info:
        load(store, read_path(folder))
    err = info.value
    assert (err.file, err.line, err.field, err.reason) == (
        "StudentSchoolAttendance.xml", line, "StudentReference/StudentUniqueId", WHY)
    report = load(store, read_path(folder, skip_invalid=True), skip_invalid=True)
    assert [(r.file, r.line, r.field, r.reason) for r in report.rejects] == [
        ("StudentSchoolAttendance.xml", line, "StudentReference/StudentUniqueId", WHY)]


def test_api_references_are_named_by_their_json_field(store) -> None:
    """The ODS/API's names: camelCase, dotted; a staff enrollment names its staffReference."""
    ds = Dataset(kind="edfi-api", source="https://ods.example/data/v3", enrollments=[
        Enrollment("e1", "sec-nowhere", "604822", Role.STUDENT, None, None)])
    with pytest.raises(SourceError) as info:
        load(store, ds)
    assert info.value.field == "sectionReference"
    assert info.value.reason.startswith("unknown sectionReference 'sec-nowhere'")


def test_a_staff_enrollment_names_the_staff_reference() -> None:
    staff = Enrollment("e1", "sec-1", "staff-9", Role.TEACHER, None, None)
    xml, api = Dataset(kind="edfi-xml", source="x"), Dataset(kind="edfi-api", source="x")
    assert _field(xml, "enrollments", "user_id", "userSourcedId", staff) == (
        "StaffReference/StaffUniqueId")
    assert _field(api, "enrollments", "user_id", "userSourcedId", staff) == (
        "staffReference.staffUniqueId")


def test_oneroster_keeps_its_column_names(store, data: Path) -> None:
    edit(data / "enrollments.csv", "cls-alg,sch-1,stu-1,", "cls-alg,sch-1,stu-nobody,")
    with pytest.raises(SourceError) as info:
        load(store, read_path(data))
    assert info.value.field == "userSourcedId"
