"""``caseload changes`` (issue 14 §2) against hand-computed cases on the edges: a holiday, a
late enrollee, absences before enrollment, a period-built day, a since-date before the school
year, follow-ups due in the window. The school and its calendar: tests/issue14_school.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caseload.cli import main
from tests.issue14_school import write_school


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("changes")
    school = write_school(root / "school")
    path = str(root / "cache.db")
    assert main(["--db", path, "import", str(school)]) == 0
    for student, follow_up in (
        ("stu-3", "2026-10-15"),  # came due in (10/9, 10/16]: counted
        ("stu-1", "2026-10-05"),  # due before the since-date: not a change
        ("stu-2", "2026-10-20"),  # not due yet at 10/16
    ):
        assert main(["--db", path, "notes", "add", "--student", student, "--type",
                     "parent_contact", "--text", "called home", "--date", "2026-10-01",
                     "--follow-up", follow_up, "--author", "cns-1"]) == 0
    return path


def changes(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    capsys.readouterr()
    assert main(["--db", db, "changes", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_week_in_october(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    got = changes(capsys, db, "--since", "2026-10-09", "--as-of", "2026-10-16",
                  "--counselor", "all")
    assert got == [
        # 10/13, 10/14, 10/15 (period-built: 1 of 2 classes), 10/16; the 10/12 holiday
        # record is no school day and 10/9 is the since-date itself. Streak 10/9-10/16 (the
        # holiday neither counts nor breaks it) = 5; unexcused in 30 days = 5; absent 5 of
        # 33 school days = 15%: all three new. FAILING_STREAK (Algebra) and STALE (English)
        # at both dates: no change; Algebra's STALE went away, English's stays: same code.
        {"student": "stu-1", "new": ["ABSENCE_STREAK", "CHRONIC_ABSENCE", "UNEXCUSED_ABSENCES"],
         "cleared": [], "grade_drops": [], "absences": 4, "follow_ups_due": 0},
        # Algebra 91.0 -> 65.5 (Unit 2 Test, 40 on 10/14): LOW and DROP new; EARLY (9/2,
        # 9/3) at both dates
        {"student": "stu-2", "new": ["GRADE_DROP", "LOW_GRADE"], "cleared": [],
         "grade_drops": [{"class": "cls-alg", "from": 91.0, "to": 65.5}], "absences": 0,
         "follow_ups_due": 0},
        # enrolled from 10/14: the 10/13 absence is before it, 10/15 counts; one follow-up
        # came due on 10/15
        {"student": "stu-3", "new": [], "cleared": [], "grade_drops": [], "absences": 1,
         "follow_ups_due": 1},
    ]


def test_counselor_scope_and_me(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    got = changes(capsys, db, "--since", "2026-10-09", "--as-of", "2026-10-16",
                  "--counselor", "cns-1")
    assert [c["student"] for c in got] == ["stu-1", "stu-2"]  # stu-3 is on no caseload


def test_since_before_the_school_year(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # nothing at 8/15 (no school day yet); by 9/4 stu-2 missed 9/2 and 9/3 (days 3 and 4)
    got = changes(capsys, db, "--since", "2026-08-15", "--as-of", "2026-09-04",
                  "--counselor", "all")
    assert got == [{"student": "stu-2", "new": ["EARLY"], "cleared": [], "grade_drops": [],
                    "absences": 2, "follow_ups_due": 0}]


def test_cleared_flags_and_absences_after_the_since_date(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # from 10/16 to 10/23: stu-1 came back (present 10/19-10/23): the streak is over (the
    # 30-day unexcused count and the chronic rate still hold: 5 and 5/38 = 13%); stu-2's
    # follow-up came due on 10/20, stu-3's before 10/16; nobody was absent
    got = changes(capsys, db, "--since", "2026-10-16", "--as-of", "2026-10-23",
                  "--counselor", "all")
    assert got == [
        {"student": "stu-1", "new": [], "cleared": ["ABSENCE_STREAK"], "grade_drops": [],
         "absences": 0, "follow_ups_due": 0},
        {"student": "stu-2", "new": [], "cleared": [], "grade_drops": [], "absences": 0,
         "follow_ups_due": 1},
    ]


def test_attendance_after_the_recorded_day_is_unknown(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the school's attendance runs through 10/27 (stu-3's absence that day): stu-3's 10/27
    # counts; nothing later is taken as present or absent
    got = changes(capsys, db, "--since", "2026-10-26", "--as-of", "2026-11-06",
                  "--counselor", "all")
    by_id = {c["student"]: c for c in got}
    assert by_id["stu-3"]["absences"] == 1


def test_table_and_errors(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", db, "changes", "--since", "2026-10-09", "--as-of", "2026-10-16",
                 "--counselor", "all"]) == 0
    out = capsys.readouterr().out
    assert "Changes from 2026-10-09 to 2026-10-16: 3 students" in out
    assert "new ABSENCE_STREAK CHRONIC_ABSENCE UNEXCUSED_ABSENCES; 4 absences" in out
    assert "Algebra I - 1 91.0 to 65.5" in out
    assert "1 absence; 1 follow-up due" in out
    assert main(["--db", db, "changes", "--since", "2026-10-17", "--as-of", "2026-10-16"]) == 1
    assert "after the as-of date" in capsys.readouterr().err


def test_unknown_attendance_is_null(tmp_path: Path, capsys: pytest.CaptureFixture[str], new_cache) -> None:
    school = write_school(tmp_path / "school")
    (school / "attendance.csv").unlink()
    manifest = (school / "manifest.csv").read_text()
    (school / "manifest.csv").write_text(manifest)
    db = str(new_cache)
    assert main(["--db", db, "import", str(school)]) == 0
    got = changes(capsys, db, "--since", "2026-10-09", "--as-of", "2026-10-16",
                  "--counselor", "all")
    # no attendance loaded: absences unknown (null), never 0, and no attendance flag
    assert [c["student"] for c in got] == ["stu-2"]
    assert got[0]["absences"] is None and got[0]["new"] == ["GRADE_DROP", "LOW_GRADE"]
    # the table says so too (it used to say nothing about absences, as if there were none)
    assert main(["--db", db, "changes", "--since", "2026-10-09", "--as-of", "2026-10-16",
                 "--counselor", "all"]) == 0
    out = capsys.readouterr().out
    assert "Changes from 2026-10-09 to 2026-10-16: 1 student\n" in out
    assert "new GRADE_DROP LOW_GRADE; Algebra I - 1 91.0 to 65.5; absences unknown\n" in out


def test_a_window_after_the_recorded_day_is_unknown_not_zero(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # attendance runs through 10/27: in (10/27, 11/06] no day is known, so the absences are
    # unknown (null), never 0; the students are listed for their flag changes
    got = changes(capsys, db, "--since", "2026-10-27", "--as-of", "2026-11-06",
                  "--counselor", "all")
    assert got and all(c["absences"] is None for c in got)
    # a window inside the recorded days still counts (0 when nobody was absent)
    got = changes(capsys, db, "--since", "2026-10-16", "--as-of", "2026-10-23",
                  "--counselor", "all")
    assert got and all(c["absences"] == 0 for c in got)
