"""Strict OneRoster CSV parsing (issue 11 §2, §3): refuse what is malformed, naming the file
and the physical line; with skip_invalid reject just that row; never pad, never overwrite.
Also manifest leniency, absent courses and references to records deleted in the same import.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.min_export import edit


@pytest.fixture
def store(sqlite_engine):  # type: ignore[no-untyped-def]
    """A fresh cache at the head revision (a copy of the session's migrated template)."""
    return sqlite_engine


def _snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for name, table in METADATA.tables.items():
            if name != "import_runs":
                out[name] = sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
    return out


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(METADATA.tables[table])).scalar_one()


def _refused(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        read_path(path)
    return str(info.value)


# --- unbalanced quotes ----------------------------------------------------------------------


def test_unbalanced_quote_mid_file_is_refused_where_it_opens(store, data):
    load(store, read_path(data))
    before = _snapshot(store)
    # res-2's comment opens a quote that never closes on its line; later rows hold quotes too
    edit(data / "results.csv", "2026-09-11,,", '2026-09-11,"late again,')
    edit(data / "results.csv", "2026-09-21,,", '2026-09-21,"ok",')
    message = _refused(data)
    assert message.startswith("results.csv:3: unbalanced quote"), message
    assert _snapshot(store) == before


def test_unbalanced_quote_running_to_the_end_is_refused(data):
    # today the quote swallows every following row and the import succeeds
    edit(data / "results.csv", "2026-09-14,,,,false,false\nres-4", '2026-09-14,"oops,,,false,false\nres-4')
    message = _refused(data)
    assert message.startswith("results.csv:4: unbalanced quote"), message
    assert "never closes" in message


def test_unbalanced_quote_with_skip_invalid_rejects_only_that_row(store, data):
    edit(data / "results.csv", "2026-09-11,,", '2026-09-11,"late again,')
    ds = read_path(data, skip_invalid=True)
    rejects = [(r.file, r.line, r.field) for r in ds.rejects]
    assert rejects == [("results.csv", 3, None)]
    assert "unbalanced quote" in ds.rejects[0].reason
    assert ds.rejects[0].raw is not None and "late again" in ds.rejects[0].raw["line"]
    assert sorted(r.sourced_id for r in ds.results) == ["res-1", "res-3", "res-4", "res-5"]
    report = load(store, ds, skip_invalid=True)
    assert report.counts["results"] == 4


def test_a_quoted_line_break_shifts_the_line_numbers(data):
    edit(data / "results.csv", '"[bold]see me[/bold]"', '"see me\nafter class\r\ntoday"')
    edit(data / "results.csv", ",62,", ",-62,")
    edit(data / "results.csv", ",91,", ",-91,")
    # res-1's row starts on line 2 and ends on line 4 (an error names where a row starts)
    assert _refused(data).startswith("results.csv:2: field 'score'")
    ds = read_path(data, skip_invalid=True)
    # res-3 is the 3rd record but starts on the 6th physical line
    assert [(r.line, r.field) for r in ds.rejects] == [(2, "score"), (6, "score")]


# --- row width --------------------------------------------------------------------------------


def test_short_row_is_refused_never_padded(store, data):
    load(store, read_path(data))
    before = _snapshot(store)
    # stu-2 loses its trailing columns: today the row is padded and grades/org become blank
    edit(data / "users.csv", "Ben,Baker,,S002,,,,,09,,,,,,,sch-1,", "Ben,Baker,,S002")
    message = _refused(data)
    assert message.startswith("users.csv:3: 10 fields where the header has 23"), message
    assert _snapshot(store) == before
    with store.connect() as conn:
        grade = conn.execute(text("SELECT grade_level FROM users WHERE sourced_id='stu-2'")).scalar()
    assert grade == "09"


def test_long_row_is_refused(data):
    edit(data / "enrollments.csv", "e2,active,2026-09-01T00:00:00Z,cls-eng,sch-1,stu-1,student,false,2026-08-31,",
          "e2,active,2026-09-01T00:00:00Z,cls-eng,sch-1,stu-1,student,false,2026-08-31,,extra")
    assert _refused(data).startswith("enrollments.csv:3: 11 fields where the header has 10")


def test_short_row_with_skip_invalid_is_rejected_with_its_raw_row(store, data):
    edit(data / "results.csv", "res-4,active,2026-09-01T00:00:00Z,li-2,stu-2,,exempt,,,,,,,false,false",
          "res-4,active,2026-09-01T00:00:00Z,li-2,stu-2")
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line) for r in ds.rejects] == [("results.csv", 5)]
    assert "5 fields where the header has 15" in ds.rejects[0].reason
    assert ds.rejects[0].raw == {
        "sourcedId": "res-4", "status": "active", "dateLastModified": "2026-09-01T00:00:00Z",
        "lineItemSourcedId": "li-2", "studentSourcedId": "stu-2",
    }
    assert "res-4" not in {r.sourced_id for r in ds.results}
    assert load(store, ds, skip_invalid=True).counts["results"] == 4


