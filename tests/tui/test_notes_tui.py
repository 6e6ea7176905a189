"""Notes in the TUI, driven with Pilot over a real NotesStore and Repository on the sample cache.

The sample data is imported once per session into a template SQLite file (``sample_cache`` in
tests/conftest.py); each test copies it, so the notes one test writes never show up in another.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.widgets import Input, Select, Static, TextArea

from caseload.config import Config
from caseload.domain.notes import (
    ContactMethod,
    ContactOutcome,
    NoteStatus,
    NoteType,
    clock_words,
)
from caseload.services.context import Workspace
from caseload.services.export import app_exporter
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens import export as notes_screens
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.done import DoneModal
from caseload.tui.screens.export import ExportModal
from caseload.tui.screens.follow_ups import FollowUpsScreen
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.revisions import RevisionsModal
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.notes import NotesPane

from .conftest import (
    notices_asked,
    screen_lines,
    screen_text,
    settle,
    wait_for_hit,
    wait_until,
)

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
SYNCED = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)
COUNSELOR = "cns-3"
STUDENT = "stu-00316"  # the sample snapshots' flagged student on cns-3's caseload


@pytest.fixture
def notes_engine(engine: Engine) -> Engine:
    """This test's own copy of the sample school (tests/tui/conftest.py's ``engine``)."""
    return engine


@pytest.fixture
def store(notes_engine: Engine) -> NotesStore:
    return NotesStore(notes_engine, clock=lambda: NOW)


@pytest.fixture(autouse=True)
def export_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The export dialog's default folder, fixed (it is ~/Documents when that exists, else the
    current directory: machine-dependent)."""
    folder = Path.home() / "Documents"
    monkeypatch.setattr(notes_screens, "default_export_dir", lambda: folder)
    return folder


def make_notes_app(engine: Engine, store: NotesStore, *, counselor_id: str | None = COUNSELOR,
                   theme: str | None = None, me: str | None = None) -> CaseloadApp:
    ws = Workspace(engine, Config(me=me))  # the TUI's export is `caseload notes export`'s
    return CaseloadApp(Repository(engine), counselor_id=counselor_id, as_of=AS_OF,
                       now=lambda: NOW, theme=theme, notes=store, me=me,
                       export_notes=app_exporter(ws, clock=lambda: NOW))


def _app(pilot: object) -> CaseloadApp:
    return pilot.app  # type: ignore[attr-defined, no-any-return]


async def open_editor(pilot: object) -> NoteEditor:
    app = _app(pilot)
    await settle(pilot)  # type: ignore[arg-type]
    app.home.select_student(STUDENT)
    assert app.home.selected_student_id == STUDENT
    await pilot.press("n")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, NoteEditor)
    return app.screen


def note_column(app: CaseloadApp) -> int | None:
    report = next(r for r in app.home.reports if r.id == STUDENT)
    return report.days_since_note


