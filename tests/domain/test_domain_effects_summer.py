"""A note dated in the summer before the school year's first day (issue 14 §3; audit s21b D5).

"A note on a non-school day counts from the next school day": a note dated 8/20 with the year
starting 8/31 belongs to that year (the year whose sessions contain or next follow the date)
and counts from 8/31; nothing of that year comes before it, so its "before" is null with 0
days. A note from an earlier school year stays null on both sides: the calendar does not hold
its days.

The calendar, by hand: the school year starts Monday 2026-08-31 (the previous one ran
2025-08-25 to 2026-06-12); Monday 9/7 is a holiday. School days: 8/31-9/4, 9/8-9/11...
"""

from __future__ import annotations

import datetime as dt

import pytest

from caseload.domain import analysis
from caseload.domain.attendance import attendance_around, year_from
from caseload.domain.effects import change_since_last, effects_of, latest_effect
from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.domain.records import (
    AcademicSession,
    AttendanceCategory,
    AttendanceEvent,
    CalendarDay,
    Enrollment,
    Role,
    SessionType,
    User,
)
from caseload.domain.report import AttendanceSummary
from caseload.domain.schooldays import periods_at, school_days
from caseload.domain.settings import Thresholds

D = dt.date.fromisoformat
T = Thresholds()
YEAR = AcademicSession(
    "y27", "2026-2027", SessionType.SCHOOL_YEAR, D("2026-08-31"), D("2027-06-11"), school_year=2027
)
LAST = AcademicSession(
    "y26", "2025-2026", SessionType.SCHOOL_YEAR, D("2025-08-25"), D("2026-06-12"), school_year=2026
)
FALL = AcademicSession(
    "fall", "Fall", SessionType.SEMESTER, D("2026-08-31"), D("2027-01-22"), school_year=2027
)
SPRING = AcademicSession(
    "spring", "Spring", SessionType.SEMESTER, D("2026-01-26"), D("2026-06-12"), school_year=2026
)
HOLIDAY = (CalendarDay("s1", D("2026-09-07"), False),)
STUDENT = User("stu1", Role.STUDENT, "Ana", "Zeller", school_id="s1")
AS_OF = D("2026-09-18")


def note(n: int, day: str, kind: NoteType = NoteType.TEACHER_CONSULT) -> Note:
    stamp = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    return Note(
        id=n, student_id="stu1", author_id="cns-1", contact_date=D(day), type=kind, flags=(),
        class_id=None, text="x", follow_up=None, status=NoteStatus.OPEN, created_at=stamp,
        updated_at=stamp,
    )


def summary(
    sessions: tuple[AcademicSession, ...] = (LAST, YEAR, FALL),
    absences: tuple[str, ...] = ("2026-09-01", "2026-09-03"),
    begin: str = "2026-08-31",
    as_of: dt.date = AS_OF,
) -> AttendanceSummary:
    """The student screen's attendance calendar at ``as_of`` (``analysis.attendance_summary``)."""
    inp = analysis.StudentInput(
        STUDENT,
        enrollments=(Enrollment("e1", "c1", "stu1", Role.STUDENT, D(begin)),),
        attendance=tuple(
            AttendanceEvent(f"a{i}", "stu1", D(d), AttendanceCategory.UNEXCUSED_ABSENCE)
            for i, d in enumerate(absences)
        ),
        school_days=school_days("s1", sessions, HOLIDAY),
        sessions=sessions,
        attendance_through=dt.date.max,
    )
    return analysis.attendance_summary(inp, as_of, T)


# --- which school year a date belongs to ----------------------------------------------------