def test_malformed_users_row_never_copies_a_password(data):
    edit(data / "users.csv", "cy,{stateId:MD003},Cy,\"O'Connor\",,S003,,,,,10,,",
          "cy,{stateId:MD003},Cy,\"O'Connor\",,S003,,,,,10,hunter2,")
    edit(data / "users.csv", "Tina,Teach,,T001,,,,,,,,,,,,sch-1,", "Tina,Teach,,T001,,,,,,s3cret")
    ds = read_path(data, skip_invalid=True)
    bad = [r for r in ds.rejects if r.file == "users.csv"]
    assert [r.line for r in bad] == [5]
    assert bad[0].raw is None
    assert all("s3cret" not in repr(r) and "hunter2" not in repr(r) for r in ds.rejects)


# --- encoding -------------------------------------------------------------------------------


def test_not_utf8_names_its_physical_line(data):
    path = data / "results.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    filler = [
        f"f-{i},active,2026-09-01T00:00:00Z,li-1,stu-3,,fully graded,50,,2026-09-14,\"a\nb\",,,false,false\n".encode()
        for i in range(300)
    ]  # 300 records over 600 lines, past the 8 KB a text decoder reads ahead
    bad = b"res-x,active,2026-09-01T00:00:00Z,li-1,stu-3,,fully graded,50,,2026-09-14,caf\xe9,,,false,false\n"
    path.write_bytes(header + b"".join(rows) + b"".join(filler) + bad)
    message = _refused(data)
    assert message.startswith(f"results.csv:{1 + len(rows) + 600 + 1}: not UTF-8 text"), message


def test_not_utf8_line_with_skip_invalid_is_rejected(data):
    path = data / "results.csv"
    path.write_bytes(path.read_bytes().replace(b"see me", b"voil\xe0"))
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line) for r in ds.rejects] == [("results.csv", 2)]
    assert "not UTF-8" in ds.rejects[0].reason
    assert len(ds.results) == 4


# --- duplicates -----------------------------------------------------------------------------


def test_duplicate_in_demographics_names_both_lines(data):
    edit(data / "demographics.csv", "stu-2,active", "stu-1,active")
    message = _refused(data)
    assert message.startswith("demographics.csv:3: field 'sourcedId': duplicate id 'stu-1'"), message
    assert "line 2" in message


@pytest.mark.parametrize("file", ["roles.csv", "courses.csv", "attendance.csv", "lineItems.csv"])
def test_duplicate_ids_refused_in_every_file(data, file):
    path = data / file
    lines = path.read_text().splitlines()
    second = lines[2].split(",")
    second[0] = lines[1].split(",")[0]
    lines[2] = ",".join(second)
    path.write_text("\n".join(lines) + "\n")
    message = _refused(data)
    assert message.startswith(f"{file}:3: field 'sourcedId': duplicate id"), message
    assert "first seen on line 2" in message


# --- manifest leniency and absent courses -------------------------------------------------


def test_empty_manifest_value_for_an_unread_file_is_absent(store, data):
    edit(data / "manifest.csv", "file.resources,absent", "file.resources,")
    with (data / "manifest.csv").open("a") as fh:
        fh.write("file.classResources,\nfile.userProfiles,\n")
    report = load(store, read_path(data))
    assert report.counts["users"] == 5


def test_empty_manifest_value_for_a_present_file_reads_it(data):
    edit(data / "manifest.csv", "file.courses,bulk", "file.courses,")
    ds = read_path(data)
    assert len(ds.courses) == 2
    assert any("file.courses" in n and "read as bulk" in n for n in ds.notices)