async def test_write_note_saves_and_shows_everywhere(notes_engine: Engine,
                                                     store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        view_before = [r.id for r in app.home.view]
        before = note_column(app)
        editor.query_one("#note-contact", Input).value = AS_OF.isoformat()
        editor.query_one("#note-text", TextArea).text = "Met about English 9; plan agreed."
        editor.query_one("#note-follow-up", Input).value = "2026-11-27"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
        notes = store.list(student_id=STUDENT)
        assert [n.text for n in notes] == ["Met about English 9; plan agreed."]
        note = notes[0]
        assert note.author_id == COUNSELOR
        assert note.contact_date == AS_OF
        assert note.follow_up == dt.date(2026, 11, 27)
        assert note.type is NoteType.STUDENT_MEETING
        assert store.load_draft(COUNSELOR, STUDENT) is None  # the draft went with the save
        # the caseload read the notes again: days since the last note is now 0
        assert note_column(app) == 0 != before
        # the rows keep their order after a note (nobody moves past the cursor) until `r`
        assert [r.id for r in app.home.view] == view_before
        assert app.home.selected_student_id == STUDENT
        assert "order kept after your note (r re-sorts)" in screen_text(app)
        await pilot.press("r")
        await wait_until(pilot, lambda: not app.home.order_held and app.home.loaded_for
                         is not None and not app.home.table.loading, what="re-sorted")
        await settle(pilot)
        # and the triage order uses it: among students of equal risk, those never noted (or
        # noted longest ago) come first, so the student now comes after every such peer
        view = [r.id for r in app.home.view]
        risk = next(r.risk for r in app.home.view if r.id == STUDENT)
        peers = [r.id for r in app.home.view if r.risk == risk and r.id != STUDENT]
        assert peers, "the sample has other students of the same risk"
        assert view.index(STUDENT) > max(view.index(p) for p in peers)
        assert view_before.index(STUDENT) < view.index(STUDENT)
        # and the student's Notes tab lists it
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        pane = app.screen.query_one(NotesPane)
        assert [n.id for n in pane.notes] == [note.id]
        text = screen_text(app)
        assert "Student meeting" in text and "Met about English 9" in text


async def test_the_notes_tab_marks_a_confidential_note(notes_engine: Engine,
                                                       store: NotesStore) -> None:
    """A confidential note looked like any other in the Notes tab."""
    store.add(student_id=STUDENT, author_id=COUNSELOR, type=NoteType.STUDENT_MEETING,
              text="Private.", contact_date=AS_OF, confidential=True)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await wait_until(pilot, lambda: app.screen.query_one(NotesPane).loaded,
                         what="the notes")
        await settle(pilot)
        text = screen_text(app)
        assert "Student meeting · confidential" in text
        assert "confidential: only its author may read it" in text


async def test_flags_become_the_notes_flags_and_class(notes_engine: Engine,
                                                      store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        flags = editor.query_one("#note-flags")
        options = editor._flag_options()
        with_class = [key for key, _ in options if not key.endswith("|")]
        assert with_class, "the student has a class flag"
        flags.select(with_class[0])  # type: ignore[attr-defined]
        editor.query_one("#note-text", TextArea).text = "Grades talk"
        await pilot.press("ctrl+s")
        await settle(pilot)
        note = store.list(student_id=STUDENT)[0]
        code, _, class_id = with_class[0].partition("|")
        assert note.flags == (code,)
        assert note.class_id == class_id


async def test_validation_errors_keep_the_text(notes_engine: Engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).text = "Keep me"
        editor.query_one("#note-follow-up", Input).value = "2026-11-01"  # before contact
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert "before the contact date" in screen_text(app)
        assert editor.query_one("#note-text", TextArea).text == "Keep me"
        assert store.list(student_id=STUDENT) == []


async def test_escape_with_text_asks_first(notes_engine: Engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).text = "Half a thought"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # the safe answer: keep editing
        await settle(pilot)
        assert app.screen is editor
        assert editor.query_one("#note-text", TextArea).text == "Half a thought"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click("#discard")
        await settle(pilot)
        assert not isinstance(app.screen, (NoteEditor, ConfirmModal))
        assert store.load_draft(COUNSELOR, STUDENT) is None
        assert store.list(student_id=STUDENT) == []


async def test_escape_without_changes_closes(notes_engine: Engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_editor(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, (NoteEditor, ConfirmModal))


async def test_quitting_with_a_note_unsaved_asks_and_keeps_the_latest_keys(
    notes_engine: Engine, store: NotesStore
) -> None:
    """ctrl+q with a note half typed: the editor asks (as Escape does). "Keep the draft"
    writes every key typed, even those the half-second autosave had not sent, then quits;
    "Keep editing" stays. (The app used to quit at once, losing the last keys.)"""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).focus()
        await pilot.press(*"Called mom")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        await pilot.press("escape")  # the first answer: keep editing
        await wait_until(pilot, lambda: app.screen is editor, what="back to the note")
        assert app.is_running
        await pilot.press(*" back")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        app.screen.dismiss("keep")
        await wait_until(pilot, lambda: not app.is_running, what="the app to quit")
    draft = store.load_draft(COUNSELOR, STUDENT)
    assert draft is not None and draft.payload["text"] == "Called mom back"


async def test_the_palettes_jump_to_a_student_never_closes_an_unsaved_note(
    notes_engine: Engine, store: NotesStore
) -> None:
    """ctrl+p works over the editor, and "jump to a student" popped every screen: the note
    closed without the question, its last half second of keys (not yet autosaved) lost."""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).focus()
        await pilot.press(*"Called mom")
        await app.jump_to_student(STUDENT)
        await settle(pilot)
        assert app.screen is editor
        assert editor.query_one("#note-text", TextArea).text == "Called mom"
        assert any("unsaved changes" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")  # saved: now the jump goes ahead
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor),
                         what="the editor to close")
        await app.jump_to_student(STUDENT)
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
    assert [n.text for n in store.list(student_id=STUDENT)] == ["Called mom"]


