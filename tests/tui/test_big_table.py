"""The caseload table is virtualized: 75,000 students render only the rows on screen, and a
large caseload whose ranking is stored paints its first page before the whole list arrives.

No timing here (speed is measured by benchmarks/tui_bench.py): these tests check the structure
that makes it fast (rows rendered, reads made, the order of messages)."""

from __future__ import annotations

import threading

from caseload.tui.app import HEAD_ROWS, CaseloadApp
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_text, settle
from .fakes import AS_OF, NOW, FakeReader, many_reports


class BigReader(FakeReader):
    def __init__(self, reports):
        super().__init__()
        self.big = reports

    def caseload(self, counselor_id, as_of):
        self._record("caseload", counselor_id, as_of)
        return self.big


async def test_all_students_75k_render_only_the_visible_rows():
    reports = many_reports(75_000)
    app = CaseloadApp(BigReader(reports), counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.home.table.row_count != 75_000:
            await pilot.pause(0.005)
        await pilot.pause()
        assert "Student000000" in screen_text(app)
        table = app.query_one(VirtualTable)
        assert len(table._cache) <= 80  # rendering touched only the visible rows
        await pilot.press("end")
        assert "Student074999" in screen_text(app)
        assert len(table._cache) <= 160
        app.home.query_one("#filter").value = "student07499"
        await pilot.pause()
        assert len(app.home.view) == 10


async def test_a_stored_ranking_paints_the_first_page_before_the_rest():
    reports = many_reports(5_000)
    reader = BigReader(reports)
    reader.stored_ranking = True
    reader.rows_gate = threading.Event()  # the whole list is held back until released
    app = CaseloadApp(reader, counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        home = app.home
        for _ in range(400):
            await pilot.pause(0.01)
            if home.shown_for is not None:
                break
        await pilot.pause()
        assert home.shown_for == (None, AS_OF) and home.loaded_for is None
        assert home.table.row_count == 5_000  # every row has its place
        assert len(home.view) == HEAD_ROWS
        text = screen_text(app)
        assert "Student000000" in text
        assert f"first {HEAD_ROWS} of 5,000 students · loading the rest…" in text
        assert ("caseload_head", None, AS_OF, HEAD_ROWS) in reader.calls
        await pilot.press("end")  # below the first page: placeholders until the rest arrives
        await pilot.pause()
        assert "Student004999" not in screen_text(app)
        assert "…" in screen_text(app)
        reader.rows_gate.set()
        await settle(pilot)
        assert home.loaded_for == (None, AS_OF) and home.partial_total is None
        assert len(home.view) == 5_000
        assert home.table.cursor_row == 4_999
        assert "Student004999" in screen_text(app)
        assert "loading the rest" not in screen_text(app)


async def test_a_small_caseload_or_an_unstored_ranking_loads_in_one_go(make_app, reader):
    reader.stored_ranking = True  # the fake caseload is smaller than a first page
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.home.loaded_for == ("c-rivera", AS_OF)
        assert app.home.partial_total is None
        assert "loading the rest" not in screen_text(app)


async def test_keys_and_filter_at_500_rows():
    reports = many_reports(500)
    app = CaseloadApp(BigReader(reports), counselor_id=None, as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.home.table
        for action in ["cursor_down"] * 10 + ["page_down", "cursor_up", "page_up", "last"]:
            getattr(table, f"action_{action}")()
        assert table.cursor_row == 499
        for query in ["s", "st", "stu", "student0004", ""]:
            app.home.query_text = query
            app.home.apply_filters()
        assert len(app.home.view) == 500
        await pilot.press("home", "j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("slash", "4")
        assert 0 < len(app.home.view) < 500
