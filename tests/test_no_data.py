"""Never show data that was not loaded (issue 11 §1), end to end through ``caseload``.

Fixtures under tests/data/nodata_* are tests/data/oneroster_min with files removed (or, for
the "not enrolled" case, one result added); the Grand Bend tests drop its attendance files.
The sample school's flags are held to a golden copy recorded before the change.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from caseload.cli import main
from caseload.domain.report import FlagCode
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import facts as mat
from caseload.store import ranking
from caseload.store.repository import Repository
from tests import templates as tpl
from tests.migrations import load_at
from tests.paths import MIN_DATA, REPO

DATA = REPO / "tests" / "data"
GOLDEN = DATA / "sample_flags_2026-11-20.json.gz"
NO_ATTENDANCE = DATA / "nodata_attendance"  # oneroster_min without attendance.csv
NO_GRADEBOOK = DATA / "nodata_gradebook"  # without lineItems.csv and results.csv
NOT_ENROLLED = DATA / "nodata_not_enrolled"  # one more result: stu-3 in cls-eng (not enrolled)
EDFI_SMALL = DATA / "edfi_small"
AS_OF = "2026-10-02"  # the min fixture's own date; its attendance runs through 2026-09-17
ATTENDANCE_FIGURES = (
    "days_absent", "attendance_rate", "unexcused_30d", "absence_streak",
    "unexcused_grading_period", "unexcused_term", "unexcused_year",
)
ATTENDANCE_CODES = {"UNEXCUSED_ABSENCES", "CHRONIC_ABSENCE", "ABSENCE_STREAK", "TRUANCY"}
GRADE_CODES = {"FAILING_STREAK", "LOW_GRADE", "GRADE_DROP", "STALE_GRADEBOOK"}


def _flags(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    capsys.readouterr()
    assert main(["--db", db, "flags", *args]) == 0
    return capsys.readouterr().out


def _flags_json(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    return json.loads(_flags(capsys, db, *args, "--format", "json"))


# --- the sample school: unchanged where data is present ------------------------------------


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory,
              sample_cli_import: tuple[Path, str]) -> str:
    """This module's copy (0600) of `caseload import sample_data`'s database (conftest.py)."""
    db = tmp_path_factory.mktemp("golden") / "cache.db"
    return str(tpl.copy_sqlite(sample_cli_import[0], db))


def test_sample_school_flags_match_the_golden_copy(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`caseload flags --format json --counselor all --as-of 2026-11-20` on sample_data, as
    recorded before issue 11 §1 (tests/data/sample_flags_2026-11-20.json.gz, canonical JSON).
    The sample has attendance and gradebooks everywhere, so no figure or flag may change.
    Regenerated deliberately for issue 12: STALE_GRADEBOOK's message gives the real gap and
    date (evidence ``days_since``), and STALE adds to risk once per student, so the 22
    students with two stale classes lost one point (e.g. stu-00543 Gray, Lily 10 -> 9,
    stu-00372 Cooper, Sebastian 8 -> 7, five students 5 -> 4, fifteen 2 -> 1). Regenerated
    again for issue 12's preferred names: the 30 sample students with a preferred name are
    listed by it ("Schmidt, Sam", legally Samuel), so two students tied on risk and days since
    a note swap places by name; no figure or flag changed. Regenerated for one output
    rounding, half up (audit s21a D3): 1,336 values at an exact .x5 tie went up by 0.1 (22
    class grades, 1,307 weekly grades, 4 in FAILING_STREAK evidence, 3 in its messages: e.g.
    stu-00026's 46.25 is 46.3, was 46.2); nothing else changed. Made as the comparison below
    reads it: that command's JSON without the fields popped below, ``json.dumps(data,
    sort_keys=True, separators=(",", ":"))``, then ``gzip -9n``."""
    got = _flags_json(capsys, sample_db, "--counselor", "all", "--as-of", "2026-11-20")
    want = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert got["as_of"] == want["as_of"]
    assert [s["id"] for s in got["students"]] == [s["id"] for s in want["students"]]
    for mine, theirs in zip(got["students"], want["students"], strict=True):
        # the one intended difference: the new field saying how far attendance counts (the
        # sample's attendance runs through its as-of date, so every student's is that date)
        assert mine.pop("attendance_through") == "2026-11-20"
        assert mine["metrics"].pop("attendance_through") == "2026-11-20"
        # and why school days are every weekday (added later; the sample's one school has a
        # calendar with days off, so none is)
        assert mine["metrics"].pop("school_days_all_weekdays") is None
        # and each class's "gradebook" (added later; every sample class has one)
        for c in mine["metrics"]["classes"]:
            assert c.pop("gradebook") is True
        assert mine == theirs, mine["id"]


