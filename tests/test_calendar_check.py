"""What ``caseload import --check`` (and the import summary) says about school days and rosters.

An audit on the Grand Bend Ed-Fi sample found the "no calendar" line decided for the whole
export: Grand Bend has two calendar days, both for one school and both ordinary instructional
days, so the line disappeared while every school counted every weekday of its terms (Labor Day,
Thanksgiving, spring break) as a school day: 189 days where the export's own sessions say
81 + 88 = 169. It has no enrollments either, and 698 of its 960 students have no school; the
check said neither. Each test here failed before the fix (the shared-data one is skipped when
the sample is absent).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.domain.records import CalendarDay
from caseload.domain.schooldays import WeekdaysOnly, weekdays_only
from caseload.sources.detect import read_path
from caseload.sources.edfi_api import to_dataset
from tests.min_export import edit
from tests.paths import REPO

EDFI_SMALL = REPO / "tests" / "data" / "edfi_small"
FALL_HS = (
    "2021-2022 Fall Semester (Lakeview High School): the export says 80 instructional days; "
    "caseload counts 88 (the weekdays in the term less the days off the school's calendar "
    "marks)"
)


def _check(capsys: pytest.CaptureFixture[str], db: Path, folder: Path) -> list[str]:
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(folder), "--check"]) == 0
    return capsys.readouterr().out.splitlines()


def _missing(lines: list[str]) -> list[str]:
    """The lines under "missing:", without their indent."""
    at = lines.index("missing:")
    return [x.strip() for x in lines[at + 1:]]


# --- the domain: why a school's school days are every weekday -------------------------------


def test_weekdays_only_says_why_no_day_is_off() -> None:
    monday, saturday = dt.date(2026, 9, 7), dt.date(2026, 9, 12)
    off = [CalendarDay("a", monday, False)]
    assert weekdays_only("a", off) is None
    assert weekdays_only("b", off) is WeekdaysOnly.NO_CALENDAR
    assert weekdays_only(None, off) is WeekdaysOnly.NO_SCHOOL
    # only instructional days, or a day off on a weekend: every weekday is a school day
    assert weekdays_only("a", [CalendarDay("a", monday, True)]) is WeekdaysOnly.NO_DAY_OFF
    assert weekdays_only("a", [CalendarDay("a", saturday, False)]) is WeekdaysOnly.NO_DAY_OFF


# --- OneRoster CSV ------------------------------------------------------------------------------


def test_a_school_without_a_calendar_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sch-1's calendar marks Labor Day off; a second school, with a student, has none."""
    with (data / "orgs.csv").open("a", encoding="utf-8") as fh:
        fh.write("sch-2,active,2026-09-01T00:00:00Z,North Middle School,school,S2,dist-1\n")
    edit(data / "roles.csv", "stu-3,primary,student,,,sch-1", "stu-3,primary,student,,,sch-2")
    missing = _missing(_check(capsys, tmp_path / "c.db", data))
    assert missing == [
        "no calendar for 1 of 2 schools (North Middle School): its school days are taken as "
        "weekdays"
    ]


def test_a_calendar_that_marks_no_day_off_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(data / "calendar.csv", "sch-1,2026-09-07,false", "sch-1,2026-09-07,true")
    missing = _missing(_check(capsys, tmp_path / "c.db", data))
    assert missing == [
        "no day off in the calendar of Test High School: its school days are every weekday "
        "in its terms (the calendar marks no holiday or break)"
    ]


def test_no_calendar_at_all_keeps_its_line(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "calendar.csv").unlink()
    missing = _missing(_check(capsys, tmp_path / "c.db", data))
    assert missing == ["no calendar: school days are taken as weekdays"]


def test_no_enrollments_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "enrollments.csv").unlink()
    edit(data / "manifest.csv", "file.enrollments,bulk", "file.enrollments,absent")
    missing = _missing(_check(capsys, tmp_path / "c.db", data))
    assert (
        "no enrollments: no student is rostered in a class (classes show only from gradebook "
        "scores)"
    ) in missing


# --- Ed-Fi XML ------------------------------------------------------------------------------------


@pytest.fixture
def edfi(tmp_path: Path) -> Path:
    folder = tmp_path / "edfi"
    shutil.copytree(EDFI_SMALL, folder)
    return folder


