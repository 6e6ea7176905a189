"""Attendance records that count toward no figure are stored and counted in the import and
sync summaries, with why (never dropped in silence): on a day that is not a school day, before
the student's first enrolled day, after their last, for a class they do not take that day, or
of someone who is not a student. The domain rule (``attendance.not_counted``) agrees with the
figures: a record it names changes none of them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.cli import main
from caseload.domain import attendance as att
from caseload.domain.records import AttendanceCategory, AttendanceEvent, Enrollment, Role
from caseload.store.engine import make_engine
from caseload.store.repository import Repository
from tests import templates as tpl
from tests.paths import MIN_DATA

D = dt.date
UNX = AttendanceCategory.UNEXCUSED_ABSENCE


def _event(rid: str, day: dt.date, cid: str | None = None) -> AttendanceEvent:
    return AttendanceEvent(rid, "stu-1", day, UNX, cid, "1" if cid else None, "sch-1")


def test_each_reason_and_the_first_that_applies() -> None:
    school = frozenset({D(2026, 9, d) for d in (14, 15, 16, 17, 18, 21, 22)})
    enrolled = [
        Enrollment("e1", "cls-a", "stu-1", Role.STUDENT, D(2026, 9, 15), D(2026, 9, 21)),
        Enrollment("e2", "cls-b", "stu-1", Role.STUDENT, D(2026, 9, 17), D(2026, 9, 21)),
    ]
    classes = att.classes_counted(enrolled, {}, "stu-1")
    events = [
        _event("sat", D(2026, 9, 19)),  # a Saturday
        _event("early", D(2026, 9, 14)),  # before the first enrolled day (9/15)
        _event("late", D(2026, 9, 22)),  # after the last (every enrollment ended 9/21)
        _event("other", D(2026, 9, 16), "cls-b"),  # cls-b starts 9/17
        _event("mine", D(2026, 9, 16), "cls-a"),
        _event("whole", D(2026, 9, 18)),
        _event("decided", D(2026, 9, 18), "cls-zz"),  # the whole-day record decides the day
        _event("both", D(2026, 9, 20), "cls-a"),  # a Sunday: the first reason is given
    ]
    got = att.not_counted(events, school, classes, D(2026, 9, 15), D(2026, 9, 21))
    assert [(e.sourced_id, why) for e, why in got] == [
        ("sat", att.NOT_A_SCHOOL_DAY),
        ("early", att.BEFORE_ENROLLED),
        ("late", att.AFTER_ENROLLED),
        ("other", att.CLASS_NOT_TAKEN),
        ("both", att.NOT_A_SCHOOL_DAY),
    ]
    # without any enrollment (a rosterless export) no period record is someone else's class
    rosterless = att.classes_counted([], {}, "stu-1")
    assert att.not_counted([_event("p", D(2026, 9, 16), "cls-b")], school, rosterless,
                           None, None) == []


def test_the_records_it_names_change_no_figure() -> None:
    school = frozenset({D(2026, 9, d) for d in (14, 15, 16, 17, 18)})
    enrolled = [Enrollment("e1", "cls-a", "stu-1", Role.STUDENT, D(2026, 9, 15), None)]
    classes = att.classes_counted(enrolled, {}, "stu-1")
    kept = [_event("k", D(2026, 9, 17))]
    named = [_event("sat", D(2026, 9, 19)), _event("early", D(2026, 9, 14)),
             _event("other", D(2026, 9, 16), "cls-b")]
    assert len(att.not_counted(kept + named, school, classes, D(2026, 9, 15), None)) == 3

    def series(events: list[AttendanceEvent]) -> att.AttendanceSeries:
        statuses = att.day_statuses(events, school, classes, start=D(2026, 9, 15))
        return att.AttendanceSeries.from_statuses(school, statuses, D(2026, 9, 15))

    assert series(kept + named) == series(kept)


def _dataset(tmp_path: Path) -> Path:
    """oneroster_min with stu-3's one enrollment ending 9/30 and six records no figure
    counts beside its own."""
    folder = tmp_path / "data"
    shutil.copytree(MIN_DATA, folder)
    enrollments = folder / "enrollments.csv"
    body = enrollments.read_text(encoding="utf-8")
    assert "stu-3,student,false,2026-09-14,\n" in body
    enrollments.write_text(body.replace("stu-3,student,false,2026-09-14,\n",
                                        "stu-3,student,false,2026-09-14,2026-09-30\n"),
                           encoding="utf-8")
    with (folder / "attendance.csv").open("a", encoding="utf-8") as f:
        f.write(
            "att-sat,stu-1,2026-09-19,unexcused_absence,,\n"  # a Saturday
            "att-hol,stu-2,2026-09-07,unexcused_absence,,\n"  # sch-1's day off
            "att-early,stu-3,2026-09-11,unexcused_absence,,\n"  # enrolled from 9/14
            "att-late,stu-3,2026-10-05,unexcused_absence,,\n"  # every enrollment ended 9/30
            "att-cls,stu-3,2026-09-16,unexcused_absence,cls-eng,2\n"  # stu-3 takes cls-alg
            "att-tch,tch-1,2026-09-16,unexcused_absence,,\n"  # a teacher's record
        )
    return folder


def test_the_import_summary_counts_them_and_the_cache_keeps_them(
    tmp_path: Path, migrated_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tpl.copy_sqlite(migrated_template, tmp_path / "c.db")
    assert main(["--db", str(db), "import", str(_dataset(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert (
        "not counted: 6 attendance records (2 on days that are not school days at the "
        "student's school; 1 before the student's first enrolled day; 1 after the student's "
        "last enrolled day; 1 for a class the student is not enrolled in that day; 1 for "
        "someone who is not a student): stored, in no student's figures"
    ) in out
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT sourced_id FROM attendance_events")).scalars())
    assert {"att-sat", "att-hol", "att-early", "att-late", "att-cls", "att-tch"} <= stored
    # and none of them is a figure: stu-3 has no absence at all
    detail = Repository(engine).student("stu-3", D(2026, 10, 9))
    assert detail.report.metrics.days_absent == 0
    engine.dispose()


def test_an_import_whose_records_all_count_says_nothing(
    tmp_path: Path, migrated_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tpl.copy_sqlite(migrated_template, tmp_path / "c.db")
    assert main(["--db", str(db), "import", str(MIN_DATA)]) == 0
    assert "not counted" not in capsys.readouterr().out


def test_every_load_reports_them_imports_and_syncs_alike(tmp_path: Path, db_url: str) -> None:
    """The loader (which ``caseload import`` and ``caseload sync`` both run) puts the line in
    its report's notices, on both backends."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.engine import migrate

    engine = make_engine(db_url)
    try:
        migrate(engine)
        report = load(engine, read_path(_dataset(tmp_path)))
        lines = [n for n in report.notices if n.startswith("not counted:")]
        assert len(lines) == 1 and lines[0].startswith("not counted: 6 attendance records (")
    finally:
        engine.dispose()


def test_a_check_that_fails_after_the_load_says_so_and_keeps_the_import(
    tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load has committed when the check runs: its failure is a line of the summary, not
    the import's failure (which would also skip the facts refresh)."""
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store import attendance_check

    def broken(*_args: object) -> None:
        raise RuntimeError("stu-1 2026-09-19")  # (its text is never shown)

    monkeypatch.setattr(attendance_check, "not_counted", broken)
    engine = make_engine(f"sqlite:///{tpl.copy_sqlite(migrated_template, tmp_path / 'c.db')}")
    report = load(engine, read_path(_dataset(tmp_path)))
    assert report.run_id is not None
    assert (
        "not checked: which attendance records count toward no figure (the check failed: "
        "RuntimeError)"
    ) in report.notices
    assert not any("stu-1 2026-09-19" in n for n in report.notices)
    engine.dispose()