async def test_an_autosave_due_while_the_note_is_saved_never_brings_it_back_as_a_draft(
    notes_engine: Engine, store: NotesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+s within the half-second autosave, with the save slow (an import running): the
    autosave fired during the save, its draft write waited behind the save and then wrote
    the saved text back as a draft, which the next note for the student "recovered"."""
    import time

    real_add = store.add

    def slow_add(**kwargs: object) -> object:
        time.sleep(0.8)  # longer than the autosave's half second
        return real_add(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "add", slow_add)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        text = editor.query_one("#note-text", TextArea)
        text.focus()
        await pilot.press(*"Called mom")
        await pilot.press("ctrl+s")
        assert text.disabled  # nothing typed now is lost when the editor closes
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor),
                         what="the editor to close")
        await settle(pilot)
    assert [n.text for n in store.list(student_id=STUDENT)] == ["Called mom"]
    assert store.load_draft(COUNSELOR, STUDENT) is None


async def test_a_draft_that_cannot_be_removed_after_the_save_is_said_not_a_failed_save(
    notes_engine: Engine, store: NotesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note was stored, then removing its draft failed: the editor said "Not saved",
    and saving again added the note twice."""

    def broken(*_args: object) -> None:
        raise RuntimeError("database is locked")

    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).text = "Called mom"
        monkeypatch.setattr(store, "discard_draft", broken)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor),
                         what="the editor to close")
        assert any("its draft could not be removed" in n.message for n in app._notifications)
    assert [n.text for n in store.list(student_id=STUDENT)] == ["Called mom"]


async def test_the_save_is_said_before_the_editor_closes(
    notes_engine: Engine, store: NotesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """"Note added for …" (and "Note updated for …") came from the editor's result callback,
    which Textual runs after the editor has left the screen stack: a moment with the editor
    gone and nothing said yet (as the notes export's notice: 74545b5). The editor says it,
    then closes."""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        editor = await open_editor(pilot)
        name = editor.student_name
        editor.query_one("#note-text", TextArea).text = "Called mom"
        asked, when_changed = notices_asked(app, monkeypatch)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor)
                         and len(app._notifications) > 0, what="the save to be told")
        assert when_changed[:1] == [[f"Note added for {name}"]]
        # edited from the Notes tab
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor) and editor.note is not None
        editor.query_one("#note-text", TextArea).text = "Called mom, left a message"
        asked.clear()
        when_changed.clear()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor)
                         and len(app._notifications) > 1, what="the edit to be told")
        assert when_changed[:1] == [[f"Note updated for {name}"]]
        assert asked == [f"Note updated for {name}"]
    assert [n.text for n in store.list(student_id=STUDENT)] == ["Called mom, left a message"]


async def test_a_draft_that_cannot_be_written_on_quitting_leaves_the_note_open_and_savable(
    notes_engine: Engine, store: NotesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """"Quit, keep draft" when the draft cannot be written (the cache busy or read-only): the
    app stays open and says so, and the note can still be saved (it could not: the editor
    took itself for saved, so ctrl+s did nothing and the next quit did not ask)."""
    from caseload.services.notes import NotesBusy

    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).focus()
        await pilot.press(*"Called mom")

        tried: list[bool] = []

        def busy(*args: object, **kwargs: object) -> None:
            tried.append(True)
            raise NotesBusy()

        with monkeypatch.context() as m:
            m.setattr(store, "save_draft", busy)
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal),
                             what="the question")
            app.screen.dismiss("keep")
            await wait_until(pilot, lambda: bool(tried) and not editor.saved,
                             what="the failed write undone")
        assert app.is_running and app.screen is editor and editor.unsaved
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: [n.text for n in store.list(student_id=STUDENT)]
                         == ["Called mom"], what="the note saved")


async def test_draft_survives_a_crash(notes_engine: Engine, store: NotesStore) -> None:
    first = make_notes_app(notes_engine, store)
    async with first.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).focus()
        await pilot.press(*"Called mom")

        def saved_whole() -> bool:  # a loaded machine may also autosave between two keys
            draft = store.load_draft(COUNSELOR, STUDENT)
            return (draft is not None and draft.payload["text"] == "Called mom"
                    and "Draft saved" in screen_text(first))

        # the autosave fires half a second after the last key
        await wait_until(pilot, saved_whole, what="the autosave of the whole text")
        await settle(pilot)
        # the app "crashes": leave without closing the editor
    draft = store.load_draft(COUNSELOR, STUDENT)
    assert draft is not None and draft.payload["text"] == "Called mom"

    second = make_notes_app(notes_engine, NotesStore(notes_engine, clock=lambda: NOW))
    async with second.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        await settle(pilot)
        assert editor.query_one("#note-text", TextArea).text == "Called mom"
        assert "Recovered the unsaved draft" in screen_text(second)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [n.text for n in store.list(student_id=STUDENT)] == ["Called mom"]
        assert store.load_draft(COUNSELOR, STUDENT) is None


