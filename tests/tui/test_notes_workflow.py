"""Issue 12's contact-log items in the TUI, with Pilot over a real NotesStore on the sample
cache: a note about a class from the class screen, the plain-words edit conflict, and the
first-run "who are you" picker. Fixtures come from ``test_notes_tui``."""

from __future__ import annotations

from sqlalchemy import Engine
from textual.widgets import TextArea

from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.notes import NotesPane

from .conftest import screen_text, settle, wait_until
from .test_notes_tui import AS_OF, STUDENT, make_notes_app, notes_engine, store

__all__ = ["notes_engine", "store"]  # the fixtures, imported for pytest


async def test_n_on_the_class_screen_writes_a_note_about_that_class(
    notes_engine: Engine, store: NotesStore,
) -> None:
    report = Repository(notes_engine).student(STUDENT, AS_OF).report
    class_id = report.metrics.classes[0].id
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        app.open_class(STUDENT, class_id)
        await wait_until(pilot, lambda: isinstance(app.screen, ClassScreen)
                         and app.screen.detail is not None, what="the class screen")
        title = app.screen.detail.title  # type: ignore[attr-defined]
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor) and editor.class_id == class_id
        assert f"in {title}" in screen_text(app)
        editor.query_one("#note-text", TextArea).text = "Talked about the missing labs."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor), what="saved")
        [note] = store.list(student_id=STUDENT)
        assert note.class_id == class_id and note.flags == ()
        # the student's Notes tab lists it
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        await pilot.press("4")
        await settle(pilot)
        pane = app.screen.query_one(NotesPane)
        assert [n.id for n in pane.notes] == [note.id]
        assert "Talked about the missing labs." in screen_text(app)
        # editing it keeps the class though no class flag is checked
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        app.screen.query_one("#note-text", TextArea).text = "Talked about the labs."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor), what="saved")
        assert store.get(note.id).class_id == class_id
