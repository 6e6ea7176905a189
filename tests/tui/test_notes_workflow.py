"""Issue 12's contact-log items in the TUI, with Pilot over a real NotesStore on the sample
cache: a note about a class from the class screen, the plain-words edit conflict, and the
first-run "who are you" picker. Fixtures come from ``test_notes_tui``."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.widgets import OptionList, TextArea

from caseload.config import ConfigError, load_config, save_me
from caseload.services.app import ConfigMe
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.me_picker import MePicker
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.notes import NotesPane

from .conftest import screen_text, settle, wait_until
from .test_notes_tui import (
    AS_OF,
    COUNSELOR,
    NOW,
    STUDENT,
    make_notes_app,
    notes_engine,
    store,
)

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


def _first_run_app(engine: Engine, store: NotesStore, config: Path, **kw: object) -> CaseloadApp:
    return CaseloadApp(Repository(engine), counselor_id=None, as_of=AS_OF, now=lambda: NOW,
                       notes=store, save_me=ConfigMe(config), **kw)  # type: ignore[arg-type]


async def test_first_run_asks_who_you_are_and_saves_it(notes_engine: Engine,
                                                        store: NotesStore,
                                                        tmp_path: Path) -> None:
    config = tmp_path / "caseload" / "config.toml"
    config.parent.mkdir()
    config.write_text('# mine\ntheme = "textual-light"  # light\n\n[thresholds]\n'
                      'failing_grade = 65\n', encoding="utf-8")
    app = _first_run_app(notes_engine, store, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MePicker), what="the picker")
        picker = app.screen
        assert isinstance(picker, MePicker)
        await wait_until(pilot, lambda: "Who are you?" in screen_text(app), what="drawn")
        text = screen_text(app)
        assert "Who are you?" in text and "Phillips, Violet" in text
        assert "cns-3" not in text  # names, not ids
        options = picker.query_one(OptionList)
        options.highlighted = next(i for i, c in enumerate(picker.counselors)
                                   if c.sourced_id == COUNSELOR)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "me =" in config.read_text(encoding="utf-8"),
                         what="the config saved")
        assert not isinstance(app.screen, MePicker)
        assert (app.me, app.counselor_id) == (COUNSELOR, COUNSELOR)  # used at once
        await settle(pilot)
        assert "Phillips, Violet" in screen_text(app)  # her caseload is open
    saved = config.read_text(encoding="utf-8")
    assert saved.startswith('me = "cns-3"\n')
    assert '# mine\ntheme = "textual-light"  # light' in saved and "failing_grade = 65" in saved
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    loaded = load_config(str(config))
    assert (loaded.me, loaded.theme, loaded.thresholds) == (
        COUNSELOR, "textual-light", {"failing_grade": 65})
    # the next start: `me` is set, nobody asks
    again = CaseloadApp(Repository(notes_engine), counselor_id=loaded.me, as_of=AS_OF,
                        now=lambda: NOW, notes=store, me=loaded.me, save_me=None)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not isinstance(again.screen, MePicker)


async def test_first_run_escape_goes_on_without_saving(notes_engine: Engine,
                                                       store: NotesStore,
                                                       tmp_path: Path) -> None:
    config = tmp_path / "new" / "config.toml"
    app = _first_run_app(notes_engine, store, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, MePicker), what="the picker")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MePicker)
        assert (app.me, app.counselor_id) == (None, None)  # every student
        assert "All students" in screen_text(app)
    assert not config.exists()


def test_save_me_creates_the_file_and_replaces_me(tmp_path: Path) -> None:
    config = tmp_path / "a" / "b" / "config.toml"
    assert save_me(config, "cns-1") == config
    assert config.read_text(encoding="utf-8") == 'me = "cns-1"\n'
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    config.write_text('me = "cns-1"  # me\n[keymap]\n"app.quit" = "ctrl+q"\n',
                      encoding="utf-8")
    save_me(config, "cns-2")
    assert config.read_text(encoding="utf-8") == (
        'me = "cns-2"  # me\n[keymap]\n"app.quit" = "ctrl+q"\n')
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]  # no temp left
    config.write_text("me = [broken\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        save_me(config, "cns-3")
    assert config.read_text(encoding="utf-8") == "me = [broken\n"  # left as it was


async def test_a_conflict_says_who_and_when_and_shows_both_at_80x24(notes_engine: Engine,
                                                                     store: NotesStore) -> None:
    note = store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="First words",
                     contact_date=AS_OF)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        store.update(note.id, text="Kenji's words", updated_by="cns-1")
        editor.query_one("#note-text", TextArea).text = "My words"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Kenji Nelson changed this note" in screen_text(app),
                         what="the conflict said on screen")
        await settle(pilot)
        text = screen_text(app)
        assert "My words" in text and "Kenji's words" in text  # both versions on screen
        assert "cns-1" not in text and "revision" not in text.lower()
