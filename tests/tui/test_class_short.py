"""The class screen on a short terminal (80x24 and up to about 30 rows): its first assignments
show on opening, without scrolling, and the header lines, the chart and the categories above
them stay whole on the screen.

On the sample school: English 9 of the snapshots' student (a STALE line, a what-if on two
lines, four categories with short names) and a Health class whose categories have long names
(a wider categories table).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.widgets.key_table import KeyTable

from .conftest import _tables_pending, screen_lines, settle, wait_until

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
ENGLISH = ("stu-00316", "cls-ENG9-01")  # the class of the sample snapshots
HEALTH = ("stu-00016", "cls-HLTH-01")  # categories "Participation", "Skills Tests"
ABOVE = ("#class-info", "#class-stale", "#class-policy", "#class-what-if", "#chart",
         "#categories-box")  # what comes before the assignments


async def open_class(app: CaseloadApp, pilot: Pilot, student_id: str, class_id: str
                     ) -> ClassScreen:
    await settle(pilot)
    app.open_student(student_id)
    await settle(pilot)
    app.open_class(student_id, class_id)
    await settle(pilot)
    await wait_until(pilot, lambda: bool(app.screen.query("#assignments"))
                     and not _tables_pending(app), what="the class screen with its tables")
    await pilot.wait_for_animation()
    assert isinstance(app.screen, ClassScreen) and app.screen.detail is not None
    return app.screen


def first_row(table: KeyTable) -> Region:
    """Where the table's first row is on the screen (below its header)."""
    return Region(table.region.x, table.region.y + table.header_height, table.region.width, 1)


def whole(widget: Widget, view: Region) -> bool:
    return view.contains_region(widget.region)


def above_whole(screen: ClassScreen, view: Region) -> None:
    """Each part above the assignments is whole inside ``view`` (not pushed off, not cut)."""
    for part in ABOVE:
        for widget in screen.query(part):
            assert whole(widget, view), (part, widget.region, view)


@pytest.mark.parametrize("size", [(80, 24), (120, 24), (100, 28), (80, 30)])
@pytest.mark.parametrize("student_class", [ENGLISH, HEALTH], ids=["english", "health"])
async def test_the_first_assignments_show_on_opening(
    engine: Engine, size: tuple[int, int], student_class: tuple[str, str]
) -> None:
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        screen = await open_class(app, pilot, *student_class)
        view = screen.query_one("#class-body", VerticalScroll).scrollable_content_region
        table = screen.query_one("#assignments", KeyTable)
        assert table.row_count > 0 and table.has_focus
        assert view.contains_region(first_row(table)), (table.region, view)
        # and that row is drawn: its due date and title (at 80 columns a title longer than
        # its column wraps onto the row's next line: audit s20, every column on screen)
        first = screen.shown_assignments(screen.detail)[0]
        due = first.due_date.isoformat() if first.due_date else "—"
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if due in line)
        words = first.title.split()
        assert words[0] in lines[at]
        assert all(word in " ".join(lines[at:at + 3]) for word in words), lines[at:at + 3]
        # nothing above the assignments is pushed off or cut: each part is whole on the screen
        above_whole(screen, view)
        chart = screen.query_one("#chart")
        assert chart.size.height >= 6 and chart.size.width >= 18, chart.size


async def test_a_tall_terminal_keeps_the_tall_layout(engine: Engine) -> None:
    """At 200x60 the chart keeps its 14 rows beside the categories; back at 80x24 after a
    resize, the short layout again shows the first assignments."""
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await open_class(app, pilot, *ENGLISH)
        chart = screen.query_one("#chart")
        boxes = screen.query_one("#categories-box")
        assert chart.size.height == 14 and boxes.region.y == chart.region.y
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.wait_for_animation()
        view = screen.query_one("#class-body", VerticalScroll).scrollable_content_region
        table = screen.query_one("#assignments", KeyTable)
        assert view.contains_region(first_row(table)), (table.region, view)


async def test_what_is_above_the_assignments_stays_reachable_by_keyboard(engine: Engine) -> None:
    """Down the assignments the body scrolls (the table follows its cursor); Tab to the body
    and Home bring the header lines, the chart and the categories back, all on one screen."""
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_class(app, pilot, *ENGLISH)
        body = screen.query_one("#class-body", VerticalScroll)
        await pilot.press("G")
        await settle(pilot)
        assert body.scroll_y > 0
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is body
        await pilot.press("home")
        await settle(pilot)
        await pilot.wait_for_animation()
        view = body.scrollable_content_region
        above_whole(screen, view)


async def test_back_to_the_first_assignment_the_body_scrolls_back_up(engine: Engine) -> None:
    """G to the last assignment scrolls the body down; g (back to the first) scrolled only
    as far as that row, leaving the header lines and the chart out of view."""
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_class(app, pilot, *ENGLISH)
        body = screen.query_one("#class-body", VerticalScroll)
        table = screen.query_one("#assignments", KeyTable)
        await pilot.press("G")
        await settle(pilot)
        assert body.scroll_y > 0
        await pilot.press("g")
        await settle(pilot)
        await pilot.wait_for_animation()
        assert table.cursor_row == 0 and body.scroll_y == 0
        view = body.scrollable_content_region
        above_whole(screen, view)
        assert view.contains_region(first_row(table))


async def test_a_resize_places_the_categories_again(engine: Engine) -> None:
    """Health's categories leave an 80-column screen too little room for a chart beside them:
    they go under it; at 100 columns they fit beside it, and under it again back at 80."""
    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_class(app, pilot, *HEALTH)
        chart = screen.query_one("#chart")
        boxes = screen.query_one("#categories-box")
        for width, beside in ((80, False), (100, True), (80, False)):
            await pilot.resize_terminal(width, 24)
            await settle(pilot)
            assert (boxes.region.y == chart.region.y) == beside, (width, boxes.region)
            assert chart.size.width >= 18
            view = screen.query_one("#class-body", VerticalScroll).scrollable_content_region
            assert whole(boxes, view), (width, boxes.region, view)
