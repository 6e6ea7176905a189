"""Found by the s21b contract audit on the demo database, each a test that failed before its fix.

- D4: the Notes tab at 80x24 cut the Contact cell "In person · Meeting set" to "In person ·
  Meeting", which reads as another outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot

from caseload.services.demo import seed_demo_notes
from caseload.store.engine import make_engine
from caseload.store.notes import NotesStore
from caseload.tui.app import CaseloadApp
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