def _drop_courses(data: Path) -> None:
    (data / "courses.csv").unlink()
    edit(data / "manifest.csv", "file.courses,bulk", "file.courses,absent")


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_absent_courses_keep_classes_with_placeholder_courses(store, data, skip_invalid):
    _drop_courses(data)
    ds = read_path(data, skip_invalid=skip_invalid)
    report = load(store, ds, skip_invalid=skip_invalid)
    assert report.counts["classes"] == 2
    assert report.counts["enrollments"] == 7
    assert not report.rejects
    with store.connect() as conn:
        courses = dict(conn.execute(text("SELECT sourced_id, title || '|' || course_code FROM courses")).all())
    assert courses == {"crs-alg": "Algebra I - 1|ALG1-1", "crs-eng": "English 9 - 2|ENG9-2"}
    assert ds.notices == [
        "courses.csv absent: 2 classes kept with a placeholder course made from the class title "
        "and class code (2 courses; a course the cache already has is kept as it is)"
    ]


def test_placeholder_never_overwrites_a_cached_course(store, data, tmp_path):
    load(store, read_path(data))
    partial = tmp_path / "partial"
    shutil.copytree(data, partial)
    _drop_courses(partial)
    load(store, read_path(partial))
    with store.connect() as conn:
        title = conn.execute(text("SELECT title FROM courses WHERE sourced_id='crs-alg'")).scalar()
    assert title == "Algebra I"


# --- references to records deleted in the same import ---------------------------------------


def test_reference_to_a_record_deleted_in_this_import(store, data):
    load(store, read_path(data))
    edit(data / "classes.csv", "cls-eng,active", "cls-eng,tobedeleted")
    ds = read_path(data)  # reading is fine: the loader checks the references
    with pytest.raises(SourceError) as info:
        load(store, ds)
    message = str(info.value)
    assert message.startswith("enrollments.csv:3: field 'classSourcedId'"), message
    assert "'cls-eng' is deleted in this import" in message
    assert "unknown" not in message
    report = load(store, read_path(data, skip_invalid=True), skip_invalid=True)
    assert report.rejects and all("deleted in this import" in r.reason for r in report.rejects)
    assert report.deleted == {"classes": 1}


def test_reference_to_a_record_rejected_earlier_in_this_import_says_where(store, data):
    """A row that names a record this import rejected is told so, with the file and line of
    the rejected row, not "unknown (not in this import nor in the cache)": a class rejected for
    its course (a reference check) and a user row of the wrong width (whose id is read from
    its id column, as users.csv's password column keeps the rest of the row out of the
    rejects file). A reference to nothing at all is still unknown."""
    edit(data / "classes.csv", "cls-eng,active,2026-09-01T00:00:00Z,English 9 - 2,09,crs-eng,",
         "cls-eng,active,2026-09-01T00:00:00Z,English 9 - 2,09,crs-nowhere,")
    edit(data / "users.csv", "stu-3,active,", "stu-3,active,,")  # one field too many
    edit(data / "enrollments.csv", "e1,active,2026-09-01T00:00:00Z,cls-alg,sch-1,stu-1,",
         "e1,active,2026-09-01T00:00:00Z,cls-alg,sch-1,stu-nobody,")
    report = load(store, read_path(data, skip_invalid=True), skip_invalid=True)
    reasons = {(r.file, r.line): r.reason for r in report.rejects}
    assert reasons[("classes.csv", 3)] == (
        "unknown courseSourcedId 'crs-nowhere' (not in this import nor in the cache)")
    assert reasons[("users.csv", 4)].startswith("24 fields where the header has 23")
    assert reasons[("enrollments.csv", 2)] == (
        "unknown userSourcedId 'stu-nobody' (not in this import nor in the cache)")
    assert reasons[("enrollments.csv", 3)] == (
        "classSourcedId 'cls-eng' is a record rejected earlier in this import (classes.csv:3)")
    assert reasons[("enrollments.csv", 6)] == (
        "userSourcedId 'stu-3' is a record rejected earlier in this import (users.csv:4)")
    assert not any("nor in the cache" in r for r in reasons.values()
                   if "cls-eng" in r or "stu-3" in r)


def test_blank_lines_are_skipped_and_counted(data):
    body = (data / "results.csv").read_text()
    head, rest = body.split("\n", 1)
    (data / "results.csv").write_text(head + "\n\n" + rest)
    edit(data / "results.csv", ",91,", ",x91,")
    assert _refused(data).startswith("results.csv:5: field 'score'")


def test_manifest_property_given_twice_with_different_values(data):
    with (data / "manifest.csv").open("a") as fh:
        fh.write("file.users,delta\n")
    message = _refused(data)
    assert message == (
        "manifest.csv:17: field 'propertyName': 'file.users' given twice: 'bulk' on line 14, "
        "'delta' here"
    ), message


