"""What a counselor can find without reading the manual (usability review s22, item 11): the
day's entry points in the caseload's Footer when they fit (never cut), the caseload's keys by
name in the palette, and the student screen's 1-5 keys in its tab labels."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from caseload.tui.app import CaseloadApp
from caseload.tui.screens.legend import LegendScreen
from caseload.tui.screens.sort_picker import SortPicker
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.footer import Footer

from .conftest import palette_hits, screen_lines, screen_text, settle, wait_for_hit, wait_until
from .fakes import AS_OF, NOW, FakeReader


def _app(keymap: dict[str, str] | None = None) -> CaseloadApp:
    return CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                       keymap=keymap)


def _keys(app: CaseloadApp) -> list[str]:
    footer = app.screen.query_one(Footer)
    return [f"{key.key_display} {key.description}" for key in footer.query(FooterKey)]


async def test_the_caseload_footer_shows_the_entry_points_that_fit_whole() -> None:
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wide = _keys(app)
        assert wide[:-1] == ["⏎ Open", "/ Filter", "f Flags", "s Sort", "n Note",
                             "u Follow-ups", "w What changed", "c Counselor", "q Quit",
                             "? Help"]
        for key in wide:
            assert key in screen_lines(app)[-1], key
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: "w What changed" not in _keys(app),
                         what="the footer at 80 columns")
        await settle(pilot)
        narrow = _keys(app)
        # u fits at 80 in place of "/ Filter" (the filter box says "/ filter by name or id")
        assert narrow[:-1] == ["⏎ Open", "f Flags", "s Sort", "n Note", "u Follow-ups",
                               "q Quit", "? Help"]
        footer = screen_lines(app)[-1]
        for key in narrow:
            assert key in footer, (key, footer)
        assert "/ filter by name or id" in screen_text(app)


async def test_the_palette_names_the_caseloads_keys() -> None:
    app = _app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        for query, title in (("sort", "Sort by…"), ("legend", "Legend"),
                             ("what changed", "What changed since…"),
                             ("export list", "Export list…"),
                             ("filter by flag", "Filter by flag…")):
            await pilot.press(*query)
            await wait_for_hit(pilot, title)
            await pilot.press(*["backspace"] * len(query))
        await pilot.press(*"legend")
        await wait_for_hit(pilot, "Legend")
        assert palette_hits(app)[0].startswith("Legend")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LegendScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"sort by")
        await wait_for_hit(pilot, "Sort by…")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SortPicker)


async def _student_tabs(app: CaseloadApp) -> str:
    """The tab row of the first student's screen, at 80x24."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and app.screen.detail is not None, what="the student")
        await settle(pilot)
        return next(line for line in screen_lines(app) if "2 Attendance" in line)


async def test_the_student_tabs_are_labelled_with_their_keys() -> None:
    tabs = await _student_tabs(_app())
    for label in ("1 Classes (", "2 Attendance", "3 Behavior (", "4 Notes", "5 Guardians ("):
        assert label in tabs, (label, tabs)
    # a [keymap] that rebinds a tab's key: the label names the key that works
    tabs = await _student_tabs(_app({"student.tab_notes": "f4"}))
    assert "f4 Notes" in tabs and " 4 Notes" not in tabs, tabs
