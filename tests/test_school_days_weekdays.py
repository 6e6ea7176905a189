"""The flags outputs say when a student's school days are every weekday in the terms.

With no calendar for the student's school (or one that marks no weekday off, or no school
known), holidays and breaks count as school days, and as days present: the Attendance tab
said so (tests/tui/test_school_days_line.py), but `caseload flags` (JSON, CSV, table), the
triage export and the meeting PDF gave the same figures without it. Each now says why:
``metrics.school_days_all_weekdays`` in the JSON (``no_calendar``, ``no_day_off``,
``no_school``; null when the calendar marks days off), a last CSV column of that name, a table
note, a line in the triage Markdown and in the PDF's attendance section.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import Engine, select

from caseload.cli import main
from caseload.domain import analysis
from caseload.domain.records import CalendarDay
from caseload.domain.schooldays import WeekdaysOnly, WeekdaysOnlyOf, weekdays_only
from caseload.domain.settings import Thresholds
from caseload.export import flags_output, triage
from caseload.export.notes_export import export_notes
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store import inputs as cache_inputs
from caseload.store.repository import Repository
from tests.min_export import as_is, no_calendar, no_day_off

AS_OF = dt.date(2026, 10, 2)  # the min export's own date
T0 = dt.datetime(2026, 10, 2, 15, 30, tzinfo=dt.UTC)
NOTE = "School days are all weekdays in the terms: "


CASES = pytest.mark.parametrize(
    ("change", "code", "why"),
    [
        (no_calendar, "no_calendar", "no school calendar was loaded"),
        (no_day_off, "no_day_off", "the calendar marks no day off"),
        (as_is, None, None),  # Labor Day is off: nothing to say
    ],
    ids=["no-calendar", "no-day-off", "calendar"],
)


def _loaded(engine: Engine, data: Path, change: Callable[[Path], None]) -> str:
    change(data)
    load(engine, read_path(data))
    return str(engine.url.database)


def _flags(capsys: pytest.CaptureFixture[str], db: str, fmt: str) -> str:
    capsys.readouterr()
    assert main(["--db", db, "flags", "--counselor", "all", "--as-of", AS_OF.isoformat(),
                 "--format", fmt]) == 0
    return capsys.readouterr().out


def test_weekdays_only_of_every_school_is_weekdays_only_of_each() -> None:
    monday, saturday = dt.date(2026, 9, 7), dt.date(2026, 9, 12)
    calendar = [
        CalendarDay("off", monday, True), CalendarDay("off", monday, False),  # a day off
        CalendarDay("weekend", saturday, False), CalendarDay("weekend", monday, True),
        CalendarDay("open", monday, True),
    ]
    of = WeekdaysOnlyOf(calendar)
    for school in ("off", "weekend", "open", "none", None):
        assert of[school] is weekdays_only(school, calendar), school
    assert of["off"] is None
    assert of["weekend"] is of["open"] is WeekdaysOnly.NO_DAY_OFF
    assert of["none"] is WeekdaysOnly.NO_CALENDAR
    assert of[None] is WeekdaysOnly.NO_SCHOOL
    assert [w.code for w in WeekdaysOnly] == ["no_school", "no_calendar", "no_day_off"]


@CASES
def test_flags_json_says_why_school_days_are_weekdays(
    sqlite_engine: Engine, data: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None], code: str | None, why: str | None,
) -> None:
    db = _loaded(sqlite_engine, data, change)
    students = json.loads(_flags(capsys, db, "json"))["students"]
    assert {s["id"] for s in students} == {"stu-1", "stu-2", "stu-3"}
    for s in students:
        assert s["metrics"]["school_days_all_weekdays"] == code, s["id"]
        assert "school_days_all_weekdays" not in s  # (in metrics, beside school_days)
    # the pure path (the cache's rows, no materialized facts) says the same
    with sqlite_engine.connect() as conn:
        got = cache_inputs.inputs(conn, select(cache_inputs.users.c.sourced_id))
    assert len(got) == 3
    want = None if code is None else WeekdaysOnly(code.replace("_", " "))
    for inp in got:
        assert analysis.student_report(inp, AS_OF, Thresholds()).metrics \
            .school_days_all_weekdays is want


@CASES
def test_flags_csv_and_table_say_why(
    sqlite_engine: Engine, data: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], None], code: str | None, why: str | None,
) -> None:
    db = _loaded(sqlite_engine, data, change)
    rows = list(csv.reader(io.StringIO(_flags(capsys, db, "csv"))))
    # the column comes last: every column before it is where it was
    assert rows[0][:-1] == flags_output.CSV_COLUMNS[:-1] == [
        "student_id", "name", "grade_level", "counselor_ids", "risk", "attendance_rate",
        "unexcused_30d", "absence_streak", "code", "severity", "class_id", "message"]
    assert rows[0][-1] == "school_days_all_weekdays"
    assert len(rows) > 3 and all(r[-1] == (code or "") for r in rows[1:])
    table = " ".join(_flags(capsys, db, "table").split())
    if code is None:
        assert "school days are all weekdays" not in table
    else:
        reason = {"no_calendar": "with no school calendar loaded",
                  "no_day_off": "whose school's calendar marks no day off"}[code]
        assert (f"Note: school days are all weekdays in the terms for 3 of 3 students (3 "
                f"{reason}): their attendance figures count holidays and breaks as school "
                "days.") in table


@CASES
def test_triage_export_says_why(
    sqlite_engine: Engine, data: Path, change: Callable[[Path], None], code: str | None,
    why: str | None,
) -> None:
    _loaded(sqlite_engine, data, change)
    reports = Repository(sqlite_engine).caseload(None, AS_OF)
    listed = triage.TriageList(reports, AS_OF, "All students", "sorted by risk", T0)
    rows = list(csv.reader(io.StringIO(triage.render_csv(listed).decode("utf-8-sig"))))
    assert rows[0][:-1] == triage.CSV_COLUMNS[:-1]
    assert rows[0][-1] == "school_days_all_weekdays"
    assert all(r[-1] == (code or "") for r in rows[1:])
    md = triage.render_md(listed).decode("utf-8")
    if why is None:
        assert "School days are" not in md
    else:
        line = (f"{NOTE}{why}: attendance figures count holidays and breaks as school days.")
        assert md.count(line) == len(reports) == 3


@CASES
def test_meeting_pdf_says_why(
    sqlite_engine: Engine, data: Path, tmp_path: Path, change: Callable[[Path], None],
    code: str | None, why: str | None,
) -> None:
    _loaded(sqlite_engine, data, change)
    repo = Repository(sqlite_engine)
    detail = repo.student("stu-1", AS_OF)
    assert detail.weekdays_only is detail.report.metrics.school_days_all_weekdays  # one answer
    out = tmp_path / "meeting.pdf"
    export_notes([], "pdf", out, students={"stu-1": ("Able, Ada", None)}, as_of=AS_OF,
                 detail_for=lambda sid: repo.student(sid, AS_OF), generated_at=T0,
                 all_students=True)
    text: Any = " ".join(" ".join(p.extract_text() or "" for p in
                                  pypdf.PdfReader(str(out)).pages).split())
    assert "Attendance rate:" in text
    if why is None:
        assert "School days are" not in text
    else:
        assert f"{NOTE}{why} (holidays and breaks count as school days)" in text