def test_edfi_stated_instructional_days_are_checked(
    edfi: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The high school's fall semester states 80 days; its calendar marks 2 weekdays off in
    90 weekdays. The middle school has no calendar: it is named, and its trimester's 62 days
    against the 70 weekdays caseload counts."""
    lines = _check(capsys, tmp_path / "c.db", edfi)
    notices = [x.strip() for x in lines[: lines.index("would reject: nothing")]]
    assert FALL_HS in notices
    assert (
        "2021-2022 Trimester 1 (Lakeview Middle School): the export says 62 instructional "
        "days; caseload counts 70 (the weekdays in the term less the days off the school's "
        "calendar marks)"
    ) in notices
    assert _missing(lines)[1:] == [
        "no calendar for 1 of 2 schools (Lakeview Middle School): its school days are taken "
        "as weekdays"
    ]
    # where the export and caseload agree, nothing is said
    calendar = edfi / "calendar.xml"
    edit(calendar, "<TotalInstructionalDays>80<", "<TotalInstructionalDays>88<")
    lines = _check(capsys, tmp_path / "c.db", edfi)
    assert not any("Fall Semester (Lakeview High School)" in x for x in lines)
    assert any("Spring Semester (Lakeview High School)" in x for x in lines)


def test_edfi_import_summary_says_where_the_days_differ(
    edfi: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "c.db"), "import", str(edfi)]) == 0
    out = [x.strip() for x in capsys.readouterr().out.splitlines()]
    assert FALL_HS in out


def test_edfi_students_with_no_school_and_no_enrollments(
    edfi: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the schools, their calendar and the students: no enrollment, school association,
    attendance, score or incident gives a student a school or a class."""
    for f in edfi.iterdir():
        if f.name not in ("orgs.xml", "calendar.xml", "export-a.xml"):
            f.unlink()
    ds = read_path(edfi)
    assert not ds.enrollments
    assert all(u.school_id is None for u in ds.users)
    missing = _missing(_check(capsys, tmp_path / "c.db", edfi))
    assert missing[-2:] == [
        "no enrollments: no student is rostered in a class (classes show only from gradebook "
        "scores)",
        "no school for 3 of 3 students: no school calendar applies to them (school days are "
        "the weekdays in every school's terms)",
    ]


def test_edfi_api_keeps_the_stated_instructional_days() -> None:
    school = {"schoolId": 255901001}
    items = {
        "schools": [{"schoolId": 255901001, "nameOfInstitution": "Grand Bend High School"}],
        "sessions": [
            {
                "sessionName": "2021-2022 Fall Semester",
                "schoolReference": school,
                "schoolYearTypeReference": {"schoolYear": 2022},
                "beginDate": "2021-08-23",
                "endDate": "2021-12-17",
                "termDescriptor": "uri://ed-fi.org/TermDescriptor#Fall Semester",
                "totalInstructionalDays": 81,
            }
        ],
    }
    ds = to_dataset("district", items)
    assert ds.stated_days == {"255901001:2021-2022:2021-2022 Fall Semester": 81}


# --- the Grand Bend sample ------------------------------------------------------------------


@pytest.mark.grandbend
def test_grand_bend_check_names_its_calendar_and_roster_gaps(
    grand_bend: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _check(capsys, tmp_path / "gb.db", grand_bend)
    assert _missing(lines)[1:] == [
        "no calendar for 2 of 3 schools (Grand Bend High School, Grand Bend Middle School): "
        "their school days are taken as weekdays",
        "no day off in the calendar of 1 of 3 schools (Grand Bend Elementary School): its "
        "school days are every weekday in its terms (the calendar marks no holiday or break)",
        "no enrollments: no student is rostered in a class (classes show only from gradebook "
        "scores)",
        "no school for 698 of 960 students: no school calendar applies to them (school days "
        "are the weekdays in every school's terms)",
    ]
    schools = "Grand Bend Elementary School, Grand Bend High School, Grand Bend Middle School"
    stated = [x.strip() for x in lines if "instructional days" in x]
    assert stated == [
        f"2021-2022 Fall Semester ({schools}): the export says 81 instructional days; caseload "
        "counts 85 (the weekdays in the term less the days off the school's calendar marks)",
        f"2021-2022 Spring Semester ({schools}): the export says 88 instructional days; "
        "caseload counts 104 (the weekdays in the term less the days off the school's "
        "calendar marks)",
    ]
    assert sum(int(n) for n in re.findall(r"counts (\d+)", "\n".join(stated))) == 189
