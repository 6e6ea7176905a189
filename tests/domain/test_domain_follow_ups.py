"""Follow-ups: due, this week, next week (the follow-ups screen's ``2``: upcoming)."""

from __future__ import annotations

import datetime as dt

from caseload.domain.notes import (
    Note,
    NoteStatus,
    NoteType,
    follow_up_when,
    follow_up_window,
    upcoming_follow_ups,
)

FRIDAY = dt.date(2026, 11, 20)
T = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def note(id: int, follow_up: dt.date | None, *, status: NoteStatus = NoteStatus.OPEN,
         deleted: bool = False) -> Note:
    return Note(id=id, student_id="s", author_id="c", contact_date=dt.date(2026, 11, 1),
                type=NoteType.OTHER, flags=(), class_id=None, text="t", follow_up=follow_up,
                status=status, created_at=T, updated_at=T, deleted=deleted)


def test_weeks_end_on_sunday() -> None:
    assert follow_up_window(FRIDAY) == (dt.date(2026, 11, 22), dt.date(2026, 11, 29))
    sunday = dt.date(2026, 11, 22)
    assert follow_up_window(sunday) == (sunday, dt.date(2026, 11, 29))


def test_when() -> None:
    assert follow_up_when(dt.date(2026, 11, 19), FRIDAY) == "due"
    assert follow_up_when(FRIDAY, FRIDAY) == "due"
    assert follow_up_when(dt.date(2026, 11, 22), FRIDAY) == "this week"
    assert follow_up_when(dt.date(2026, 11, 23), FRIDAY) == "next week"
    assert follow_up_when(dt.date(2026, 11, 29), FRIDAY) == "next week"
    assert follow_up_when(dt.date(2026, 11, 30), FRIDAY) == "later"


def test_upcoming_only_open_live_after_as_of_soonest_first() -> None:
    notes = [
        note(1, dt.date(2026, 11, 25)), note(2, dt.date(2026, 11, 21)),
        note(3, FRIDAY), note(4, None), note(5, dt.date(2026, 11, 30)),
        note(6, dt.date(2026, 11, 23), status=NoteStatus.DONE),
        note(7, dt.date(2026, 11, 23), deleted=True),
    ]
    assert [n.id for n in upcoming_follow_ups(notes, FRIDAY)] == [2, 1]