def test_the_year_runs_from_july_1_or_the_end_of_the_previous_school_year() -> None:
    assert periods_at((LAST, YEAR, FALL), AS_OF, "s1").prior_end == D("2026-06-12")
    assert periods_at((YEAR, FALL), AS_OF, "s1").prior_end is None
    # the year's own term does not end before it
    assert periods_at((FALL,), AS_OF, "s1").prior_end is None
    # an earlier session of any type ends the previous year: here last spring's term
    assert periods_at((SPRING, FALL), AS_OF, "s1").prior_end == D("2026-06-12")
    assert year_from(D("2026-08-31"), D("2026-06-12")) == D("2026-07-01")
    assert year_from(D("2026-08-31"), None) == D("2026-07-01")
    # a year-round school: last year ends 7/10, this one starts 7/20
    assert year_from(D("2026-07-20"), D("2026-07-10")) == D("2026-07-11")
    # a year starting in January to June with nothing earlier loaded: no summer (the July 1
    # before it may be in the previous school year: review s21 F2); with the previous year's
    # end loaded, the summer from the day after it
    assert year_from(D("2027-02-01"), None) == D("2027-02-01")
    assert year_from(D("2026-06-15"), None) == D("2026-06-15")
    assert year_from(D("2026-02-02"), D("2025-12-05")) == D("2025-12-06")
    # a gap longer than SUMMER_MAX (100 days) is no summer: the previous year is missing
    assert year_from(D("2026-02-02"), D("2024-12-05")) == D("2026-02-02")
    assert year_from(D("2026-11-02"), None) == D("2026-11-02")
    # ...but the July 1 rule still bounds a July-December year whose prior end is far back
    assert year_from(D("2026-08-31"), D("2025-06-12")) == D("2026-07-01")
    assert summary().year_from == D("2026-07-01")
    # the US case with only last spring's term loaded (no schoolYear session): as before
    assert summary((SPRING, FALL)).year_from == D("2026-07-01")


# --- the effect of a summer note -------------------------------------------------------------


def test_a_summer_note_counts_from_the_first_school_day() -> None:
    cal = summary()
    assert cal.days[0][0] == D("2026-08-31")
    (got,) = effects_of([note(1, "2026-08-20")], cal.days, AS_OF, 5, year_from=cal.year_from)
    # after: 8/31, 9/1 (absent), 9/2, 9/3 (absent), 9/4: 3 of 5; before: nothing of this year
    assert (got.attendance_before, got.days_before, got.attendance_after, got.days_after) == (
        None, 0, 60.0, 5)
    # the same as a note on the first school day itself, after it
    (first,) = effects_of([note(2, "2026-08-31")], cal.days, AS_OF, 5, year_from=cal.year_from)
    assert (first.attendance_after, first.days_after) == (60.0, 5)
    # July 1, the year's first day, counts; June 30 belongs to the earlier year
    (july,) = effects_of([note(3, "2026-07-01")], cal.days, AS_OF, 15, year_from=cal.year_from)
    assert (july.attendance_after, july.days_after) == (pytest.approx(100 * 12 / 14), 14)


@pytest.mark.parametrize(
    "day",
    [
        "2026-06-30",  # the summer, but before July 1: the earlier year's (July to June)
        "2026-06-12",  # the earlier year's last day
        "2026-05-20",  # inside the earlier year
    ],
)
def test_a_note_from_an_earlier_school_year_stays_null(day: str) -> None:
    cal = summary()
    (got,) = effects_of([note(1, day)], cal.days, AS_OF, 5, year_from=cal.year_from)
    assert (got.attendance_before, got.days_before, got.attendance_after, got.days_after) == (
        None, 0, None, 0)


def test_a_year_round_schools_previous_year_is_not_this_years_summer() -> None:
    last = AcademicSession("y26", "2025-2026", SessionType.SCHOOL_YEAR, D("2025-07-21"),
                           D("2026-07-10"))
    this = AcademicSession("y27", "2026-2027", SessionType.SCHOOL_YEAR, D("2026-07-20"),
                           D("2027-07-09"))
    term = AcademicSession("t1", "Term 1", SessionType.TERM, D("2026-07-20"), D("2026-10-02"))
    cal = summary((last, this, term), absences=("2026-07-21",), begin="2026-07-20",
                  as_of=D("2026-08-14"))
    assert cal.year_from == D("2026-07-11")
    notes = [note(1, "2026-07-08"), note(2, "2026-07-15")]
    old, summer = effects_of(notes, cal.days, D("2026-08-14"), 5, year_from=cal.year_from)
    assert (old.attendance_after, old.days_after) == (None, 0)  # inside last year's session
    # 7/20-7/24, absent 7/21: 4 of 5
    assert (summer.attendance_before, summer.attendance_after, summer.days_after) == (
        None, 80.0, 5)


def test_a_summer_note_of_a_late_enrollee_counts_from_the_enrollment() -> None:
    cal = summary(absences=("2026-09-15",), begin="2026-09-14")
    (got,) = effects_of([note(1, "2026-08-20")], cal.days, AS_OF, 5, year_from=cal.year_from)
    # enrolled from 9/14: 9/14, 9/15 (absent), 9/16, 9/17, 9/18: 4 of 5
    assert (got.attendance_before, got.days_before, got.attendance_after, got.days_after) == (
        None, 0, 80.0, 5)


