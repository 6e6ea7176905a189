"""Found by the s21b contract audit on the demo database, each a test that failed before its fix.

- D4: the Notes tab at 80x24 cut the Contact cell "In person · Meeting set" to "In person ·
  Meeting", which reads as another outcome.
- D6: the student screen's "since the … : X% to Y%" line stayed as it was after an
  intervention note was saved, edited or deleted (it was read again only on `r`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from caseload.services.demo import seed_demo_notes
from caseload.store.engine import make_engine
from caseload.store.notes import NotesStore
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.notes import NotesPane, NotesTable

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import AS_OF, NO_INCIDENTS, NOW, make_app

SCHMIDT = NO_INCIDENTS  # the demo's story: a referral, "In person · Meeting set", on 11/16


@pytest.fixture
def demo_engine(sample_cache: Path) -> Iterator[Engine]:
    """The sample school with the demo's notes (what `caseload demo` opens)."""
    engine = make_engine(f"sqlite:///{sample_cache}")
    seed_demo_notes(engine, AS_OF)
    yield engine
    engine.dispose()


async def open_notes_tab(pilot: Pilot, app: CaseloadApp) -> NotesTable:
    app.open_student(SCHMIDT)
    await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="the student")
    await settle(pilot)
    await pilot.press("4")
    pane = app.screen.query_one(NotesPane)
    await wait_until(pilot, lambda: pane.loaded, what="the notes")
    await settle(pilot)
    return pane.query_one(NotesTable)


def table_lines(app: CaseloadApp, table: NotesTable) -> list[str]:
    region = table.region
    return [line[region.x:region.right] for line in
            screen_lines(app)[region.y:region.bottom]]


def assert_whole(app: CaseloadApp, table: NotesTable) -> None:
    """Every column of the Notes table is inside it (none reaches past the terminal's edge),
    and the referral's outcome reads "Meeting set" in the table, not only below it."""
    assert table.virtual_size.width <= table.scrollable_content_region.width, (
        table.virtual_size, table.scrollable_content_region)
    lines = table_lines(app, table)
    assert any("Meeting set" in line for line in lines), "\n".join(lines)
    assert all("Meeting" not in line or "Meeting set" in line for line in lines), (
        "\n".join(lines))


# --- D4: nothing cut in the Notes tab at 80x24 --------------------------------------------------

async def test_notes_tab_at_80x24_shows_the_contact_outcome_whole(demo_engine: Engine) -> None:
    app = make_app(demo_engine, NotesStore(demo_engine, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = await open_notes_tab(pilot, app)
        assert_whole(app, table)


async def test_notes_tab_is_laid_out_again_when_the_terminal_narrows(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine, NotesStore(demo_engine, clock=lambda: NOW))
    async with app.run_test(size=(170, 30)) as pilot:
        await settle(pilot)
        table = await open_notes_tab(pilot, app)
        wide = table_lines(app, table)
        assert any("In person · Meeting set" in line and "Referred to the attendance team"
                   in line for line in wide), "\n".join(wide)
        for width in (120, 100, 80):
            await pilot.resize_terminal(width, 24)
            await settle(pilot)
            assert app.screen.query_one(NotesPane).fitted_width == width
            assert_whole(app, table)
        await pilot.resize_terminal(170, 30)
        await settle(pilot)
        assert table_lines(app, table)[:3] == wide[:3]


# --- D6: the intervention's effect is read again when a note changes ---------------------------

async def test_effect_line_follows_a_note_saved_edited_and_deleted(demo_engine: Engine) -> None:
    store = NotesStore(demo_engine, clock=lambda: NOW)
    app = make_app(demo_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_student(SCHMIDT)
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        screen = app.screen
        assert isinstance(screen, StudentScreen)

        async def effect(words: str) -> None:
            await wait_until(pilot, lambda: screen.effect_text.startswith(words),
                             what=f"the effect line to read {words!r} ({screen.effect_text!r})")
            await settle(pilot)
            assert words in "\n".join(screen_lines(app))

        await effect("since the 11/16 referral:")
        # a new student meeting today (the editor's defaults), on the Classes tab
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        await settle(pilot)
        app.screen.query_one("#note-text", TextArea).insert("Met about the plan.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, what="the note saved")
        await effect("since the 11/20 student meeting:")
        [new] = [n for n in store.list(student_id=SCHMIDT) if n.text == "Met about the plan."]
        # edited: its date moved back a day (the Notes tab's Enter on its first row)
        await pilot.press("4")
        pane = screen.query_one(NotesPane)
        await wait_until(pilot, lambda: bool(pane.notes) and pane.notes[0].id == new.id,
                         what="the new note listed")
        await settle(pilot)
        await pilot.press("g")
        await wait_until(pilot, lambda: pane.selected_note == pane.notes[0], what="first row")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        await settle(pilot)
        app.screen.query_one("#note-contact", Input).value = "2026-11-19"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen, what="the note saved")
        await effect("since the 11/19 student meeting:")
        # deleted: the referral is the latest intervention again
        await wait_until(pilot, lambda: pane.selected_note is not None
                         and pane.selected_note.id == new.id
                         and pane.selected_note.contact_date.day == 19, what="the edit listed")
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="confirm")
        await pilot.click("#delete")
        await wait_until(pilot, lambda: store.get(new.id).deleted, what="the note deleted")
        await effect("since the 11/16 referral:")
