"""A note's class in the app (sample school): the editor only ever names a class of the
student's (a class flag, or the class screen's ``n``: tests/test_note_references.py shows the
reports' classes are the store's), the class screen of a class the student no longer has
offers no note about it, and a save the store refuses (the class gone in a sync since the
editor opened) says why, keeps the text and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from textual.widgets import TextArea

from caseload.store.notes import NotesStore, student_classes
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen

from .conftest import notices_asked, screen_text, settle, wait_until
from .test_notes_tui import STUDENT, make_notes_app, notes_engine, store

__all__ = ["notes_engine", "store"]  # the fixtures, imported for pytest


def _classes(engine: Engine) -> list[str]:
    """The student's classes."""
    with engine.connect() as conn:
        return student_classes(conn, STUDENT)


async def _class_screen(pilot, app, class_id: str) -> ClassScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    app.home.select_student(STUDENT)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="the student")
    app.open_class(STUDENT, class_id)
    await wait_until(pilot, lambda: isinstance(app.screen, ClassScreen)
                     and (app.screen.detail is not None or app.screen.error is not None),
                     what="the class screen")
    await settle(pilot)
    assert isinstance(app.screen, ClassScreen)
    return app.screen


def _drop(engine: Engine, class_id: str) -> None:
    """What a sync that drops the class leaves: no class, no enrollment in it."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enrollments WHERE class_id = :c"), {"c": class_id})
        conn.execute(text("DELETE FROM classes WHERE sourced_id = :c"), {"c": class_id})


async def test_a_class_the_student_no_longer_has_offers_no_note(
    notes_engine: Engine, store: NotesStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The class screen read again (r) after a sync dropped the class says there is no such
    class for the student; ``n`` there says why it writes no note, instead of opening an
    editor whose save would be refused."""
    theirs = _classes(notes_engine)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        asked, _ = notices_asked(app, monkeypatch)
        screen = await _class_screen(pilot, app, theirs[0])
        assert screen.detail is not None
        _drop(notes_engine, theirs[0])
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.error is not None, what="the class gone")
        assert screen.error == f"No class {theirs[0]} for student {STUDENT}"
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen, "no editor"
        assert asked[-1] == ("This class could not be shown, so no note can name it: read it "
                             "again (r), or write the note from the student's screen (Escape, "
                             "then n).")
    assert store.list(student_id=STUDENT) == []


async def test_a_save_refused_for_a_class_gone_since_keeps_the_text(
    notes_engine: Engine, store: NotesStore,
) -> None:
    theirs = _classes(notes_engine)
    class_id = theirs[0]
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _class_screen(pilot, app, class_id)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor) and editor.class_id == class_id
        editor.query_one("#note-text", TextArea).text = "Talked about the missing labs."
        _drop(notes_engine, class_id)  # a sync drops the class meanwhile
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: editor.error_text, what="the refusal")
        await settle(pilot)
        assert app.screen is editor
        left = [c for c in theirs if c != class_id]
        listed = ", ".join(repr(c) for c in left)
        assert editor.error_text == (f"Not saved: student {STUDENT!r} has no class "
                                     f"{class_id!r}; their classes: {listed}")
        assert "missing labs" not in editor.error_text
        assert editor.query_one("#note-text", TextArea).text == "Talked about the missing labs."
        assert "Not saved (your text is kept)" in screen_text(app)
    assert store.list(student_id=STUDENT) == []