def test_no_attendance_known_stays_null() -> None:
    around = attendance_around([], D("2026-08-20"), 5, D("2026-07-01"))
    assert (around.rate_before, around.days_before, around.rate_after, around.days_after) == (
        None, 0, None, 0)


def test_the_student_screen_line_and_the_change_since_the_last_intervention() -> None:
    """The screen's line shows the summer note's "after"; the caseload's change since the
    last intervention (sort `s` `i`) stays unknown: no day of the year comes before it, and
    an earlier note's figure is never used instead."""
    cal = summary()
    notes = [note(1, "2026-08-20", NoteType.PARENT_CONTACT)]
    effect = latest_effect(notes, cal.days, AS_OF, year_from=cal.year_from)
    assert effect is not None
    # 15 days from 8/31 up to the as-of date 9/18: 14, absent 9/1 and 9/3: 12 of 14
    assert effect.text() == (
        "since the 8/20 parent contact: — to 86% attendance (0 and 14 days)")
    assert change_since_last(notes, cal.days, AS_OF, year_from=cal.year_from) is None
    # without year_from (the calendar alone), as before: nothing known
    (bare,) = effects_of(notes, cal.days, AS_OF)
    assert (bare.attendance_after, bare.days_after) == (None, 0)


# --- a school year starting in February (a calendar-year school; review s21 F2) --------------

# the year 2026-02-02 to 2026-12-04; the previous one's first term ran 2025-02-03 to 2025-06-27,
# its second 2025-07-14 to 2025-12-05
FEB_YEAR = AcademicSession(
    "y2026", "2026", SessionType.SCHOOL_YEAR, D("2026-02-02"), D("2026-12-04"), school_year=2026
)
FEB_TERM = AcademicSession(
    "t1", "Term 1", SessionType.TERM, D("2026-02-02"), D("2026-06-26"), school_year=2026
)
PREV_TERM = AcademicSession(
    "t2-25", "Term 2", SessionType.TERM, D("2025-07-14"), D("2025-12-05"), school_year=2025
)
FEB_AS_OF = D("2026-03-06")


@pytest.mark.parametrize(
    "sessions",
    [(FEB_YEAR, FEB_TERM), (FEB_TERM,)],
    ids=["school-year-session", "terms-only"],
)
def test_a_february_year_alone_has_no_summer(sessions: tuple[AcademicSession, ...]) -> None:
    """Only the year starting 2026-02-02 loaded (a one-year export): the July 1 before it is
    in the previous school year, so a note from the previous September stays null, and so
    does one in January (nothing shows where the previous year ended): as before a87990d."""
    cal = summary(sessions, absences=("2026-02-03",), begin="2026-02-02", as_of=FEB_AS_OF)
    assert cal.days[0][0] == D("2026-02-02")
    assert cal.year_from == D("2026-02-02")
    notes = [note(1, "2025-09-15"), note(2, "2026-01-20"), note(3, "2026-02-02")]
    sept, jan, first = effects_of(notes, cal.days, FEB_AS_OF, 5, year_from=cal.year_from)
    for got in (sept, jan):
        assert (got.attendance_before, got.days_before, got.attendance_after,
                got.days_after) == (None, 0, None, 0)
    # 2/2-2/6, absent 2/3: 4 of 5
    assert (first.attendance_after, first.days_after) == (80.0, 5)


def test_a_february_year_after_an_earlier_term_counts_its_summer() -> None:
    """The previous year's last term loaded (it ends 2025-12-05): the summer runs from 12/6,
    so a note on 2026-01-20 counts from 2/2; one inside that term stays null."""
    cal = summary((PREV_TERM, FEB_YEAR, FEB_TERM), absences=("2026-02-03",),
                  begin="2026-02-02", as_of=FEB_AS_OF)
    assert cal.year_from == D("2025-12-06")
    notes = [note(1, "2025-09-15"), note(2, "2025-12-05"), note(3, "2026-01-20")]
    sept, last_day, summer = effects_of(notes, cal.days, FEB_AS_OF, 5, year_from=cal.year_from)
    for got in (sept, last_day):
        assert (got.attendance_after, got.days_after) == (None, 0)
    assert (summer.attendance_before, summer.days_before, summer.attendance_after,
            summer.days_after) == (None, 0, 80.0, 5)
