"""A counselor's walk through every screen on the sample school at 80x24 (audit s19): what
it found, each a test that failed before its fix.

- ``r`` on the caseload (and switching to "All students") with a student below the first
  rows selected scrolled that student to the top of the table: the highest-risk students
  went out of sight above it although every one of them fitted on the screen.
- ``3`` (Behavior) from the Notes tab, for a student with no incidents, left the screen on
  the Notes tab.
- "Since you last looked" at 80 columns cut "what changed" at the terminal's edge ("1
  follow-up" for "1 follow-up due"), and its table's last line went under the footer.
- The Behavior tab at 80 columns cut an incident's description at the terminal's edge.
- ``?`` on "since you last looked" was titled "Keys: ChangesScreen".
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from textual.widgets import DataTable

from caseload.config import Config
from caseload.domain.notes import NoteType
from caseload.services.changes import ChangesService
from caseload.services.context import Workspace
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.changes import ChangesScreen
from caseload.tui.screens.help import HelpScreen
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_lines, screen_text, settle, wait_until

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
COUNSELOR = "cns-3"
NO_INCIDENTS = "stu-00316"  # Schmidt, Sam: flagged, no discipline incident
WITH_INCIDENTS = "stu-00387"  # Sandoval, Renée: two incidents, a 47-character description


@pytest.fixture
def store(engine: Engine) -> NotesStore:
    return NotesStore(engine, clock=lambda: NOW)


def make_app(engine: Engine, store: NotesStore | None = None, *,
             changes: bool = False) -> CaseloadApp:
    ws = Workspace(engine, Config(me=COUNSELOR))
    return CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                       now=lambda: NOW, notes=store, me=COUNSELOR,
                       changes=ChangesService(ws) if changes else None)


def table_rows(app: CaseloadApp) -> list[str]:
    """The caseload table's rows as shown (below its header)."""
    table = app.home.query_one("#students", VirtualTable)
    top = table.region.y + 1
    return screen_lines(app)[top:top + table.region.height - 1]


# --- the caseload keeps its top in view --------------------------------------------------------

async def test_reload_keeps_the_highest_risk_students_in_view(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.home
        first, fourth = home.view[0], home.view[3]
        home.select_student(fourth.id)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert home.selected_student_id == fourth.id
        table = home.query_one("#students", VirtualTable)
        assert table.scroll_offset.y == 0, "the rows above the selected student scrolled away"
        rows = table_rows(app)
        assert first.name in rows[0] and fourth.name in rows[3]


async def test_all_students_opens_at_the_top_of_the_list(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)  # fourth on the caseload, ninth of everyone
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("home", "enter")
        await wait_until(pilot, lambda: app.home.loaded_for == (None, AS_OF), what="all")
        await settle(pilot)
        home = app.home
        assert home.selected_student_id == NO_INCIDENTS
        index = [r.id for r in home.view].index(NO_INCIDENTS)
        assert index < 18  # it fits on the first screen...
        table = home.query_one("#students", VirtualTable)
        assert table.scroll_offset.y == 0  # ...so nothing above it is hidden
        assert home.view[0].name in table_rows(app)[0]


# --- the student screen's tabs ------------------------------------------------------------------

async def test_behavior_key_from_the_notes_tab_shows_behavior(engine: Engine,
                                                               store: NotesStore) -> None:
    store.add(student_id=NO_INCIDENTS, author_id=COUNSELOR, type=NoteType.STUDENT_MEETING,
              text="Met about attendance.", contact_date=AS_OF)
    app = make_app(engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StudentScreen)
        await pilot.press("4")
        await settle(pilot)
        assert screen.active_tab == "tab-notes"
        await pilot.press("3")
        await settle(pilot)
        assert screen.active_tab == "tab-behavior"
        assert "No incidents recorded" in screen_text(app)


async def test_behavior_tab_wraps_a_long_description_at_80_columns(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(WITH_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#incidents", DataTable)
        assert table.max_scroll_x == 0, "the description runs past the terminal's edge"
        words = " ".join(" ".join(screen_lines(app)).split())
        assert "Talking over the teacher after two redirections" in words


# --- since you last looked ----------------------------------------------------------------------

async def open_changes(pilot: object, app: CaseloadApp) -> ChangesScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("w")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen)  # type: ignore[arg-type]
                     and app.screen.loaded, what="the changes")
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, ChangesScreen)
    return screen


async def test_changes_are_never_cut_at_80_columns(engine: Engine, store: NotesStore) -> None:
    # Stevens, Harper's follow-up due makes the longest line at 80 columns ("new STREAK
    # CHRONIC UNX30; 5 absences; 1 follow-up due"), cut before "due"
    store.add(student_id="stu-00521", author_id=COUNSELOR, type=NoteType.STUDENT_MEETING,
              text="Check in.", contact_date=dt.date(2026, 11, 3),
              follow_up=dt.date(2026, 11, 17))
    app = make_app(engine, store, changes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_changes(pilot, app)
        table = screen.query_one("#changes-table", DataTable)
        assert screen.max_scroll_y == 0, "the screen is taller than the terminal"
        assert table.max_scroll_x == 0, "what changed runs past the terminal's edge"
        assert "1 follow-up due" in " ".join(" ".join(screen_lines(app)).split())


async def test_changes_help_names_the_screen(engine: Engine) -> None:
    app = make_app(engine, changes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_changes(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "ChangesScreen" not in text
        assert "Keys: since you last looked" in text