async def test_edit_mark_done_and_delete_from_the_notes_tab(notes_engine: Engine,
                                                            store: NotesStore) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="parent_contact",
                     text="First call", contact_date=dt.date(2026, 11, 2))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "Parent/guardian contact" in screen_text(app)
        # Enter edits
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor) and editor.note is not None
        assert editor.query_one("#note-text", TextArea).text == "First call"
        editor.query_one("#note-text", TextArea).text = "First call, left a message"
        await pilot.press("ctrl+s")
        await settle(pilot)
        edited = store.get(note.id)
        assert edited.text == "First call, left a message" and edited.revision == 2
        assert len(store.revisions(note.id)) == 1
        # d asks what came of it, then marks it done
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DoneModal)
        await pilot.click("#done-close")
        await settle(pilot)
        assert store.get(note.id).status is NoteStatus.DONE
        # Delete asks, then soft-deletes
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#delete")
        await settle(pilot)
        assert store.get(note.id).deleted
        assert store.list(student_id=STUDENT) == []
        assert "No notes yet" in screen_text(app)


async def test_edit_conflict_keeps_the_text(notes_engine: Engine, store: NotesStore) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="v1",
                     contact_date=dt.date(2026, 11, 2))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        # editing puts the cursor at the end of the text
        area = editor.query_one("#note-text", TextArea)
        assert area.cursor_location == area.document.end == (0, 2)
        store.update(note.id, text="their version", updated_by="cns-1")  # saved first
        editor.query_one("#note-text", TextArea).text = "my version"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        text = screen_text(app)
        # who (by name, never an id) and when (local time, in words)
        assert editor.error_text.startswith(
            f"Not saved: Kenji Nelson changed this note at {clock_words(NOW)} today, after "
            "you opened it.")
        assert "cns-1" not in editor.error_text and "UTC" not in editor.error_text
        assert "Their version" in text and "their version" in text  # both versions shown
        assert "revision" not in text.lower().split("their version")[0]  # no programmer words
        assert "note 1 " not in text
        assert editor.query_one("#note-text", TextArea).text == "my version"
        assert store.get(note.id).text == "their version"
        assert store.load_draft(COUNSELOR, STUDENT, note.id) is not None


async def test_follow_ups_oldest_first_and_enter_opens_the_student(
    notes_engine: Engine, store: NotesStore,
) -> None:
    repo = Repository(notes_engine)
    students = [r.id for r in repo.caseload(COUNSELOR, AS_OF)][:3]
    late = store.add(student_id=students[0], author_id=COUNSELOR, type="referral",
                     text="later one", contact_date=dt.date(2026, 11, 1),
                     follow_up=dt.date(2026, 11, 18))
    early = store.add(student_id=students[1], author_id=COUNSELOR, type="referral",
                      text="earlier one", contact_date=dt.date(2026, 11, 1),
                      follow_up=dt.date(2026, 11, 5))
    store.add(student_id=students[2], author_id=COUNSELOR, type="referral", text="not yet",
              contact_date=dt.date(2026, 11, 1), follow_up=dt.date(2026, 12, 1))
    store.add(student_id=students[2], author_id=COUNSELOR, type="referral", text="done",
              contact_date=dt.date(2026, 11, 1), follow_up=dt.date(2026, 11, 2), status="done")
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowUpsScreen)
        assert [n.id for n in screen.notes] == [early.id, late.id]
        text = screen_text(app)
        assert text.index("earlier one") < text.index("later one")
        assert "not yet" not in text and "done" not in text.split("Follow-up")[1]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert app.screen.student_id == students[1]
        # u from there goes back to the same follow-ups screen (the stack does not grow)
        depth = len(app.screen_stack)
        await pilot.press("u")
        await settle(pilot)
        assert app.screen is screen and len(app.screen_stack) == depth - 1
        # d marks the selected follow-up done: it leaves the list
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DoneModal)
        await pilot.click("#done-close")
        await settle(pilot)
        assert store.get(early.id).status is NoteStatus.DONE
        assert [n.id for n in screen.notes] == [late.id]
        # n writes a note about the selected follow-up's student
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.student_id == students[0]


