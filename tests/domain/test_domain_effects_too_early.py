"""The app's "did it work" line and the caseload's sort ``s i`` (issue 14 §3) on a thin "after"
side (usability review s22, item 3): a note written today rests on today alone, so a student
absent on the meeting day read "47% to 0% attendance" and ranked as the caseload's biggest
drop. The line now says how many school days each side rests on, and below
``MIN_DAYS_AFTER`` school days after the note it says "too early to tell" and ranks nothing.
``caseload notes effects`` (the JSON of issue 14) is unchanged: every figure, whatever its days.

Calendars by hand: school days Monday 11/2 to Friday 11/20 (no weekend listed), every day
present but those marked absent.
"""

from __future__ import annotations

import datetime as dt

import pytest

from caseload.domain.effects import (
    MIN_DAYS_AFTER,
    NoteEffect,
    TooEarly,
    change_since_last,
    effects_of,
    latest_effect,
)
from caseload.domain.notes import ContactMethod, Note, NoteStatus, NoteType
from caseload.domain.report import DayStatus

D = dt.date
P, A = DayStatus.PRESENT, DayStatus.UNEXCUSED
SCHOOL_DAYS = [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20)]


def calendar(absent: set[int], through: int = 20) -> list[tuple[dt.date, DayStatus]]:
    return [(day, A if day.day in absent else P) for day in SCHOOL_DAYS if day.day <= through]


def note(day: dt.date, kind: NoteType = NoteType.STUDENT_MEETING) -> Note:
    stamp = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    return Note(1, "s", "c", day, kind, (), None, "x", None, NoteStatus.OPEN, stamp, stamp)


def effect(before: float | None, after: float | None, days_before: int,
           days_after: int) -> NoteEffect:
    return NoteEffect(1, D(2026, 11, 20), NoteType.STUDENT_MEETING, None, before, after,
                      days_before, days_after)


def test_the_minimum_is_one_school_week() -> None:
    assert MIN_DAYS_AFTER == 5


def test_a_note_written_today_is_too_early_to_tell() -> None:
    # the review's case: absent on the meeting day itself (11/20) after 7 absences in the 14
    # school days before it: 50% to 0% over one day, which the line showed as a change
    cal = calendar(absent={3, 4, 5, 9, 10, 11, 12, 20})
    found = latest_effect([note(D(2026, 11, 20))], cal, D(2026, 11, 20), days=15)
    assert found is not None
    assert (found.days_before, found.days_after) == (14, 1)  # (11/2-11/19: 14 school days)
    assert found.too_early()
    assert found.text() == "since the 11/20 student meeting: too early to tell (1 school day after)"
    assert change_since_last([note(D(2026, 11, 20))], cal, D(2026, 11, 20)) == TooEarly(1)
    # the CLI's JSON keeps every figure, and no other field (issue 14's keys, exactly)
    assert found.to_json() == {
        "note": 1, "date": "2026-11-20", "type": "student_meeting",
        "attendance_before": 50.0, "attendance_after": 0.0, "days_before": 14, "days_after": 1}


def test_the_threshold_is_inclusive_five_school_days_are_shown() -> None:
    notes = [note(D(2026, 11, 16), NoteType.REFERRAL)]  # Monday: 11/16-11/20 after it
    cal = calendar(absent={16})
    four = latest_effect(notes, calendar(absent={16}, through=19), D(2026, 11, 19))
    assert four is not None and four.days_after == 4
    assert four.text() == "since the 11/16 referral: too early to tell (4 school days after)"
    five = latest_effect(notes, cal, D(2026, 11, 20))
    assert five is not None and five.days_after == 5 and not five.too_early()
    assert five.text() == "since the 11/16 referral: 100% to 80% attendance (10 and 5 days)"
    assert change_since_last(notes, cal, D(2026, 11, 20)) == pytest.approx(-20.0)


def test_no_day_after_yet_is_too_early_and_no_day_at_all_is_unknown() -> None:
    # attendance recorded through 11/19, the note on 11/20: no day after it yet
    cal = calendar(absent=set(), through=19)
    (found,) = effects_of([note(D(2026, 11, 20))], cal, D(2026, 11, 20))
    assert (found.days_before, found.days_after, found.attendance_after) == (14, 0, None)
    assert found.text() == "since the 11/20 student meeting: too early to tell (0 school days after)"
    assert change_since_last([note(D(2026, 11, 20))], cal, D(2026, 11, 20)) == TooEarly(0)
    # no attendance at all (a school without it, a note from an earlier year): unknown
    (bare,) = effects_of([note(D(2026, 11, 20))], [], D(2026, 11, 20))
    assert not bare.too_early()
    assert bare.text() == "since the 11/20 student meeting: no attendance around it to compare"
    assert change_since_last([note(D(2026, 11, 20))], [], D(2026, 11, 20)) is None


def test_the_line_gives_each_sides_school_days() -> None:
    call = NoteEffect(7, D(2026, 11, 3), NoteType.PARENT_CONTACT, ContactMethod.PHONE,
                      100.0, 80.0, 1, 5)
    assert call.text() == "since the 11/3 parent call: 100% to 80% attendance (1 and 5 days)"
    summer = effect(None, 60.0, 0, 15)  # (a note in the summer before the year: no day before)
    assert summer.text() == (
        "since the 11/20 student meeting: — to 60% attendance (0 and 15 days)")
    assert TooEarly(2).text() == "too early to tell (2 school days after)"


def test_a_window_shorter_than_the_minimum_needs_only_the_window() -> None:
    notes = [note(D(2026, 11, 18))]
    cal = calendar(absent={19})  # after: 11/18, 11/19 (absent), 11/20
    assert change_since_last(notes, cal, D(2026, 11, 20), days=3) == pytest.approx(-100 / 3)
    assert change_since_last(notes, cal, D(2026, 11, 20), days=4) == TooEarly(3)
    assert effect(100.0, 50.0, 2, 2).too_early(min_days_after=2) is False