# --- helpers ---------------------------------------------------------------------------------


_MIGRATED: list[Path] = []  # the session's migrated empty cache (conftest.py)


@pytest.fixture(autouse=True)
def _migrated_cache(migrated_template: Path) -> None:
    _MIGRATED[:] = [migrated_template]


def _import(db: Path, folder: Path, *args: str) -> None:
    """``caseload --db DB import FOLDER``; a new DB starts as a copy of the migrated empty
    cache (0600), so each test does not run every migration again (test_migrations does)."""
    if not db.exists():
        tpl.copy_sqlite(_MIGRATED[0], db)
    assert main(["--db", str(db), "import", str(folder), *args]) == 0


def _codes(student: dict[str, Any]) -> set[str]:
    return {f["code"] for f in student["flags"]}


# --- 1. attendance unknown where none was loaded ---------------------------------------------


def _assert_attendance_unknown(data: dict[str, Any]) -> None:
    assert data["students"]
    for s in data["students"]:
        for name in ATTENDANCE_FIGURES:
            assert s["metrics"][name] is None, (s["id"], name)
        assert s["attendance_through"] is None and s["metrics"]["attendance_through"] is None
        assert isinstance(s["metrics"]["school_days"], int)
        assert not _codes(s) & ATTENDANCE_CODES, s["id"]


def test_before_the_first_school_day_the_30_day_count_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As of 2026-08-28, before the min fixture's first school day (Monday 08-31), the 30-day
    window holds no school day: `unexcused_30d` is null in JSON and an empty CSV cell, as
    `attendance_rate` (no school day) is; from 08-31 it counts again."""
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    before = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", "2026-08-28")
    assert before["students"]
    for s in before["students"]:
        m = s["metrics"]
        assert (m["school_days"], m["attendance_rate"], m["unexcused_30d"]) == (0, None, None)
    one = _flags_json(capsys, str(db), "--student", "stu-1", "--as-of", "2026-08-28")
    assert one["students"][0]["metrics"]["unexcused_30d"] is None
    rows = list(csv.DictReader(io.StringIO(_flags(
        capsys, str(db), "--counselor", "all", "--as-of", "2026-08-28", "--format", "csv"))))
    assert rows and all(r["unexcused_30d"] == "" for r in rows)
    # the first school day: counted for whoever is enrolled on it (stu-3 starts later)
    first = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", "2026-08-31")
    assert {s["id"]: (s["metrics"]["school_days"], s["metrics"]["unexcused_30d"])
            for s in first["students"]} == {"stu-1": (1, 0), "stu-2": (1, 0), "stu-3": (0, None)}


def test_export_without_attendance_is_unknown_in_json_csv_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    _import(db, NO_ATTENDANCE)
    data = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", AS_OF)
    _assert_attendance_unknown(data)
    # one student: the drill-down path (not the materialized facts) says the same
    one = _flags_json(capsys, str(db), "--student", "stu-1", "--as-of", AS_OF)
    _assert_attendance_unknown(one)

    rows = list(csv.DictReader(io.StringIO(
        _flags(capsys, str(db), "--counselor", "all", "--as-of", AS_OF, "--format", "csv")
    )))
    assert rows
    for row in rows:
        assert (row["attendance_rate"], row["unexcused_30d"], row["absence_streak"]) == ("", "", "")

    table = _flags(capsys, str(db), "--counselor", "all", "--as-of", AS_OF, "--format", "table")
    line = next(x for x in table.splitlines() if "Able, Ada" in x)
    assert line.split()[4:7] == ["—", "—", "—"]  # Att%, Unx30, Strk (after "Able, Ada" and Gr)
    assert "no attendance data" in table
    assert "100.0" not in table


def test_attendance_of_a_teacher_does_not_make_the_students_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A school has attendance data when an event of one of its students was loaded: a
    teacher's (any non-student's) record says nothing about the students, who stay unknown,
    never 100% present (it used to make every student of the school present)."""
    folder = tmp_path / "school"
    shutil.copytree(NO_ATTENDANCE, folder)
    (folder / "attendance.csv").write_text(
        "sourcedId,studentSourcedId,date,category,classSourcedId,period\n"
        "att-t,tch-1,2026-09-16,tardy,,\n"
    )
    db = tmp_path / "c.db"
    _import(db, folder)
    _assert_attendance_unknown(_flags_json(capsys, str(db), "--counselor", "all", "--as-of", AS_OF))
    _assert_attendance_unknown(_flags_json(capsys, str(db), "--student", "stu-1", "--as-of", AS_OF))


