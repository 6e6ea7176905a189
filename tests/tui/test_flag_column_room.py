"""A caseload list that fits the table draws no scrollbar, and its columns get the cells a
scrollbar would take (review, 80x24). The table kept a scrollbar's gutter (two cells) beside
every list, one that fits included: on the sample school's "All students", filtered to one
student, the Flags column was a cell short and cut its three flags (21 cells) to "CHRONIC
UNX30 +1". A list longer than the table still has its scrollbar, beside the columns (never
over them); the fake reader's short caseload shows the same in its snapshot."""

from __future__ import annotations

from sqlalchemy import Engine
from textual.pilot import Pilot

from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import AS_OF, NOW

WHOLE = "CHRONIC UNX30 STALE×2"  # noqa: RUF001  # stu-00372's flags: 21 cells


def row_of(app: CaseloadApp, student: str) -> str:
    """The table's row of ``student`` as shown (below its header)."""
    table = app.home.query_one("#students", VirtualTable).region
    lines = screen_lines(app)[table.y + 1:table.bottom]
    return next(line for line in lines if student in line)


async def filter_to(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text)
    await settle(pilot)


async def test_a_list_that_fits_gets_the_scrollbars_cells(engine: Engine) -> None:
    app = CaseloadApp(Repository(engine), counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.home.loaded_for is not None, what="every student")
        await settle(pilot)
        table = app.home.query_one("#students", VirtualTable)
        assert table.show_vertical_scrollbar  # 600 students: the scrollbar, beside the columns
        assert table.scrollable_content_region.width == 78
        await filter_to(pilot, "Cooper, Sebastian")
        assert table.row_count == 1 and not table.show_vertical_scrollbar
        assert table.scrollable_content_region.width == 80
        line = row_of(app, "Cooper, Sebastian")
        assert WHOLE in line, line
        assert len(line.rstrip()) <= 80
        # the whole list again: the scrollbar is back, beside the columns, nothing scrolls
        # sideways, and the flags are cut to the narrower column as before
        await pilot.press("escape", "escape")  # (the first leaves the filter box)
        await settle(pilot)
        assert table.row_count == 600 and table.show_vertical_scrollbar
        assert table.scrollable_content_region.width == 78 and table.max_scroll_x == 0
        assert table.virtual_size.width == 78
        app.home.select_student("stu-00372")
        await settle(pilot)
        line = row_of(app, "Cooper, Sebastian")
        assert "CHRONIC UNX30 +1" in line and line[78:].strip(" ▁▂▃▄▅▆▇█▔") == "", line
        # and back to a short list: the cells come back
        await filter_to(pilot, "Cooper")
        assert not table.show_vertical_scrollbar and table.virtual_size.width == 80
        assert WHOLE in row_of(app, "Cooper, Sebastian")