def test_unknown_manifest_value_for_an_unread_file_is_ignored(store, data):
    edit(data / "manifest.csv", "file.resources,absent", "file.resources,none")
    assert load(store, read_path(data)).counts["users"] == 5


def test_term_deleted_in_this_import(store, data):
    load(store, read_path(data))
    edit(data / "academicSessions.csv", "sem-1,active", "sem-1,tobedeleted")
    with pytest.raises(SourceError) as info:
        load(store, read_path(data))
    message = str(info.value)
    assert message.startswith("classes.csv:2: field 'termSourcedIds': term 'sem-1' is deleted in this import")


def test_a_bad_as_of_date_in_the_manifest_is_refused_before_anything_is_read(data: Path) -> None:
    """caseload.asOfDate is a date: '02/10/2026' was kept as text, the import committed,
    and the command then failed with an unexpected ValueError."""
    edit(data / "manifest.csv", "caseload.asOfDate,2026-10-02", "caseload.asOfDate,02/10/2026")
    with pytest.raises(SourceError) as info:
        read_path(data)
    assert str(info.value) == ("manifest.csv:16: field 'value': caseload.asOfDate='02/10/2026': "
                               "expected a date, YYYY-MM-DD")


def test_an_impossible_as_of_date_is_refused_before_anything_is_written(store, data: Path) -> None:
    """'2026-02-30' has the YYYY-MM-DD shape: it passed the check, the import wrote the cache
    and the command then failed with an unexpected ValueError."""
    load(store, read_path(data))
    before = _snapshot(store)
    edit(data / "manifest.csv", "caseload.asOfDate,2026-10-02", "caseload.asOfDate,2026-02-30")
    with pytest.raises(SourceError) as info:
        read_path(data, skip_invalid=True)
    assert str(info.value) == ("manifest.csv:16: field 'value': caseload.asOfDate='2026-02-30': "
                               "expected a date, YYYY-MM-DD")
    assert _snapshot(store) == before


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_a_tobedeleted_caseload_row_is_refused_not_a_crash(data: Path, skip_invalid: bool) -> None:
    """caseloads.csv has no sourcedId: a 'tobedeleted' row cannot say what to delete (it
    crashed the load with an AttributeError). It is refused with its file, line and field;
    --skip-invalid rejects that row only."""
    (data / "caseloads.csv").write_text(
        "counselorSourcedId,studentSourcedId,status\ncns-1,stu-1,active\ncns-1,stu-2,tobedeleted\n",
        encoding="utf-8",
    )
    reason = ("caseloads.csv:3: field 'status': 'tobedeleted' in a file without sourcedId: "
              "nothing says which record to delete; leave the row out instead")
    if not skip_invalid:
        with pytest.raises(SourceError) as info:
            read_path(data)
        assert str(info.value) == reason
        return
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [("caseloads.csv", 3, "status")]
    assert [(c.counselor_id, c.student_id) for c in ds.caseloads] == [("cns-1", "stu-1")]
    assert not ds.deletions


# --- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_an_unknown_status_is_refused_not_loaded_as_active(data: Path, skip_invalid: bool) -> None:
    """Only 'tobedeleted' was tested: 'bogus' (or 1.0's 'inactive' in a 1.2 export) loaded
    as an active record."""
    edit(data / "courses.csv", "crs-eng,active", "crs-eng,bogus")
    edit(data / "users.csv", "stu-2,active", "stu-2,inactive")
    if not skip_invalid:
        assert _refused(data) == (  # users.csv is read before courses.csv
            "users.csv:3: field 'status': status 'inactive' is OneRoster 1.0's, not allowed in "
            "a 1.1/1.2 export (expected active or tobedeleted)"
        )
        edit(data / "users.csv", "stu-2,inactive", "stu-2,active")
        assert _refused(data) == (
            "courses.csv:3: field 'status': unknown status 'bogus' (expected active or "
            "tobedeleted)"
        )
        return
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [
        ("users.csv", 3, "status"), ("courses.csv", 3, "status"),
    ]
    assert "'inactive' is OneRoster 1.0's" in ds.rejects[0].reason
    assert "crs-eng" not in {c.sourced_id for c in ds.courses}
    assert "stu-2" not in {u.sourced_id for u in ds.users}