async def test_export_writes_a_private_file_and_an_audit_entry(
    notes_engine: Engine, store: NotesStore, tmp_path: Path,
) -> None:
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting",
              text="Exported note", contact_date=dt.date(2026, 11, 10))
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other",  # after the as-of date
              text="Written later", contact_date=AS_OF + dt.timedelta(days=3))
    out = tmp_path / "out.csv"
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        assert modal.query_one("#export-path", Input).value == (
            f"~/Documents/caseload-notes-{COUNSELOR}-{AS_OF.isoformat()}.md")
        modal.query_one("#export-format").value = "csv"  # type: ignore[attr-defined]
        await settle(pilot)
        assert modal.query_one("#export-path", Input).value.endswith(".csv")
        modal.query_one("#export-path", Input).value = str(out)
        await pilot.click("#export-run")
        await settle(pilot)
        assert not isinstance(app.screen, ExportModal)
    assert out.exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    written = out.read_text(encoding="utf-8-sig")
    # the `notes export` use case: the range ends at the as-of date (no to date typed)
    assert "Exported note" in written and "Written later" not in written
    entry = store.audit()[0]
    assert (entry.actor, entry.format, entry.count) == (COUNSELOR, "csv", 1)
    assert entry.scope == f"counselor:{COUNSELOR} until:{AS_OF.isoformat()}"
    assert entry.path == str(out.resolve())


async def test_export_error_is_shown(notes_engine: Engine, store: NotesStore,
                                     tmp_path: Path) -> None:
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other",
              text="Confidential xyzzy", contact_date=dt.date(2026, 11, 10))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-path", Input).value = str(tmp_path / "missing" / "x.md")
        await pilot.click("#export-run")
        await settle(pilot)
        assert app.screen is modal
        assert "Not exported" in screen_text(app)
        assert "xyzzy" not in screen_text(app)  # no error message echoes a note's text
        assert [e.status.value for e in store.audit()] == ["failed"]  # audit first (issue 11)