def test_days_after_a_students_last_enrollment_ended_are_not_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A student whose every enrollment ended (withdrew on Friday 9/11) is not enrolled
    after it: those school days are not counted, never taken as present (they were: 13
    school days, 100%, through the school's 9/17). Bulk (stored facts) and one student (the
    drill-down path) agree; a student still enrolled is unchanged."""
    folder = tmp_path / "school"
    shutil.copytree(MIN_DATA, folder)
    enrollments = folder / "enrollments.csv"
    rows = enrollments.read_text().splitlines()
    rows = [r + "2026-09-11" if r.startswith(("e3,", "e4,")) else r for r in rows]
    enrollments.write_text("\n".join(rows) + "\n")
    db = tmp_path / "c.db"
    _import(db, folder)
    for args in (("--counselor", "all"), ("--student", "stu-2")):
        data = _flags_json(capsys, str(db), *args, "--as-of", "2026-09-17")
        by_id = {s["id"]: s["metrics"] for s in data["students"]}
        assert by_id["stu-2"]["school_days"] == 9  # 8/31-9/11, the 9/7 holiday left out
        assert by_id["stu-2"]["days_absent"] == 0
        if "stu-1" in by_id:
            assert by_id["stu-1"]["school_days"] == 13


def test_the_same_export_with_attendance_is_present_by_exception(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the school has attendance, a student without records was present, as before."""
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    data = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", "2026-09-17")
    by_id = {s["id"]: s for s in data["students"]}
    assert by_id["stu-3"]["metrics"]["days_absent"] == 0  # no record: present
    assert by_id["stu-3"]["metrics"]["attendance_rate"] == 100.0
    assert by_id["stu-1"]["metrics"]["unexcused_30d"] == 2


def test_edfi_without_attendance_events_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "edfi"
    shutil.copytree(EDFI_SMALL, folder)
    (folder / "attendance.xml").unlink()
    db = tmp_path / "c.db"
    _import(db, folder)
    _assert_attendance_unknown(
        _flags_json(capsys, str(db), "--counselor", "all", "--as-of", "2026-10-30")
    )