def test_status_is_read_without_regard_to_case_and_may_be_blank(data: Path) -> None:
    edit(data / "courses.csv", "crs-eng,active", "crs-eng, ToBeDeleted ")
    edit(data / "users.csv", "stu-2,active", "stu-2,")
    ds = read_path(data)
    assert [(d.entity, d.sourced_id) for d in ds.deletions] == [("courses", "crs-eng")]
    assert "stu-2" in {u.sourced_id for u in ds.users}


def test_inactive_in_a_oneroster_10_export_is_kept_and_counted(tmp_path: Path) -> None:
    """OneRoster 1.0 has a third status, 'inactive' (deprecated in 1.1): the record still
    exists, so it is loaded like an active one and the summary says how many there were."""
    v10 = tmp_path / "v10"
    shutil.copytree(Path(__file__).parent / "data" / "oneroster_v10", v10)
    edit(v10 / "courses.csv", "c-geo,active", "c-geo,Inactive")
    ds = read_path(v10)
    assert "c-geo" in {c.sourced_id for c in ds.courses}
    assert not ds.deletions
    assert ("courses.csv: 1 row with OneRoster 1.0's status 'inactive' loaded like active ones "
            "(caseload keeps no inactive state)") in ds.notices
    edit(v10 / "courses.csv", "c-bio,active", "c-bio,bogus")
    assert _refused(v10) == ("courses.csv:2: field 'status': unknown status 'bogus' (expected "
                             "active, inactive or tobedeleted)")


# --- orgs.csv type --------------------------------------------------------------------------


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_an_org_type_outside_the_enumeration_is_refused(data: Path, skip_invalid: bool) -> None:
    """orgs.csv's type was stored as written, whatever it said."""
    edit(data / "orgs.csv", "Test High School,school,", "Test High School,campus,")
    if not skip_invalid:
        assert _refused(data) == (
            "orgs.csv:3: field 'type': unknown org type 'campus' (expected one of department, "
            "school, district, local, state, national, or ext:...)"
        )
        return
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects][:1] == [("orgs.csv", 3, "type")]
    assert [o.sourced_id for o in ds.orgs] == ["dist-1"]


def test_org_types_in_any_case_and_extension_values_are_accepted(data: Path) -> None:
    edit(data / "orgs.csv", "Test High School,school,", "Test High School,School,")
    edit(data / "orgs.csv", "Test District,district,", "Test District,ext:county,")
    assert [(o.sourced_id, o.type) for o in read_path(data).orgs] == [
        ("dist-1", "ext:county"), ("sch-1", "school"),
    ]


# --- header ---------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["givenName", "GIVENNAME"])
def test_a_column_given_twice_in_the_header_is_refused(data: Path, second: str) -> None:
    """The later of two columns of one name (in any case) was dropped without a word."""
    edit(data / "users.csv", ",familyName,", f",{second},")
    spelled = "" if second == "givenName" else ", as 'givenName' and 'GIVENNAME'"
    with pytest.raises(SourceError) as info:
        read_path(data, skip_invalid=True)  # a bad header is never skipped
    assert str(info.value) == (
        f"users.csv:1: field '{second}': column '{second}' given twice (columns 7 and 8"
        f"{spelled}): which one to read is not clear"
    )


# --- numbers --------------------------------------------------------------------------------


_NOT_PLAIN = ["1_0", "\uff18\uff15", "\u0668\u0665"]  # float() reads 10, 85 and 85


@pytest.mark.parametrize("number", _NOT_PLAIN)
@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("results.csv", ",62,", ",{},", "results.csv:2: field 'score'"),
        ("categories.csv", "Tests,0.6", "Tests,{}", "categories.csv:2: field 'weight'"),
        ("lineItems.csv", ",0,100", ",0,{}", "lineItems.csv:2: field 'resultValueMax'"),
        ("lineItems.csv", ",0,100", ",{},100", "lineItems.csv:2: field 'resultValueMin'"),
        ("academicSessions.csv", ",,2027", ",,{}", "academicSessions.csv:2: field 'schoolYear'"),
        ("gradingPolicies.csv", "cat-tests,0.6,", "cat-tests,{},", "gradingPolicies.csv:3: field 'weight'"),
        ("gradingPolicies.csv", "cat-tests,0.6,", "cat-tests,0.6,{}", "gradingPolicies.csv:3: field 'dropLowest'"),
    ],
)
def test_a_number_that_is_not_plain_ascii_is_refused(
    data: Path, number: str, file: str, old: str, new: str, where: str
) -> None:
    """Numbers were read with float()'s rules: 1_0, full-width and Arabic-Indic digits loaded."""
    edit(data / file, old, new.format(number))
    assert _refused(data) == (
        f"{where}: {number!r} is not a number (ASCII digits 0-9, no '_')"
    )


