"""80x24 snapshots (both themes) of the screens and modals no other snapshot file shows, on
the sample school with a few notes (``test_notes_snapshots.seed``); each run also checks that
nothing on the screen is cut mid-word (every footer key whole), issue 12.

Every screen then has an 80x24 snapshot somewhere:

- test_sample_snapshots.py: caseload (also filtered and all students), counselor picker,
  student Classes / Attendance / Behavior tabs, class screen, help, command palette;
- test_notes_snapshots.py: note editor, Notes tab, note history, follow-ups (due), notes export;
- test_snapshots.py: the caseload with markup in names, an empty Notes tab;
- here: caseload sorted (the arrow), sort picker, legend, flag filter, triage list export,
  follow-ups upcoming, mark done, delete confirmation, the as-of date prompt.

Update with ``pytest tests/tui/test_screen_snapshots.py --snapshot-update`` and read the SVGs.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Footer

from caseload.store.notes import NotesStore
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.done import DoneModal
from caseload.tui.screens.legend import LegendScreen
from caseload.tui.screens.modals import FlagFilterModal, PromptModal
from caseload.tui.screens.sort_picker import SortPicker
from caseload.tui.screens.triage_export import TriageExportModal

from . import test_notes_tui as base
from .conftest import THEMES, Run, screen_lines, settle, shots, snapshot
from .test_notes_snapshots import seed
from .test_notes_tui import AS_OF, NOW, STUDENT, make_notes_app

notes_engine = base.notes_engine
export_dir = base.export_dir


def _app(pilot: Pilot) -> CaseloadApp:
    return pilot.app  # type: ignore[return-value]


def assert_nothing_cut(app: CaseloadApp) -> None:
    """Every key of the footer of the screen (or of the screen under a modal) is drawn whole."""
    from textual.widgets._footer import FooterKey

    for screen in reversed(app.screen_stack):
        footers = screen.query(Footer)
        if footers:
            break
    else:
        return
    if screen is not app.screen:
        return  # a modal covers the footer's line or leaves it as it was
    line = screen_lines(app)[-1]
    for key in footers.first().query(FooterKey):
        if key.description:
            assert f"{key.key_display} {key.description}" in line, (key.description, line)
    assert "…" not in line, line


def checked(run: Run) -> Run:
    async def go(pilot: Pilot) -> None:
        await run(pilot)
        assert_nothing_cut(_app(pilot))

    return go


def _keys(*keys: str, screen: type | None = None) -> Run:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if screen is not None:
            assert isinstance(pilot.app.screen, screen), pilot.app.screen

    return run


async def _done(pilot: Pilot) -> None:
    await _keys("u")(pilot)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DoneModal)


async def _confirm_delete(pilot: Pilot) -> None:
    await settle(pilot)
    _app(pilot).home.select_student(STUDENT)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("delete")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ConfirmModal)


async def _as_of(pilot: Pilot) -> None:
    await settle(pilot)
    _app(pilot).action_change_as_of()
    await settle(pilot)
    assert isinstance(pilot.app.screen, PromptModal)


SCREENS: dict[str, Run] = {
    "caseload_sorted": _keys("s", "a", "s", "a"),  # attendance, reversed: the arrow
    "sort_picker": _keys("s", screen=SortPicker),
    "legend": _keys("l", screen=LegendScreen),
    "flag_filter": _keys("f", "down", "space", screen=FlagFilterModal),  # LOW checked only
    "triage_export": _keys("x", screen=TriageExportModal),
    "follow_ups_upcoming": _keys("u", "2"),
    "done_modal": _done,
    "confirm_delete": _confirm_delete,
    "as_of_prompt": _as_of,
}


@pytest.mark.parametrize(("screen", "size", "theme"), shots(SCREENS))
def test_screen_80x24_snapshot(snap_compare, notes_engine: Engine, screen: str, size: str,
                               theme: str) -> None:
    store = NotesStore(notes_engine, clock=lambda: NOW)
    seed(store)
    app = make_notes_app(notes_engine, store, theme=THEMES[theme])
    assert app.as_of == AS_OF
    assert snapshot(snap_compare, app, size, checked(SCREENS[screen]))


async def test_no_footer_key_is_cut_on_any_screen_at_80x24(notes_engine: Engine) -> None:
    """Caseload, student (each tab), class screen, follow-ups and help: every footer key is
    whole at 80x24."""
    from caseload.tui.widgets.key_table import KeyTable

    store = NotesStore(notes_engine, clock=lambda: NOW)
    seed(store)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert_nothing_cut(app)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        for tab in "12341":
            await pilot.press(tab)
            await settle(pilot)
            assert_nothing_cut(app)
        table = app.screen.query_one("#classes", KeyTable)
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ClassScreen"
        assert_nothing_cut(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert type(app.screen).__name__ == "FollowUpsScreen"
        assert_nothing_cut(app)


@pytest.mark.parametrize("keys", [("s",), ("l",), ("x",), ("question_mark", "l")])
async def test_new_modals_draw_under_no_color(monkeypatch: pytest.MonkeyPatch,
                                              notes_engine: Engine, keys: tuple[str, ...]) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    store = NotesStore(notes_engine, clock=lambda: NOW)
    app = make_notes_app(notes_engine, store, theme=THEMES["light"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        assert type(app.screen) in (SortPicker, LegendScreen, TriageExportModal)
        assert screen_lines(app)
