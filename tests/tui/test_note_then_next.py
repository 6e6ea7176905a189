""""Note, next, note, next" down the caseload skips no one (usability review s22, item 6).

Writing a note changes the student's days since their last note, which is the triage order's
tie-break, so the reload after it used to move the student below their equal-risk peers with
the cursor following them: the next ↓ skipped every peer that moved up. After a reload caused
by a note (``NotesFlow.changed``) the rows now keep the order they were shown in until the
counselor sorts again or reloads (``r``); the status line says so. On the sample school, as
tests/tui/test_notes_tui.py: cns-3's caseload opens on stu-00316, a risk tied with others.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy import Engine
from textual.widgets import TextArea

from caseload.config import Config
from caseload.domain.effects import TooEarly
from caseload.services.context import Workspace
from caseload.services.effects import intervention_changes
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_text, settle, wait_until
from .test_notes_tui import AS_OF, COUNSELOR, NOW

HELD = "order kept after your note (r re-sorts)"


def make(engine: Engine, store: NotesStore, *, changes: bool = False) -> CaseloadApp:
    port = partial(intervention_changes, Workspace(engine, Config())) if changes else None
    return CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                       now=lambda: NOW, notes=store, me=COUNSELOR, intervention_changes=port)


def ids(app: CaseloadApp) -> list[str]:
    return [r.id for r in app.home.view]


async def write_note(pilot: object, student_id: str) -> None:
    """``n`` on the screen in view, a text, ctrl+s; back when the caseload has read it."""
    app: CaseloadApp = pilot.app  # type: ignore[attr-defined]
    await pilot.press("n")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")  # type: ignore[arg-type]
    app.screen.query_one("#note-text", TextArea).text = "Checked in."
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    home = app.home

    def reread() -> bool:
        row = next((r for r in home.reports if r.id == student_id), None)
        return (not isinstance(app.screen, NoteEditor) and row is not None
                and row.days_since_note == 0 and not home.table.loading)

    await wait_until(pilot, reread, what="the caseload read again")  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]


async def test_note_then_down_reaches_every_student_in_turn(engine: Engine) -> None:
    app = make(engine, NotesStore(engine, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.home
        before = ids(app)
        first = next(r for r in home.view if r.id == before[0])
        peers = [r.id for r in home.view if r.risk == first.risk]
        assert len(peers) >= 3, "the sample's top rows tie on risk"
        for row in range(3):
            assert (home.table.cursor_row, home.selected_student_id) == (row, before[row])
            await write_note(pilot, before[row])
            assert ids(app) == before  # nobody moved past the cursor
            assert (home.table.cursor_row, home.selected_student_id) == (row, before[row])
            assert HELD in screen_text(app)
            await pilot.press("down")
        assert home.selected_student_id == before[3]
        # the export (x) says the rows are not in triage order now (review s22-code 4)
        assert home.view_text() == ("in the order shown before a note was written "
                                    "(sorted by triage until then)")
        # a sort (here: triage again) ranks afresh: the noted students after their peers
        await pilot.press("s", "t")
        await wait_until(pilot, lambda: not home.order_held, what="sorted again")
        await settle(pilot)
        assert HELD not in screen_text(app)
        assert home.view_text() == "sorted by triage"
        now = ids(app)
        untouched = [p for p in peers if p not in before[:3]]
        assert untouched, "a peer with no note"
        assert max(now.index(p) for p in untouched) < min(now.index(s) for s in before[:3])


async def test_note_from_the_student_screen_then_back_and_down(engine: Engine) -> None:
    app = make(engine, NotesStore(engine, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.home
        before = ids(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        await write_note(pilot, before[0])
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is home, what="back on the caseload")
        assert ids(app) == before and home.selected_student_id == before[0]
        await pilot.press("down")
        assert home.selected_student_id == before[1]
        # a text filter keeps the order as shown (filters never re-sort)
        await pilot.press("slash", *"s")
        await settle(pilot)
        assert home.order_held
        shown = ids(app)
        assert shown == [i for i in before if i in shown]


async def test_sorted_by_change_a_note_reads_the_figures_again_without_reordering(
    engine: Engine,
) -> None:
    """With ``s i``, a note written for the top student makes their change "too early" (one
    school day after it): the figures are read again (they used to stay as before the note),
    the rows keep their order meanwhile and after, and ``r`` sorts them afresh, the student
    after every measured change."""
    store = NotesStore(engine, clock=lambda: NOW)
    app = make(engine, store, changes=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        home = app.home
        for sid in ids(app)[:3]:  # three measured changes (15 school days after 10/27)
            store.add(student_id=sid, author_id=COUNSELOR, type="attendance_intervention",
                      text="Called home.", contact_date=dt.date(2026, 10, 27))
        await pilot.press("s", "i")
        await wait_until(pilot, lambda: home.figures is not None and not home.figures_loading,
                         what="the figures")
        await settle(pilot)
        before = ids(app)
        top = before[0]
        assert isinstance(home.figures[top], float)
        await pilot.press("home")  # (the cursor kept its student through the sort)
        assert home.selected_student_id == top
        await write_note(pilot, top)
        await wait_until(pilot, lambda: isinstance((home.figures or {}).get(top), TooEarly),
                         what="the figures read again")
        await settle(pilot)
        assert ids(app) == before and home.selected_student_id == top
        status = next(line for line in screen_text(app).splitlines() if "sorted by" in line)
        assert "· too early · " + HELD in status  # (the why, when there is room for it too)
        await pilot.press("down")
        assert home.selected_student_id == before[1]
        await pilot.press("r")
        await wait_until(pilot, lambda: not home.order_held and not home.table.loading
                         and not home.figures_loading, what="sorted afresh")
        await settle(pilot)
        measured = [sid for sid in ids(app) if isinstance((home.figures or {}).get(sid), float)]
        assert len(measured) == 2 and ids(app)[:3] == [*measured, top]