def test_a_school_year_that_is_not_whole_is_refused_not_cut(data: Path) -> None:
    """schoolYear 2026.5 was stored as 2026 without a word."""
    edit(data / "academicSessions.csv", ",,2027", ",,2026.5")
    assert _refused(data) == "academicSessions.csv:2: field 'schoolYear': 2026.5 is not a year"


def test_plain_numbers_in_their_usual_forms_are_read(data: Path) -> None:
    edit(data / "results.csv", ",62,", ", +6.2e1 ,")
    edit(data / "categories.csv", "Tests,0.6", "Tests,.6")
    ds = read_path(data)
    assert [r.score for r in ds.results if r.sourced_id == "res-1"] == [62.0]
    assert [c.weight for c in ds.categories if c.sourced_id == "cat-tests"] == [0.6]


# --- demographics.csv and roles.csv rows whose user users.csv lacks -------------------------


def _orphans(data: Path) -> None:
    with (data / "demographics.csv").open("a") as fh:
        fh.write("stu-9,active,2026-09-01T00:00:00Z,2010-01-02,male\n")
    with (data / "roles.csv").open("a") as fh:
        fh.write("rl-x,active,2026-09-01T00:00:00Z,stu-8,primary,student,,,sch-1,\n")


def test_a_demographics_or_roles_row_for_no_user_is_refused(store, data: Path) -> None:
    """Such rows were dropped without a word (they are applied with the users.csv row)."""
    _orphans(data)
    rows = len((data / "demographics.csv").read_text().splitlines())
    assert _refused(data) == f"demographics.csv:{rows}: field 'sourcedId': no such user 'stu-9' in users.csv"
    ds = read_path(data, skip_invalid=True)
    roles = len((data / "roles.csv").read_text().splitlines())
    assert [(r.file, r.line, r.field, r.reason) for r in ds.rejects] == [
        ("demographics.csv", rows, "sourcedId", "no such user 'stu-9' in users.csv"),
        ("roles.csv", roles, "userSourcedId", "no such user 'stu-8' in users.csv"),
    ]
    assert load(store, ds, skip_invalid=True).counts["users"] == 5


def test_with_users_delta_such_rows_are_counted_as_not_applied(data: Path) -> None:
    """The user may be in the cache, but the row is applied only with its users.csv row."""
    _orphans(data)
    edit(data / "manifest.csv", "file.users,bulk", "file.users,delta")
    ds = read_path(data)
    assert not ds.rejects
    assert ("demographics.csv: 1 row for users not in users.csv not applied (caseload applies "
            "them with the user's row in users.csv)") in ds.notices
    assert any(n.startswith("roles.csv: 1 row for users not in users.csv") for n in ds.notices)


def test_the_demographics_and_roles_rows_of_a_rejected_user_are_rejected_too(store, data):
    """A user rejected by the reader (stu-3: an unknown status) or by the loader's reference
    check (tch-1: an unknown school) took its demographics.csv and roles.csv rows with it
    without a word: neither stored, rejected nor counted. Each is a reject naming the user's
    row, as the enrollments and results that name the user are."""
    edit(data / "users.csv", "stu-3,active,", "stu-3,weird,")
    edit(data / "users.csv", "T001,,,,,,,,,,,,sch-1,", "T001,,,,,,,,,,,,sch-nowhere,")
    report = load(store, read_path(data, skip_invalid=True), skip_invalid=True)
    got = {(r.file, r.line): (r.field, r.reason) for r in report.rejects}
    assert got[("demographics.csv", 4)] == ("sourcedId", (
        "sourcedId 'stu-3' is a record rejected earlier in this import (users.csv:4)"))
    assert got[("roles.csv", 4)] == ("userSourcedId", (
        "userSourcedId 'stu-3' is a record rejected earlier in this import (users.csv:4)"))
    assert got[("roles.csv", 5)] == ("userSourcedId", (
        "userSourcedId 'tch-1' is a record rejected earlier in this import (users.csv:5)"))
    assert got[("users.csv", 5)][0] == "primaryOrgSourcedId"
    assert ("demographics.csv", 2) not in got and ("roles.csv", 2) not in got
    assert report.counts["users"] == 3
