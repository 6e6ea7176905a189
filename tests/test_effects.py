"""``caseload notes effects`` (issue 14 §3) against hand-computed cases on the edges: a note
on a holiday, a period-built day, a late enrollee with an absence before enrollment, no
attendance after the note, no attendance at all. The school and its calendar:
tests/issue14_school.py (school days 10/5-10/9, 10/13-10/16 after the 10/12 holiday,
10/19-10/23, 10/26-10/30; attendance recorded through 10/27)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from caseload.cli import main
from caseload.domain.attendance import attendance_around
from caseload.domain.report import DayStatus
from tests.issue14_school import write_school


def add(capsys: pytest.CaptureFixture[str], db: str, student: str, kind: str, date: str,
        *extra: str) -> int:
    capsys.readouterr()
    assert main(["--db", db, "notes", "add", "--student", student, "--type", kind, "--text",
                 "x", "--date", date, "--author", "cns-1", "--format", "json", *extra]) == 0
    return int(json.loads(capsys.readouterr().out)["id"])


def effects(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    capsys.readouterr()
    assert main(["--db", db, "notes", "effects", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("effects")
    return write_school(root / "school")


@pytest.fixture
def db(school: Path, tmp_path: Path, new_cache) -> str:
    path = str(new_cache)
    assert main(["--db", path, "import", str(school)]) == 0
    return path


def test_note_on_a_holiday_and_a_period_built_day(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    note = add(capsys, db, "stu-1", "parent_contact", "2026-10-12", "--method", "phone")
    add(capsys, db, "stu-1", "other", "2026-10-12")  # not an intervention type: left out
    gone = add(capsys, db, "stu-1", "referral", "2026-10-13")
    assert main(["--db", db, "notes", "delete", str(gone)]) == 0
    add(capsys, db, "stu-1", "referral", "2026-10-26")  # after the as-of date: left out
    got = effects(capsys, db, "--student", "stu-1", "--as-of", "2026-10-23", "--days", "5")
    # before: 10/5-10/9, absent 10/9: 4 of 5. After: the 10/12 holiday counts from 10/13:
    # 10/13, 10/14, 10/15 (absent from 1 of 2 classes: a full day), 10/16, 10/19: 1 of 5
    assert got == [{"note": note, "date": "2026-10-12", "type": "parent_contact",
                    "attendance_before": 80.0, "attendance_after": 20.0,
                    "days_before": 5, "days_after": 5}]


def test_default_days_is_fifteen(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    note = add(capsys, db, "stu-2", "student_meeting", "2026-09-02")
    got = effects(capsys, db, "--student", "stu-2", "--as-of", "2026-10-16")
    # before: only 8/31 and 9/1 (the year's first days), both present. After: 15 school
    # days from 9/2 (9/2-9/4, 9/8-9/11, 9/14-9/18, 9/21-9/23), absent 9/2 and 9/3: 13 of 15
    assert got == [{"note": note, "date": "2026-09-02", "type": "student_meeting",
                    "attendance_before": 100.0, "attendance_after": 86.7,
                    "days_before": 2, "days_after": 15}]


def test_a_note_in_the_summer_before_the_year_counts_from_its_first_day(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """8/20 is before the school year's first day (8/31), in its summer: it counts from 8/31
    (it had null and 0 days); nothing of the year comes before it. 6/20 is the earlier school
    year's (July to June): its days are not this calendar's, so null as before."""
    summer = add(capsys, db, "stu-2", "teacher_consult", "2026-08-20")
    june = add(capsys, db, "stu-2", "referral", "2026-06-20")
    got = effects(capsys, db, "--student", "stu-2", "--as-of", "2026-10-16")
    # after: 15 school days from 8/31 (8/31-9/4, 9/8-9/11, 9/14-9/18, 9/21), absent 9/2 and
    # 9/3: 13 of 15
    assert got == [
        {"note": june, "date": "2026-06-20", "type": "referral",
         "attendance_before": None, "attendance_after": None,
         "days_before": 0, "days_after": 0},
        {"note": summer, "date": "2026-08-20", "type": "teacher_consult",
         "attendance_before": None, "attendance_after": 86.7,
         "days_before": 0, "days_after": 15},
    ]


def test_late_enrollee_and_no_attendance_after_the_note(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = add(capsys, db, "stu-3", "attendance_intervention", "2026-10-14")
    last = add(capsys, db, "stu-3", "teacher_consult", "2026-10-28")
    got = effects(capsys, db, "--student", "stu-3", "--as-of", "2026-10-30", "--days", "5")
    assert got == [
        # enrolled from 10/14: no enrolled day before (10/13's absence is before enrollment);
        # after: 10/14, 10/15 (absent), 10/16, 10/19, 10/20: 4 of 5
        {"note": first, "date": "2026-10-14", "type": "attendance_intervention",
         "attendance_before": None, "attendance_after": 80.0,
         "days_before": 0, "days_after": 5},
        # attendance is recorded through 10/27: nothing known after the 10/28 note;
        # before: 10/21-10/23, 10/26, 10/27 (absent): 4 of 5
        {"note": last, "date": "2026-10-28", "type": "teacher_consult",
         "attendance_before": 80.0, "attendance_after": None,
         "days_before": 5, "days_after": 0},
    ]


def test_after_window_stops_at_the_as_of_date(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    note = add(capsys, db, "stu-1", "referral", "2026-10-15")
    got = effects(capsys, db, "--student", "stu-1", "--as-of", "2026-10-16", "--days", "5")
    # after: 10/15 and 10/16 only (both absent); before: 10/7, 10/8, 10/9 (absent), 10/13
    # (absent), 10/14 (absent): 2 of 5
    assert got == [{"note": note, "date": "2026-10-15", "type": "referral",
                    "attendance_before": 40.0, "attendance_after": 0.0,
                    "days_before": 5, "days_after": 2}]


def test_no_attendance_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str], new_cache) -> None:
    school = write_school(tmp_path / "school")
    (school / "attendance.csv").unlink()
    db = str(new_cache)
    assert main(["--db", db, "import", str(school)]) == 0
    note = add(capsys, db, "stu-1", "parent_contact", "2026-10-12")
    got = effects(capsys, db, "--student", "stu-1", "--as-of", "2026-10-23")
    assert got == [{"note": note, "date": "2026-10-12", "type": "parent_contact",
                    "attendance_before": None, "attendance_after": None,
                    "days_before": 0, "days_after": 0}]


def test_errors_and_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "notes", "effects", "--student", "nobody"]) == 1
    assert main(["--db", db, "notes", "effects", "--student", "stu-1", "--days", "0"]) == 1
    capsys.readouterr()
    assert main(["--db", db, "notes", "effects", "--student", "stu-1",
                 "--as-of", "2026-10-23"]) == 0
    assert "No intervention notes." in capsys.readouterr().out
    add(capsys, db, "stu-1", "parent_contact", "2026-10-12", "--method", "phone")
    assert main(["--db", db, "notes", "effects", "--student", "stu-1", "--as-of", "2026-10-23",
                 "--days", "5"]) == 0
    assert "80.0% of 5 days  20.0% of 5 days" in capsys.readouterr().out
    # one school day each side: "of 1 day", never "of 1 days" (10/9 and 10/13 absent)
    assert main(["--db", db, "notes", "effects", "--student", "stu-1", "--as-of", "2026-10-23",
                 "--days", "1"]) == 0
    table = capsys.readouterr().out
    assert "0.0% of 1 day  0.0% of 1 day" in table and "1 days" not in table


def test_attendance_around_pure() -> None:
    d = dt.date.fromisoformat
    P, U, N, X = (DayStatus.PRESENT, DayStatus.UNEXCUSED, DayStatus.NO_SCHOOL,
                  DayStatus.NOT_ENROLLED)
    cal = [(d("2026-09-01"), X), (d("2026-09-02"), P), (d("2026-09-03"), U),
           (d("2026-09-04"), N), (d("2026-09-05"), N), (d("2026-09-07"), P)]
    around = attendance_around(cal, d("2026-09-05"), 2)
    assert (around.rate_before, around.days_before) == (50.0, 2)
    assert (around.rate_after, around.days_after) == (100.0, 1)
    empty = attendance_around([], d("2026-09-05"), 2)
    assert (empty.rate_before, empty.days_before, empty.rate_after, empty.days_after) == (
        None, 0, None, 0)
    # a note from before the calendar (an earlier school year): the calendar's first days
    # are not the days after it, and none before it is known
    earlier = attendance_around(cal, d("2026-05-20"), 2)
    assert (earlier.rate_before, earlier.days_before, earlier.rate_after,
            earlier.days_after) == (None, 0, None, 0)


def test_the_student_screen_line() -> None:
    from caseload.domain.notes import ContactMethod, NoteType
    from caseload.services.effects import NoteEffect

    d = dt.date(2026, 11, 3)
    call = NoteEffect(7, d, NoteType.PARENT_CONTACT, ContactMethod.PHONE, 78.3, 92.1, 15, 12)
    assert call.text() == (
        "since the 11/3 parent call: 78% to 92% attendance (15 and 12 days)")
    meeting = NoteEffect(8, d, NoteType.STUDENT_MEETING, None, None, None, 0, 0)
    assert meeting.text() == "since the 11/3 student meeting: no attendance around it to compare"
