"""Issue 12, "The class page tells the truth": pilot checks of the class screen."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from textual.pilot import Pilot

from caseload.domain.report import AssignmentStatus, risk_points
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.widgets.key_table import KeyTable

from .conftest import screen_text, settle
from .fakes import AS_OF

SIZE = (120, 40)


async def open_algebra(app: CaseloadApp, pilot: Pilot) -> ClassScreen:
    """The fake school's s001 in Algebra I (missing assignments among others)."""
    await settle(pilot)
    app.open_student("s001")
    await settle(pilot)
    app.open_class("s001", "alg1")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ClassScreen) and screen.detail is not None
    return screen


async def test_stale_gives_the_real_gap_and_the_date(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_student("s005")
        await settle(pilot)
        student = screen_text(app)
        app.open_class("s005", "hist")
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen)
        text = screen_text(app)
        since = AS_OF - dt.timedelta(days=21)
        assert f"no new scores in 21 days, since {since.month}/{since.day}" in text
        assert "14 days" not in text
        # one "last score" date for the class on both screens
        assert f"last score {since.isoformat()}" in text
        assert since.isoformat() in student


async def test_class_screen_missing_filter_sort_and_first_last_keys(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_algebra(app, pilot)
        table = screen.query_one("#assignments", KeyTable)
        everything = screen.detail.assignments
        missing = [a for a in everything if AssignmentStatus.MISSING in a.status]
        assert missing and len(missing) < len(everything)
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor_row == len(everything) - 1
        await pilot.press("g")
        await settle(pilot)
        assert table.cursor_row == 0
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == len(everything) - 1
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0
        await pilot.press("m")
        await settle(pilot)
        assert table.row_count == len(missing)
        assert "Missing assignments" in screen_text(app)
        # those with nothing entered are said apart (the student screen counts the others)
        unrecorded = sum(1 for a in missing if a.unrecorded)
        said = f"{unrecorded} past due with nothing entered yet"
        assert (said in screen_text(app)) == bool(unrecorded)
        await pilot.press("m")
        await settle(pilot)
        assert table.row_count == len(everything)
        await pilot.press("s")
        await settle(pilot)
        shown = [str(k.value) for k in table.rows]
        by_score = sorted(everything, key=lambda a: (a.percent is None, a.percent or 0.0))
        assert shown == [a.line_item_id for a in by_score]
        assert shown != [a.line_item_id for a in everything]
        await pilot.press("s")
        await settle(pilot)
        assert [str(k.value) for k in table.rows] == [a.line_item_id for a in everything]


async def test_student_flags_say_the_points_each_adds_not_a_severity_word(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_student("s005")
        await settle(pilot)
        screen = app.screen
        text = screen_text(app)
        report = screen.detail.report
        for flag, points in risk_points(report.flags):
            assert f"+{points} {flag.code.label}" in text
        assert f"= risk {report.risk}" in text
        assert "MED " not in text and "HIGH " not in text


@pytest.mark.parametrize("size", [(120, 40), (200, 60), (80, 24)])
async def test_without_a_chart_the_categories_still_show(make_app, size):
    """A class with no complete week of grades has a note in place of the chart; on a wide
    screen that note took the whole row and pushed the categories beside it off the screen.
    A short screen (80x24) puts the categories beside it too."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_algebra(app, pilot)
        screen.show(dataclasses.replace(screen.detail, weekly=()), AS_OF)
        await settle(pilot)
        assert not screen.query("#chart") and screen.query("#no-chart")
        view = screen.query_one("#class-body").scrollable_content_region
        assert view.contains_region(screen.query_one("#categories-box").region)
        assert "By category" in screen_text(app)
