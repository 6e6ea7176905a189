"""Ed-Fi associations folded into their person's record (StudentSchoolAssociation: school and
grade; StudentEducationOrganizationAssociation: state id; StaffSchoolAssociation: school) were
dropped without a word when the person was not stored: rejected with --skip-invalid, or
neither in the import nor in the cache. Each is now a reject naming the person's rejected
record or an unknown reference, and one for a person only the cache holds is counted in the
summary (docs/DATA_FORMATS.md, "Ed-Fi XML")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.edfi_api import map_items, to_dataset
from caseload.sources.edfi_sync import keep_cached
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.min_export import edit

SMALL = Path(__file__).parent / "data" / "edfi_small"
STUDENT = "StudentReference/StudentUniqueId"


@pytest.fixture
def store(sqlite_engine):  # type: ignore[no-untyped-def]
    return sqlite_engine


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "edfi"
    shutil.copytree(SMALL, folder)
    return folder


def _rejects(report) -> dict:  # type: ignore[no-untyped-def]
    return {(r.file, r.line): (r.field, r.reason) for r in report.rejects}


def test_associations_of_a_rejected_person_are_rejected_naming_it(store, data: Path) -> None:
    """S1001 (an invalid birth date) and T500 (no last name) are rejected: their school,
    state id and staff school associations are rejects naming the rejected record, and so is
    what else refers to them (was "unknown ... not in this import nor in the cache")."""
    edit(data / "export-a.xml", "2007-03-04", "2007-13-04")
    edit(data / "staff.xml", "<LastSurname>Teacher</LastSurname>", "")
    report = load(store, read_path(data, skip_invalid=True), skip_invalid=True)
    got = _rejects(report)
    s1001 = (f"{STUDENT} 'S1001' is a record rejected earlier in this import "
             "(export-a.xml:11)")
    assert got[("enrollment.xml", 3)] == (STUDENT, s1001)  # StudentSchoolAssociation
    assert got[("enrollment.xml", 46)] == (STUDENT, s1001)  # ...EducationOrganization...
    assert got[("staff.xml", 3)][1].startswith("is required but missing")
    staff = ("StaffReference/StaffUniqueId",
             "StaffReference/StaffUniqueId 'T500' is a record rejected earlier in this import "
             "(staff.xml:3)")
    assert got[("staff.xml", 14)] == staff  # StaffSchoolAssociation
    assert got[("staff.xml", 27)] == staff  # StaffSectionAssociation (was "unknown")
    others = [reason for (file, _), (_, reason) in got.items()
              if file in ("attendance.xml", "gradebook.xml", "discipline.xml")]
    assert others and all(r.endswith("(export-a.xml:11)") for r in others)
    assert not any("unknown" in reason for _, reason in got.values())
    assert report.counts["users"] == 2


def test_association_of_a_person_neither_imported_nor_cached_is_an_unknown_reference(
    store, data: Path
) -> None:
    edit(data / "enrollment.xml", "<StudentUniqueId>S1001</StudentUniqueId>",
         "<StudentUniqueId>S9999</StudentUniqueId>")
    why = f"unknown {STUDENT} 'S9999' (not in this import nor in the cache)"
    with pytest.raises(SourceError) as info:
        load(store, read_path(data))
    assert (info.value.file, info.value.line, info.value.field, info.value.reason) == (
        "enrollment.xml", 3, STUDENT, why)
    report = load(store, read_path(data, skip_invalid=True), skip_invalid=True)
    assert _rejects(report) == {("enrollment.xml", 3): (STUDENT, why)}


def test_association_of_a_person_only_the_cache_holds_is_counted(store, data: Path) -> None:
    load(store, read_path(data))
    (data / "export-a.xml").unlink()  # S1001-S1003 are cached, not in this import
    for name in ("attendance.xml", "gradebook.xml", "discipline.xml", "schedule.xml"):
        (data / name).unlink(missing_ok=True)
    report = load(store, read_path(data))
    assert ("enrollment.xml: 4 associations for people not in this import not applied "
            "(caseload applies them with the student's or staff member's record)"
            ) in report.notices


def test_api_associations_of_a_rejected_student_are_rejected_naming_it(store) -> None:
    """The ODS/API mapper likewise: a student without a last name is rejected with its id,
    so its school and education organization associations name it."""
    ref = {"studentReference": {"studentUniqueId": "604822"}}
    items = {
        "schools": [{"id": "s", "schoolId": 255901001, "nameOfInstitution": "Grand Bend"}],
        "students": [{"id": "st1", "studentUniqueId": "604822", "firstName": "Lisa"}],
        "studentSchoolAssociations": [
            {"id": "a1", **ref, "schoolReference": {"schoolId": 255901001},
             "entryDate": "2021-08-23"}],
        "studentEducationOrganizationAssociations": [
            {"id": "a2", **ref, "educationOrganizationReference": {
                "educationOrganizationId": 255901001}}],
    }
    ds = to_dataset("d", items, skip_invalid=True)
    report = load(store, ds, skip_invalid=True)
    field = "studentReference.studentUniqueId"
    why = f"{field} '604822' is a record rejected earlier in this import (students)"
    got = [(r.file, r.line, r.field, r.reason) for r in report.rejects]
    assert got[0][:3] == ("students", "st1", "lastSurname")
    assert sorted(got[1:]) == [("studentEducationOrganizationAssociations", "a2", field, why),
                               ("studentSchoolAssociations", "a1", field, why)]


def test_a_sync_applies_a_staff_school_association_to_the_cached_staff(store) -> None:
    """A sync that carries a StaffSchoolAssociation without its Staff record (only the
    association changed) applies it to the cached staff member, as it does a student's school
    association to the cached student; before, it was dropped without a word."""
    schools = [{"id": f"s{n}", "schoolId": n, "nameOfInstitution": f"School {n}"}
               for n in (1, 2)]
    staff = {"id": "t1", "staffUniqueId": "T500", "firstName": "Jo", "lastSurname": "Teacher"}
    ref = {"staffReference": {"staffUniqueId": "T500"}}
    load(store, to_dataset("d", {"schools": schools, "staffs": [staff],
                                 "staffSchoolAssociations": [
                                     {"id": "a1", **ref, "schoolReference": {"schoolId": 1}}]}))
    ds, needs = map_items("d", {"staffSchoolAssociations": [
        {"id": "a2", **ref, "schoolReference": {"schoolId": 2}}]})
    keep_cached(store, ds, needs)
    report = load(store, ds)
    assert not report.rejects and not [n for n in report.notices if "not applied" in n]
    with store.connect() as conn:
        users = METADATA.tables["users"]
        got = conn.execute(select(users.c.school_id, users.c.role, users.c.family_name)
                           .where(users.c.sourced_id == "T500")).one()
    assert tuple(got) == ("2", "teacher", "Teacher")
