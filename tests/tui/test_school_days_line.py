"""The Attendance tab says when the student's school days are every weekday in the terms.

With no calendar for the student's school (or one that marks no day off), holidays and breaks
count as school days, and as days present: the Attendance tab said nothing of it (an audit on
the Grand Bend Ed-Fi sample, where two of three schools have no calendar). It now says so in
one muted line, from the student's detail (``StudentDetail.weekdays_only``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.widgets import Static

from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.student import StudentScreen
from tests.min_export import as_is, no_calendar, no_day_off

from .conftest import screen_lines, screen_text, settle, wait_until

AS_OF = dt.date(2026, 10, 2)  # the min export's own date
NOW = dt.datetime(2026, 10, 2, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (no_calendar, "School days are all weekdays in the terms: no school calendar was "
                       "loaded"),
        (no_day_off, "School days are all weekdays in the terms: the calendar marks no day "
                      "off"),
        (as_is, None),  # Labor Day is off: nothing to say
    ],
    ids=["no-calendar", "no-day-off", "calendar"],
)
async def test_attendance_tab_says_school_days_are_weekdays(
    sqlite_engine: Engine, data: Path, change: Callable[[Path], None], line: str | None
) -> None:
    change(data)
    load(sqlite_engine, read_path(data))
    app = CaseloadApp(Repository(sqlite_engine), counselor_id="cns-1", as_of=AS_OF,
                      now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student("stu-1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await pilot.press("2")
        await settle(pilot)
        summary = app.screen.query_one("#attendance-summary", Static)
        summary.scroll_visible(animate=False)
        await settle(pilot)
        lines = screen_lines(app)
        assert any("Attendance rate" in x for x in lines)
        if line is None:
            assert "School days are" not in screen_text(app)
        else:
            assert any(line in x for x in lines), "not one line at 80 columns"
