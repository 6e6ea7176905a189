"""Real OneRoster exports in their exact shapes, end to end (read_path + load into SQLite).

Fixtures (tests/data/, each with a README.txt saying where it comes from):
- oneroster_v10_edfi_lms, oneroster_v11_edfi_lms: public sample exports from the Ed-Fi LMS
  Toolkit (Apache-2.0), copied byte for byte;
- oneroster_v10 (1.0 with a gradebook, CRLF), oneroster_v11 (empty manifest values, courses
  absent, no gradebook, no attendance, header-only demographics with userSourcedId, optional
  columns missing), oneroster_v12_zip (a zipped 1.2 bulk export, every field quoted, CRLF, no
  attendance) and oneroster_v12_delta (a 1.2 delta on top of it): rebuilt by hand, fictional.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.paths import MIN_DATA, REPO

DATA = REPO / "tests" / "data"
V10_LMS = DATA / "oneroster_v10_edfi_lms"
V11_LMS = DATA / "oneroster_v11_edfi_lms"
V10 = DATA / "oneroster_v10"
V11 = DATA / "oneroster_v11"
V12_ZIP = DATA / "oneroster_v12_zip" / "oneroster-1.2-bulk.zip"
V12_DELTA = DATA / "oneroster_v12_delta"


@pytest.fixture
def store(sqlite_engine):  # type: ignore[no-untyped-def]
    """A fresh cache at the head revision (a copy of the session's migrated template)."""
    return sqlite_engine


def _counts(engine) -> dict[str, int]:
    names = ("orgs", "academic_sessions", "users", "courses", "classes", "enrollments",
             "categories", "line_items", "results", "attendance_events")
    with engine.connect() as conn:
        return {
            n: conn.execute(select(func.count()).select_from(METADATA.tables[n])).scalar_one()
            for n in names
        }


def _one(engine, sql: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text(sql)).one()


# --- OneRoster 1.0 ------------------------------------------------------------------------


def test_v10_public_sample_without_manifest(store):
    ds = read_path(V10_LMS)
    assert ds.notices == [
        "no manifest.csv: read as a OneRoster 1.0 export, every file present as bulk"
    ]
    report = load(store, ds)
    assert not report.rejects
    assert _counts(store) == {
        "orgs": 2, "academic_sessions": 3, "users": 10, "courses": 2, "classes": 2,
        "enrollments": 24, "categories": 0, "line_items": 0, "results": 0,
        "attendance_events": 0,
    }
    # demographics.csv: 1.0's userSourcedId and birthdate; users.csv: orgSourcedIds, no grades
    row = _one(store, "SELECT role, given_name, family_name, birth_date, school_id, grade_level "
                      "FROM users WHERE sourced_id='604863'")
    assert tuple(map(str, row)) == ("student", "Mary", "Archer", "1997-05-30", "255901001", "None")
    # classes.csv: 1.0's single termSourcedId column holding two terms
    terms = _one(store, "SELECT term_ids, course_id FROM classes "
                        "WHERE sourced_id='25590100102Trad220ALG112011'")
    assert tuple(terms) == (
        "255901001_2021_2020-2021_Fall,255901001_2021_2020-2021_Spring", "3100500"
    )
    primary = _one(store, "SELECT \"primary\" FROM enrollments "
                          "WHERE sourced_id='7381FA73-FC6A-42C8-8951-32346DEB84E1'")
    assert primary[0] in (1, True)


def test_v10_zipped_is_recognized(tmp_path):
    archive = shutil.make_archive(str(tmp_path / "v10"), "zip", V10_LMS)
    assert read_path(Path(archive)).counts()["enrollments"] == 24


def test_v10_hand_built_with_gradebook(store):
    load(store, read_path(V10))
    counts = _counts(store)
    assert counts["results"] == 4 and counts["line_items"] == 2 and counts["users"] == 5
    # results.csv: 1.0's "date" is the score date
    row = _one(store, "SELECT score, score_date, comment FROM results WHERE sourced_id='r-2'")
    assert (row[0], str(row[1]), row[2]) == (9, "2016-09-12", "Redo the drawing, please")
    # a teacher in two orgs (orgSourcedIds "s-901,d-900"): the first is the school
    assert _one(store, "SELECT school_id FROM users WHERE sourced_id='u-2001'")[0] == "s-901"
    assert _one(store, "SELECT role FROM users WHERE sourced_id='u-3001'")[0] == "parent"
    item = _one(store, "SELECT category_id, grading_period_id, max_points FROM line_items "
                       "WHERE sourced_id='li-b1'")
    assert tuple(item) == ("cat-lab", "gp2017-1", 20)


def test_v10_what_cannot_be_mapped_is_refused_naming_the_version(tmp_path):
    export = tmp_path / "v10"
    shutil.copytree(V10, export)
    users = export / "users.csv"
    users.write_bytes(users.read_bytes().replace(b",givenName,familyName,", b",firstName,lastName,", 1))
    with pytest.raises(SourceError) as info:
        read_path(export)
    message = str(info.value)
    assert message.startswith("users.csv:1: field 'givenName': missing required columns")
    assert "OneRoster 1.0" in message


# --- OneRoster 1.1 ------------------------------------------------------------------------


def test_v11_public_sample_with_ragged_teacher_rows(store):
    # The public 1.1 sample's two teacher rows carry 19 fields under an 18-column header:
    # refused, never cut; with skip_invalid the two rows and their enrollments are rejected.
    with pytest.raises(SourceError) as info:
        read_path(V11_LMS)
    assert str(info.value) == (
        "users.csv:10: 19 fields where the header has 18 (a row is never padded or cut)"
    )
    ds = read_path(V11_LMS, skip_invalid=True)
    report = load(store, ds, skip_invalid=True)
    assert [(r.file, r.line) for r in report.rejects] == [
        ("users.csv", 10), ("users.csv", 11),
        ("enrollments.csv", 22), ("enrollments.csv", 23),
        ("enrollments.csv", 24), ("enrollments.csv", 25),
    ]
    assert {r.reason for r in report.rejects[2:]} == {
        "userSourcedId '207270' is a record rejected earlier in this import (users.csv:10)",
        "userSourcedId '207268' is a record rejected earlier in this import (users.csv:11)",
    }
    counts = _counts(store)
    assert counts["users"] == 8 and counts["enrollments"] == 20 and counts["courses"] == 2
    assert str(_one(store, "SELECT birth_date FROM users WHERE sourced_id='604974'")[0]) == "1997-08-28"


def test_v11_empty_manifest_values_absent_courses_no_gradebook(store):
    ds = read_path(V11)
    assert ds.notices == [
        "courses.csv absent: 3 classes kept with a placeholder course made from the class "
        "title and class code (2 courses; a course the cache already has is kept as it is)"
    ]
    report = load(store, ds)
    assert not report.rejects
    assert _counts(store) == {
        "orgs": 2, "academic_sessions": 2, "users": 4, "courses": 2, "classes": 3,
        "enrollments": 5, "categories": 0, "line_items": 0, "results": 0,
        "attendance_events": 0,
    }
    course = _one(store, "SELECT title, course_code, school_id FROM courses WHERE sourced_id='crs-sci7'")
    assert tuple(course) == ("Science 7 (2)", "SCI7-2", "o-10")
    user = _one(store, "SELECT state_id, grade_level, birth_date FROM users WHERE sourced_id='p-501'")
    assert tuple(user) == ("HC0501", "07", None)  # header-only demographics: no birth date
    enr = _one(store, "SELECT begin_date, end_date FROM enrollments WHERE sourced_id='e-1'")
    assert tuple(enr) == (None, None)
    assert _one(store, "SELECT period FROM classes WHERE sourced_id='cl-ela8-1'")[0] == "1"


def test_header_only_demographics_with_userSourcedId(tmp_path, store):
    export = tmp_path / "export"
    shutil.copytree(MIN_DATA, export)
    (export / "demographics.csv").write_text(
        "userSourcedId,status,dateLastModified,birthDate,sex\n"
    )
    assert load(store, read_path(export)).counts["users"] == 5


# --- OneRoster 1.2 ------------------------------------------------------------------------


def test_v12_zipped_bulk(store):
    with zipfile.ZipFile(V12_ZIP) as z:
        assert z.read("users.csv").startswith(b'"sourcedId","status"')
        assert b"\r\n" in z.read("results.csv")
    ds = read_path(V12_ZIP)
    assert not ds.notices and not ds.rejects
    load(store, ds)
    assert _counts(store) == {
        "orgs": 2, "academic_sessions": 3, "users": 5, "courses": 2, "classes": 2,
        "enrollments": 6, "categories": 2, "line_items": 3, "results": 6,
        "attendance_events": 0,
    }
    assert _one(store, "SELECT comment FROM results WHERE sourced_id='rs-1'")[0] == (
        "Good work on\nlimiting reagents"
    )
    # roles.csv: the primary role wins over a secondary one
    assert _one(store, "SELECT role FROM users WHERE sourced_id='usr-a1'")[0] == "administrator"
    user = _one(store, "SELECT state_id, birth_date, grade_level FROM users WHERE sourced_id='usr-s3'")
    assert (user[0], str(user[1]), user[2]) == ("RB-0003", "2007-01-25", "12")
    assert _one(store, "SELECT weight FROM categories WHERE sourced_id='cat-assess'")[0] == 0.7


def test_v12_delta_on_top_of_the_bulk(store):
    load(store, read_path(V12_ZIP))
    report = load(store, read_path(V12_DELTA))
    assert report.deleted == {"users": 1, "enrollments": 1, "results": 1}
    counts = _counts(store)
    assert counts["users"] == 5 and counts["enrollments"] == 6 and counts["results"] == 6
    assert counts["classes"] == 2 and counts["courses"] == 2  # absent in the delta: kept
    with store.connect() as conn:
        users = set(conn.execute(text("SELECT sourced_id FROM users")).scalars())
        score = conn.execute(text("SELECT score FROM results WHERE sourced_id='rs-2'")).scalar()
        email = conn.execute(text("SELECT email FROM users WHERE sourced_id='usr-s2'")).scalar()
        born = conn.execute(text("SELECT birth_date FROM users WHERE sourced_id='usr-s4'")).scalar()
    assert "usr-s3" not in users and "usr-s4" in users
    assert score == 31 and email == "ezra.vale@example.org" and str(born) == "2008-06-30"


def test_delta_reference_to_a_record_it_deletes(store, tmp_path):
    load(store, read_path(V12_ZIP))
    delta = tmp_path / "delta"
    shutil.copytree(V12_DELTA, delta)
    with (delta / "results.csv").open("a", newline="") as fh:
        fh.write('"rs-8","active","2024-10-01T06:00:00.000Z","li-h1","usr-s3","","fully graded",'
                 '"70","","2024-10-01","","false","false","false","false"\r\n')
    with pytest.raises(SourceError) as info:
        load(store, read_path(delta))
    assert str(info.value) == (
        "results.csv:5: field 'studentSourcedId': studentSourcedId 'usr-s3' is deleted in this "
        "import (status tobedeleted)"
    )
    assert _counts(store)["users"] == 5  # unchanged