@pytest.mark.grandbend
def test_grand_bend_without_its_attendance_files_is_unknown_not_100(
    grand_bend: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: Grand Bend without its attendance files showed all 960 students at 100.0%."""
    folder = tmp_path / "gb"
    folder.mkdir()
    for f in grand_bend.iterdir():
        if f.is_file() and "Attendance" not in f.name:
            (folder / f.name).symlink_to(f)
    assert not list(folder.glob("*Attendance*"))
    db = tmp_path / "gb.db"
    _import(db, folder)
    data = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", "2022-05-27")
    assert len(data["students"]) == 960
    _assert_attendance_unknown(data)
    # the calendar is known, only attendance is not: 189 school days (see test_flags.py)
    assert {s["metrics"]["school_days"] for s in data["students"]} == {189}


# --- 2. no gradebook is not a stale gradebook ------------------------------------------------


def test_classes_without_a_gradebook_are_listed_without_grade_or_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    _import(db, NO_GRADEBOOK)
    data = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", AS_OF)
    by_id = {s["id"]: s for s in data["students"]}
    assert [c["id"] for c in by_id["stu-1"]["metrics"]["classes"]] == ["cls-alg", "cls-eng"]
    for s in data["students"]:
        assert s["metrics"]["classes"]
        assert all(c["grade"] is None for c in s["metrics"]["classes"])
        # nothing can be missing from no gradebook: null, never 0 (it said 0)
        assert all(c["missing"] is None and c["gradebook"] is False
                   for c in s["metrics"]["classes"])
        assert not _codes(s) & GRADE_CODES, s["id"]
    # the table: with no grade anywhere, classes below 70 is unknown (it said 0), as is Low
    table = _flags(capsys, str(db), "--counselor", "all", "--as-of", AS_OF, "--format", "table")
    line = next(x for x in table.splitlines() if "Able, Ada" in x)
    assert line.split()[7:9] == ["—", "—"]  # <70, Low (after name, Gr, Att%, Unx30, Strk)
    # the same classes with a gradebook that stopped moving are stale
    full = tmp_path / "full.db"
    _import(full, MIN_DATA)
    stale = _flags_json(capsys, str(full), "--counselor", "all", "--as-of", AS_OF)
    assert all("STALE_GRADEBOOK" in _codes(s) for s in stale["students"])


# --- 3. an as-of date past the last attendance day -------------------------------------------


def test_days_after_the_schools_last_attendance_day_are_not_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The min fixture's attendance runs through 2026-09-17 (its last event): as of 10-02 the
    nine school days 09-18..10-01 and 10-02 are unknown, not present."""
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    data = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", AS_OF)
    by_id = {s["id"]: s for s in data["students"]}
    ada = by_id["stu-1"]
    assert ada["attendance_through"] == "2026-09-17"
    m = ada["metrics"]
    assert m["attendance_through"] == "2026-09-17"
    # school days 08-31..09-17 without Labor Day (09-07): 13, not 24 through 10-02
    assert m["school_days"] == 13
    assert m["days_absent"] == 3
    assert m["attendance_rate"] == round(100 * 10 / 13, 1)
    assert m["absence_streak"] == 3  # 09-15..09-17, the last days recorded
    # as of a day the school's attendance covers, it counts through the as-of date
    early = _flags_json(capsys, str(db), "--student", "stu-1", "--as-of", "2026-09-16")
    assert early["students"][0]["attendance_through"] == "2026-09-16"
    assert early["students"][0]["metrics"]["school_days"] == 12
    table = _flags(capsys, str(db), "--counselor", "all", "--as-of", AS_OF)
    assert "attendance through 9/17" in table


# --- 4. results for students not enrolled in the class ---------------------------------------


def test_results_of_students_not_enrolled_are_counted_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    capsys.readouterr()
    _import(db, NOT_ENROLLED)
    out = capsys.readouterr().out
    assert "not shown: 1 result for a student not enrolled in their class" in out
    data = _flags_json(capsys, str(db), "--student", "stu-3", "--as-of", AS_OF)
    assert [c["id"] for c in data["students"][0]["metrics"]["classes"]] == ["cls-alg"]
    every = _flags_json(capsys, str(db), "--counselor", "all", "--as-of", AS_OF)
    stu3 = next(s for s in every["students"] if s["id"] == "stu-3")
    assert [c["id"] for c in stu3["metrics"]["classes"]] == ["cls-alg"]
    # the student screen's drill-down reads the same
    repo = Repository(_engine(db))
    detail = repo.student("stu-3", dt.date.fromisoformat(AS_OF))
    assert [c.id for c in detail.report.metrics.classes] == ["cls-alg"]
    # stored (so a later roster that enrolls the student shows it), not shown
    with repo.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM results WHERE sourced_id = 'res-6'"))\
            .scalar_one() == 1
    repo.engine.dispose()


def test_skip_invalid_writes_results_of_students_not_enrolled_to_the_rejects_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    rejects = tmp_path / "rejects.csv"
    capsys.readouterr()
    _import(db, NOT_ENROLLED, "--skip-invalid", "--rejects", str(rejects))
    out = capsys.readouterr().out
    assert "not enrolled" in out and "rejected rows: 1" in out
    rows = list(csv.DictReader(rejects.open(encoding="utf-8", newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert (row["file"], row["line"], row["field"]) == ("results.csv", "7", "studentSourcedId")
    assert "not enrolled" in row["reason"]
    raw = json.loads(row["row"])
    assert raw["sourcedId"] == "res-6" and raw["studentSourcedId"] == "stu-3"
    with _engine(db).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM results")).scalar_one() == 5


def test_a_class_without_any_roster_shows_its_results(sqlite_engine: Engine) -> None:
    """No student enrollments at all in a class (an export without a roster, like Grand
    Bend's): nothing to check against, so the results are shown, not counted."""
    ds = read_path(NOT_ENROLLED)
    ds.enrollments = [e for e in ds.enrollments if e.class_id != "cls-eng" or e.role.value != "student"]
    report = load(sqlite_engine, ds)
    assert not any("not enrolled" in n for n in report.notices)
    detail = Repository(sqlite_engine).student("stu-3", dt.date.fromisoformat(AS_OF))
    assert [c.id for c in detail.report.metrics.classes] == ["cls-alg", "cls-eng"]


def _engine(db: Path) -> Engine:
    from caseload.store.engine import make_engine

    return make_engine(f"sqlite:///{db}")


# --- 5. facts and the stored ranking carry "unknown" (SQLite and PostgreSQL) -----------------


def test_materialized_facts_and_ranking_carry_unknown(engine: Engine) -> None:
    load(engine, read_path(NO_ATTENDANCE))
    repo = Repository(engine)
    mat.refresh(engine, repo.thresholds)
    as_of = dt.date.fromisoformat(AS_OF)
    facts = Repository(engine).facts(None)
    assert facts is not None and facts
    assert all(f.attendance.through is None and not f.attendance.known for f in facts)
    with engine.connect() as conn:
        pure = {i.student.sourced_id: i for i in repo.inputs(conn, repo._scope(None))}
        assert conn.execute(
            text("SELECT count(*) FROM mat_student WHERE attendance_through IS NULL")
        ).scalar_one() == len(facts)
    from caseload.domain import analysis

    materialized = {r.id: r for r in repo.caseload(None, as_of)}
    for sid, inp in pure.items():
        assert materialized[sid] == analysis.student_report(inp, as_of, repo.thresholds)
        assert materialized[sid].metrics.days_absent is None
    rows = repo.caseload_rows(None, as_of)  # computed, then stored
    with engine.connect() as conn:
        assert ranking.is_stored(conn, as_of, None, mat.fresh_stamp(conn, repo.thresholds),
                                 repo.thresholds)
        stored = ranking.read(conn, as_of, None)
    assert stored == rows
    assert all(r.unexcused_30d is None and r.absence_streak is None and r.attendance_rate is None
               and r.attendance_through is None and not r.attendance_known for r in stored)


def test_materialized_facts_carry_through_and_no_gradebook(engine: Engine) -> None:
    load(engine, read_path(MIN_DATA))
    ds = read_path(NO_GRADEBOOK)
    ds.classes = [c for c in ds.classes if c.sourced_id == "cls-eng"]
    ds.enrollments = ds.attendance_events = []
    load(engine, ds)
    with engine.begin() as conn:  # cls-eng loses its gradebook
        conn.execute(text("DELETE FROM results WHERE line_item_id = 'li-3'"))
        conn.execute(text("DELETE FROM line_items WHERE class_id = 'cls-eng'"))
    repo = Repository(engine)
    mat.refresh(engine, repo.thresholds)
    facts = {f.student.sourced_id: f for f in Repository(engine).facts(None) or []}
    assert facts["stu-1"].attendance.through == dt.date(2026, 9, 17)
    classes = {c.class_id: c for c in facts["stu-1"].classes}
    assert classes["cls-alg"].gradebook and not classes["cls-eng"].gradebook
    as_of = dt.date.fromisoformat(AS_OF)
    rows = {r.id: r for r in repo.caseload_rows(None, as_of)}
    with engine.connect() as conn:
        stored = {r.id: r for r in ranking.read(conn, as_of, None)}
    assert stored == rows
    assert stored["stu-1"].attendance_through == dt.date(2026, 9, 17)
    report = next(r for r in repo.caseload(None, as_of) if r.id == "stu-1")
    eng = next(c for c in report.metrics.classes if c.id == "cls-eng")
    assert eng.grade is None and not eng.gradebook
    assert FlagCode.STALE_GRADEBOOK not in {f.code for f in report.flags if f.class_id == "cls-eng"}


def test_migration_0007_clears_derived_facts_so_they_are_rebuilt(tmp_path: Path) -> None:
    from caseload.store.engine import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    load_at(engine, read_path(NO_ATTENDANCE), "0006")
    with engine.begin() as conn:  # facts as 0006 stored them: attendance read as present
        conn.execute(text(
            "INSERT INTO mat_state (id, run_id, settings, computed_at) "
            "VALUES (1, 1, 'missing_counts_as_zero=True', '2026-12-01 00:00:00')"
        ))
        conn.execute(text(
            "INSERT INTO mat_student (student_id, enrolled_begin, absent, unexcused, tardy) "
            "VALUES ('stu-1', NULL, x'', x'', x'')"
        ))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM mat_student")).scalar_one() == 0
        assert not mat.is_fresh(conn, Repository(engine).thresholds)
    rows = Repository(engine).caseload(None, dt.date.fromisoformat(AS_OF))
    assert all(r.metrics.attendance_rate is None for r in rows)
    engine.dispose()


# --- the screens ----------------------------------------------------------------------------


async def _open_app(db: Path, as_of: str, student: str | None = None) -> tuple[str, str | None]:
    """The caseload screen's text (and the student screen's when asked), 120x40."""
    from caseload.tui.app import CaseloadApp
    from tests.tui.conftest import screen_text, settle

    engine = _engine(db)
    app = CaseloadApp(Repository(engine), counselor_id="cns-1", as_of=dt.date.fromisoformat(as_of),
                      now=lambda: dt.datetime(2026, 10, 2, 15, tzinfo=dt.UTC))
    student_text = None
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = screen_text(app)
        if student is not None:
            app.home.select_student(student)
            await pilot.press("enter")
            await settle(pilot)
            student_text = screen_text(app)
    engine.dispose()
    return home, student_text


async def test_screens_say_no_attendance_data_and_show_dashes(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    _import(db, NO_ATTENDANCE)
    home, student = await _open_app(db, AS_OF, "stu-2")
    assert "no attendance data" in home
    row = next(line for line in home.splitlines() if "Baker, Ben" in line)
    assert row.count("—") >= 3 and "100.0%" not in row  # Att%, Unx30, Strk unknown
    assert student is not None and "no attendance data" in student


async def test_screens_say_how_far_attendance_counts(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    home, student = await _open_app(db, AS_OF, "stu-1")
    assert "attendance through 9/17" in home
    assert student is not None and "attendance through 9/17" in student


async def test_student_screen_says_no_gradebook(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    _import(db, NO_GRADEBOOK)
    _home, student = await _open_app(db, AS_OF, "stu-1")
    assert student is not None
    for title in ("Algebra I - 1", "English 9 - 2"):
        line = next(x for x in student.splitlines() if title in x)
        assert "no gradebook" in line and "STALE" not in line


def test_caseload_sorts_put_unknown_attendance_last_either_way() -> None:
    from caseload.domain.report import CaseloadRow
    from caseload.tui.screens.caseload import sort_reports

    def row(sid: str, rate: float | None, unx: int | None, streak: int | None) -> CaseloadRow:
        return CaseloadRow(sid, sid, "9", None, (), (), 0, rate, unx, streak, 0, None)

    rows = [row("u1", None, None, None), row("a", 80.0, 4, 2), row("u2", None, None, None),
            row("b", 100.0, 0, 0)]
    for key in ("att", "unx", "streak"):
        for reverse in (False, True):
            got = [r.id for r in sort_reports(rows, key, reverse)]
            assert got[2:] == ["u1", "u2"], (key, reverse, got)  # never first, never as 0/100


async def test_attendance_through_a_day_of_another_year_gives_the_year(tmp_path: Path) -> None:
    """Review s22 item 6: Grand Bend's "through 5/27" (2022) read as this May beside a 2026
    as-of date. The table, the caseload's status line and the student screen give the year
    when the day's year is not the as-of date's."""
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    home, student = await _open_app(db, "2027-10-02", "stu-1")
    home = " ".join(home.split())  # (the status line wraps at 120 columns)
    assert "attendance through 2026-09-17" in home and "through 9/17" not in home
    assert student is not None
    assert "attendance through 2026-09-17" in " ".join(student.split())


def test_the_flags_table_gives_the_year_of_a_through_day_of_another_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    _import(db, MIN_DATA)
    table = _flags(capsys, str(db), "--counselor", "all", "--as-of", "2027-10-02")
    assert "attendance through 2026-09-17 (the last day recorded" in table
    assert "attendance through 9/17" in _flags(capsys, str(db), "--counselor", "all",
                                                "--as-of", AS_OF)
