"""The caseload table is virtualized: 75,000 students paint their first page fast, and cursor
moves and filtering stay within a frame at caseload sizes."""

from __future__ import annotations

import time

from caseload.tui.app import CaseloadApp
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_text, settle
from .fakes import AS_OF, NOW, FakeReader, many_reports

# Budgets are in CPU seconds of this process (time.process_time), so other processes on a busy
# CI box (or pytest-xdist workers) don't make them flaky. The budgets: first page of
# 75,000 rows under 500 ms, a key press under 50 ms. The first-page figure here includes
# starting Textual itself; benchmarks/tui_bench.py reports wall-clock figures.
FIRST_PAGE_BUDGET = 1.5
KEY_BUDGET = 0.05
clock = time.process_time


class BigReader(FakeReader):
    def __init__(self, reports):
        super().__init__()
        self.big = reports

    def caseload(self, counselor_id, as_of):
        self._record("caseload", counselor_id, as_of)
        return self.big


async def test_all_students_75k_first_page():
    reports = many_reports(75_000)
    app = CaseloadApp(BigReader(reports), counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    start = clock()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.home.table.row_count != 75_000:
            await pilot.pause(0.005)
        await pilot.pause()
        elapsed = clock() - start
        assert "Student000000" in screen_text(app)
        assert elapsed < FIRST_PAGE_BUDGET, elapsed
        # rendering touched only the visible rows
        table = app.query_one(VirtualTable)
        assert len(table._cache) <= 80
        # paging to the end and filtering stay quick
        t0 = clock()
        await pilot.press("end")
        assert clock() - t0 < 3 * KEY_BUDGET  # includes Pilot's own work for a key press
        assert "Student074999" in screen_text(app)
        t0 = clock()
        app.home.query_one("#filter").value = "student07499"
        await pilot.pause()
        assert clock() - t0 < 0.5  # filtering 75,000 names
        assert len(app.home.view) == 10


async def test_keys_and_filter_fast_at_500_rows():
    reports = many_reports(500)
    app = CaseloadApp(BigReader(reports), counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.home.table
        height = table.size.height

        def repaint() -> None:
            for y in range(height):
                table.render_line(y)

        # the work a key press does (handler plus repainting the table), without Pilot's own
        # per-press overhead (~60 ms of waiting for idle in headless mode)
        for action in ["cursor_down"] * 10 + ["page_down", "cursor_up", "page_up", "last"]:
            t0 = clock()
            getattr(table, f"action_{action}")()
            repaint()
            assert clock() - t0 < KEY_BUDGET, action
        for query in ["s", "st", "stu", "student0004", ""]:
            t0 = clock()
            app.home.query_text = query
            app.home.apply_filters()
            repaint()
            assert clock() - t0 < KEY_BUDGET, query
        # and through real key presses, Pilot's own work included
        await pilot.press("j", "j")
        t0 = clock()
        await pilot.press("j")
        assert clock() - t0 < 3 * KEY_BUDGET
        await pilot.press("slash", "4")
        assert 0 < len(app.home.view) < 500