async def test_pdf_export_runs_the_notes_export_use_case_with_progress(
    notes_engine: Engine, store: NotesStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The TUI's PDF is `caseload notes export`'s: a cover page naming the counselor and
    the open follow-ups, then the noted students; progress shows while it runs. The
    notification counts the characters its font cannot show (printed as "?"); it is asked
    for before the dialog leaves the screen stack (it came from the dialog's result
    callback, run later on the asking screen's queue: a loaded machine showed the dialog
    gone and nothing notified yet)."""
    from pypdf import PdfReader

    store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting",
              text="PDF note 漢字", contact_date=dt.date(2026, 11, 10),
              follow_up=dt.date(2026, 11, 30))
    seen: list[tuple[int, int]] = []
    original = ExportModal.on_export_progressed

    def record(modal: ExportModal, message: object) -> None:
        seen.append((message.done, message.total))  # type: ignore[attr-defined]
        original(modal, message)  # type: ignore[arg-type]

    monkeypatch.setattr(ExportModal, "on_export_progressed", record)
    out = tmp_path / "meeting.pdf"
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-format").value = "pdf"  # type: ignore[attr-defined]
        await settle(pilot)
        modal.query_one("#export-path", Input).value = str(out)
        asked: list[str] = []
        notify = app.notify

        def told_then(message: str, *args: Any, **kwargs: Any) -> None:
            asked.append(message)
            notify(message, *args, **kwargs)

        monkeypatch.setattr(app, "notify", told_then)
        asked_when_closed: list[list[str]] = []
        app.screen_change_signal.subscribe(  # called at once, as the dialog is popped
            app, lambda _screen: asked_when_closed.append(list(asked)), immediate=True)
        await pilot.click("#export-run")
        # App.notify is a message the app handles on its next turn: wait for the notice
        # itself, not only for the dialog to be gone
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportModal)
                         and len(app._notifications) > 0, what="the export to be told")
        told = [str(n.message) for n in app._notifications]
    assert [len(a) for a in asked_when_closed[:1]] == [1]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert seen and seen[-1][0] == seen[-1][1]  # progress reached the end
    assert told == [f"Exported 1 note to {out} (readable by you only); 2 characters the PDF "
                    "font cannot show are printed as ?"]
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Phillips, Violet" in text or "Violet Phillips" in text  # the cover's counselor
    assert "PDF note ??" in text and "follow-up" in text.lower()
    entry = store.audit()[0]
    assert (entry.format, entry.count, entry.status.value) == ("pdf", 1, "ok")


async def test_note_text_renders_literally(notes_engine: Engine, store: NotesStore) -> None:
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other",
              text="[bold]x[/bold]", contact_date=dt.date(2026, 11, 10))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "[bold]x[/bold]" in screen_text(app)


async def test_notes_need_a_counselor(notes_engine: Engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store, counselor_id=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
        assert any("Notes need a counselor" in str(n.message) for n in app._notifications)


async def test_without_a_store_notes_are_unavailable(notes_engine: Engine) -> None:
    app = CaseloadApp(Repository(notes_engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
        assert any("not available" in str(n.message) for n in app._notifications)


async def test_palette_offers_the_notes_commands(notes_engine: Engine,
                                                 store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"follow-ups")
        await wait_for_hit(pilot, "Follow-ups")  # the palette debounces its search
        await settle(pilot)
        assert "Follow-ups" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        assert "No open follow-ups" in screen_text(app)


async def test_note_history_and_shift_e_edits(notes_engine: Engine, store: NotesStore) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="first words",
                     contact_date=dt.date(2026, 11, 2))
    store.update(note.id, text="second words", expected_revision=1)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionsModal)
        text = screen_text(app)
        assert "Revision 2 (current)" in text and "second words" in text
        local = NOW.astimezone().strftime("%Y-%m-%d %H:%M")  # local time, never UTC
        assert f"Revision 1 (replaced {local} by someone not recorded)" in text
        assert "first words" in text
        assert "UTC" not in text
        assert text.index("second words") < text.index("first words")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor) and app.screen.note is not None
        assert app.screen.note.revision == 2


async def test_note_history_says_who_replaced_each_version(notes_engine: Engine,
                                                           store: NotesStore) -> None:
    """Issue 12 (history shows names): each earlier version says who replaced it, by name
    from the cache (the next version's stored ``updated_by``), as well as when; an id the
    cache does not know shows as stored, a version saved by nobody recorded says so."""
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="first words",
                     contact_date=dt.date(2026, 11, 2))
    store.update(note.id, text="second words", expected_revision=1, updated_by="cns-1")
    store.update(note.id, text="third words", expected_revision=2, updated_by=COUNSELOR)
    store.update(note.id, text="fourth words", expected_revision=3, updated_by="cns-gone")
    store.update(note.id, text="fifth words", expected_revision=4)  # nobody recorded
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionsModal)
        text = " ".join(screen_text(app).split())
        local = NOW.astimezone().strftime("%Y-%m-%d %H:%M")
        assert "Revision 5 (current)" in text
        assert f"Revision 4 (replaced {local} by someone not recorded)" in text
        assert f"Revision 3 (replaced {local} by cns-gone)" in text
        assert f"Revision 2 (replaced {local} by Phillips, Violet)" in text
        assert f"Revision 1 (replaced {local} by Nelson, Kenji)" in text


async def test_u_works_from_the_student_screen(notes_engine: Engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, StudentScreen)


async def test_help_lists_the_notes_keys(notes_engine: Engine, store: NotesStore) -> None:
    # (with no note, the keys for the note under the cursor are disabled: not listed)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting", text="Met.",
              contact_date=dt.date(2026, 11, 2))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        for words in ("Write a note about the selected student",
                      "Open notes whose follow-up is due", "Export the caseload's notes"):
            assert words in text, words
        await pilot.press("escape")
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "question_mark")
        await settle(pilot)
        text = screen_text(app)
        for words in ("Edit the note under the cursor", "Mark the note under the cursor done",
                      "Delete the note under the cursor", "Show the note's earlier versions",
                      "Write a note about this student"):
            assert words in text, words


def test_default_export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real function, not the autouse stand-in
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert notes_screens.default_export_dir() == tmp_path
    (tmp_path / "Documents").mkdir()
    assert notes_screens.default_export_dir() == tmp_path / "Documents"
    assert notes_screens.shown_path(tmp_path / "Documents" / "x.md") == "~/Documents/x.md"
    assert notes_screens.shown_path(Path("/elsewhere/x.md")) == "/elsewhere/x.md"


async def test_the_author_is_me_whatever_caseload_is_open(notes_engine: Engine,
                                                         store: NotesStore) -> None:
    # config `me` set, "All students" open: the note is the user's, not a viewed counselor's
    app = make_notes_app(notes_engine, store, counselor_id=None, me=COUNSELOR)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-contact", Input).value = AS_OF.isoformat()
        editor.query_one("#note-text", TextArea).text = "Checked in at lunch."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [n.author_id for n in store.list(student_id=STUDENT)] == [COUNSELOR]


async def test_without_me_or_a_caseload_notes_ask_for_a_counselor(notes_engine: Engine,
                                                                 store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store, counselor_id=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
        assert "Notes need a counselor" in " ".join(
            str(n.message) for n in app._notifications)


async def test_editor_records_method_and_outcome_and_reads_typed_dates(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """The editor's Method and Outcome selects are saved with the note and shown in the Notes
    tab and the history; its date fields take the CLI's syntax (``-1d``, ``fri``, ``M/D``)
    counted from today (NOW: Friday 2026-11-20)."""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        assert editor.today == NOW.astimezone().date()
        editor.query_one("#note-contact", Input).value = "-1d"
        editor.query_one("#note-method", Select).value = "phone"
        editor.query_one("#note-outcome", Select).value = "left_message"
        editor.query_one("#note-text", TextArea).text = "Called home."
        editor.query_one("#note-follow-up", Input).value = "fri"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NoteEditor)
        [note] = store.list(student_id=STUDENT)
        assert note.contact_date == dt.date(2026, 11, 19)
        assert note.follow_up == dt.date(2026, 11, 27)  # the next Friday after today
        assert note.method is ContactMethod.PHONE
        assert note.outcome is ContactOutcome.LEFT_MESSAGE
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert "Phone · Left message" in screen_text(app)
        # editing keeps them, and a changed outcome shows in the history beside the old one
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert editor.query_one("#note-method", Select).value == "phone"
        editor.query_one("#note-outcome", Select).value = "reached"
        editor.query_one("#note-follow-up", Input).value = "12/1"  # M/D: this year
        await pilot.press("ctrl+s")
        await settle(pilot)
        edited = store.get(note.id)
        assert edited.outcome is ContactOutcome.REACHED
        assert edited.follow_up == dt.date(2026, 12, 1)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, RevisionsModal)
        text = screen_text(app)
        assert "Phone · Reached" in text and "Phone · Left message" in text


async def test_editor_refuses_a_date_it_cannot_read(notes_engine: Engine,
                                                    store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-contact", Input).value = "someday"
        editor.query_one("#note-text", TextArea).text = "Text kept."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        text = screen_text(app)
        assert "Type the contact date as today, yesterday, tomorrow" in text
        assert store.list(student_id=STUDENT) == []
        assert editor.query_one("#note-text", TextArea).text == "Text kept."


OUT_OF_RANGE = "is outside the dates caseload works with (1900-01-01 to 2100-12-31)."


async def test_the_note_dates_refuse_a_date_outside_the_clis_range(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """The editor's dates (like the done dialog's next follow-up and the export's dates)
    used to take any year (a follow-up "+9999w" was saved as 2218): now the CLI's range,
    saying so."""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#note-text", TextArea).text = "Text kept."
        editor.query_one("#note-follow-up", Input).value = "2101-01-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert editor.error_text == f"The follow-up date 2101-01-01 {OUT_OF_RANGE}"
        editor.query_one("#note-contact", Input).value = "1899-12-31"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert editor.error_text == f"The contact date 1899-12-31 {OUT_OF_RANGE}"
        assert store.list(student_id=STUDENT) == []


async def test_the_export_dates_refuse_a_date_outside_the_clis_range(
    notes_engine: Engine, store: NotesStore, tmp_path: Path,
) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-since", Input).value = "0001-01-01"
        modal.query_one("#export-path", Input).value = str(tmp_path / "out.md")
        await pilot.click("#export-run")
        await settle(pilot)
        assert app.screen is modal and not (tmp_path / "out.md").exists()
        shown = str(modal.query_one("#export-error", Static).render())
        assert shown == f"The from date 0001-01-01 {OUT_OF_RANGE}", shown


async def test_the_next_follow_up_refuses_a_date_outside_the_clis_range(
    notes_engine: Engine, store: NotesStore,
) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="parent_contact",
                     text="call back", contact_date=dt.date(2026, 11, 1),
                     follow_up=dt.date(2026, 11, 18))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpsScreen)
        await pilot.press("d")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, DoneModal)
        modal.query_one("#done-next", Input).value = "+9999w"
        await pilot.click("#done-again")
        await settle(pilot)
        assert app.screen is modal
        shown = str(modal.query_one("#done-error", Static).render())
        assert shown.startswith("The next follow-up date ") and shown.endswith(OUT_OF_RANGE)
        assert store.get(note.id).follow_up == dt.date(2026, 11, 18)


async def test_a_typed_date_becomes_the_date_when_the_field_is_left(
    notes_engine: Engine, store: NotesStore,
) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        field = editor.query_one("#note-follow-up", Input)
        field.focus()
        field.value = "+2w"
        await pilot.press("tab")
        await settle(pilot)
        assert field.value == "2026-12-04"


async def test_follow_ups_upcoming_done_with_outcome_and_undo(notes_engine: Engine,
                                                             store: NotesStore) -> None:
    """``2`` shows the follow-ups of this week and next (AS_OF is Friday 11/20: this week ends
    Sunday 11/22, next week Sunday 11/29); ``d`` asks the outcome and offers the next date;
    ``z`` undoes."""
    repo = Repository(notes_engine)
    students = [r.id for r in repo.caseload(COUNSELOR, AS_OF)][:3]
    due = store.add(student_id=students[0], author_id=COUNSELOR, type="parent_contact",
                    text="call back", contact_date=dt.date(2026, 11, 1),
                    follow_up=dt.date(2026, 11, 18), method="phone", outcome="no_answer")
    sunday = store.add(student_id=students[1], author_id=COUNSELOR, type="referral",
                       text="this week", contact_date=dt.date(2026, 11, 1),
                       follow_up=dt.date(2026, 11, 22))
    next_week = store.add(student_id=students[2], author_id=COUNSELOR, type="referral",
                          text="next week", contact_date=dt.date(2026, 11, 1),
                          follow_up=dt.date(2026, 11, 25))
    store.add(student_id=students[2], author_id=COUNSELOR, type="referral", text="too far",
              contact_date=dt.date(2026, 11, 1), follow_up=dt.date(2026, 11, 30))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowUpsScreen)
        assert [n.id for n in screen.notes] == [due.id]
        assert "[2] upcoming this week and next (2)" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert [n.id for n in screen.notes] == [sunday.id, next_week.id]
        # the table is filled on the next refresh: wait for its rows, not for the list
        await wait_until(pilot, lambda: "this week (Sun)" in screen_text(app),
                         what="the upcoming follow-ups drawn")
        text = screen_text(app)
        assert "this week (Sun)" in text and "next week (Wed)" in text
        assert "too far" not in text
        await pilot.press("1")
        await settle(pilot)
        # d: the outcome (the note's, offered) and the next follow-up date, a week on
        await pilot.press("d")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, DoneModal)
        assert modal.query_one("#done-outcome", Select).value == "no_answer"
        assert modal.query_one("#done-next", Input).value == "2026-11-27"
        modal.query_one("#done-outcome", Select).value = "reached"
        modal.query_one("#done-next", Input).value = "tue"
        await pilot.click("#done-again")
        await settle(pilot)
        kept = store.get(due.id)
        assert kept.status is NoteStatus.OPEN and kept.follow_up == dt.date(2026, 11, 24)
        assert kept.outcome is ContactOutcome.REACHED
        assert screen.due == []  # no longer due: it moved to next Tuesday
        assert [n.id for n in screen.upcoming] == [sunday.id, due.id, next_week.id]
        # z undoes it: due again, with the outcome it had
        await pilot.press("z")
        await settle(pilot)
        back = store.get(due.id)
        assert back.follow_up == dt.date(2026, 11, 18) and back.status is NoteStatus.OPEN
        assert back.outcome is ContactOutcome.NO_ANSWER
        assert [n.id for n in screen.due] == [due.id]
        # closing it, then undo
        await pilot.press("d")
        await settle(pilot)
        await pilot.click("#done-close")
        await settle(pilot)
        assert store.get(due.id).status is NoteStatus.DONE and screen.due == []
        await pilot.press("z")
        await settle(pilot)
        assert store.get(due.id).status is NoteStatus.OPEN
        assert [n.id for n in screen.due] == [due.id]


async def test_undo_a_delete_on_the_notes_tab(notes_engine: Engine, store: NotesStore) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="keep me",
                     contact_date=dt.date(2026, 11, 2))
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "delete")
        await settle(pilot)
        await pilot.click("#delete")
        await settle(pilot)
        assert store.get(note.id).deleted
        assert "No notes yet" in screen_text(app)
        app.screen.query_one("#notes-table").focus()
        await pilot.press("z")
        await settle(pilot)
        assert not store.get(note.id).deleted
        pane = app.screen.query_one(NotesPane)
        assert [n.id for n in pane.notes] == [note.id]


async def test_editor_flag_boxes_differ_by_glyph(notes_engine: Engine, store: NotesStore) -> None:
    """The editor's flag list draws a checked box ``▐X▌`` and an unchecked one ``▐ ▌`` (not
    only a colour), as the caseload's flag filter does."""
    from caseload.tui.widgets.check_list import CheckList

    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await open_editor(pilot)
        flags = editor.query_one("#note-flags", CheckList)
        flags.deselect_all()
        flags.select(flags.get_option_at_index(0).value)
        await settle(pilot)
        boxes = [line for line in screen_lines(app) if "▐X▌" in line or "▐ ▌" in line]
        assert len(boxes) == flags.option_count >= 2
        assert "▐X▌" in boxes[0] and all("▐ ▌" in line for line in boxes[1:])
