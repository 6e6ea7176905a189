"""A review's findings on note safety, driven with Pilot over the fake reader and a small
in-memory notes store whose draft writes (and notes reads) can be made to fail: a failed
autosave said "Draft saved", the palette closed or doubled an unsaved editor, a failed notes
read hid the student screen, and a student's flags past five lines could not be seen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

import pytest
from textual.screen import Screen

from caseload.domain.notes import Note, NoteDraft, NoteStatus, NoteType
from caseload.domain.report import Flag, FlagCode, Severity, StudentDetail
from caseload.tui import messages
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.changes import ChangesScreen
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.follow_ups import FollowUpsScreen
from caseload.tui.screens.help import HelpScreen
from caseload.tui.screens.me_picker import MePicker
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen

from .conftest import palette_hits, screen_lines, screen_text, settle, wait_for_hit, wait_until
from .fakes import AS_OF, NOW, FakeReader

NOTE_TEXT = "Student disclosed a problem at home"


class FakeNotes:
    """The notes store calls the TUI makes, in memory; ``fail_drafts`` makes every draft
    write fail as a busy cache does."""

    clock = staticmethod(lambda: NOW)

    def __init__(self) -> None:
        self.notes: dict[int, Note] = {}
        self.drafts: dict[tuple[str, str, int | None], NoteDraft] = {}
        self.fail_drafts = False
        self.draft_tries = 0  # draft writes asked for, failed or not

    def _note(self, nid: int, student_id: str, text: str,
              follow_up: dt.date | None = None) -> Note:
        return Note(id=nid, student_id=student_id, author_id="c-rivera",
                    contact_date=AS_OF - dt.timedelta(days=10), type=NoteType.STUDENT_MEETING,
                    flags=(), class_id=None, text=text, follow_up=follow_up,
                    status=NoteStatus.OPEN, created_at=NOW, updated_at=NOW)

    def seed(self, student_id: str, text: str, follow_up: dt.date | None = None) -> Note:
        nid = len(self.notes) + 1
        self.notes[nid] = self._note(nid, student_id, text, follow_up)
        return self.notes[nid]

    def list(self, student_id: str | None = None, counselor_id: str | None = None,
             since: dt.date | None = None, until: dt.date | None = None,
             include_deleted: bool = False) -> list[Note]:
        return [n for n in self.notes.values() if student_id in (None, n.student_id)]

    def follow_ups(self, as_of: dt.date, counselor_id: str | None = None) -> list[Note]:
        return [n for n in self.notes.values()
                if n.follow_up and n.follow_up <= as_of and n.status is NoteStatus.OPEN]

    def student_labels(self, ids: set[str]) -> dict[str, tuple[str, None]]:
        return {i: (i, None) for i in ids}

    def class_titles(self, ids: set[str]) -> dict[str, str]:
        return {i: i for i in ids}

    def add(self, *, student_id: str, author_id: str, text: str, **fields: Any) -> Note:
        return self.seed(student_id, text)

    def save_draft(self, author_id: str, student_id: str, note_id: int | None,
                   payload: dict[str, Any]) -> NoteDraft:
        self.draft_tries += 1
        if self.fail_drafts:
            raise RuntimeError("database is locked")
        draft = NoteDraft(author_id, student_id, note_id, dict(payload), NOW)
        self.drafts[(author_id, student_id, note_id)] = draft
        return draft

    def load_draft(self, author_id: str, student_id: str,
                   note_id: int | None = None) -> NoteDraft | None:
        return self.drafts.get((author_id, student_id, note_id))

    def discard_draft(self, author_id: str, student_id: str,
                      note_id: int | None = None) -> bool:
        return self.drafts.pop((author_id, student_id, note_id), None) is not None

    def drafted_text(self) -> str | None:
        """The text of the one draft kept (None: none)."""
        assert len(self.drafts) <= 1, self.drafts.keys()
        return next((str(d.payload.get("text")) for d in self.drafts.values()), None)


def make(notes: FakeNotes, reader: FakeReader | None = None) -> CaseloadApp:
    return CaseloadApp(reader or FakeReader(), counselor_id="c-rivera", as_of=AS_OF,
                       now=lambda: NOW, notes=notes)  # type: ignore[arg-type]


def draft_status(app: CaseloadApp) -> str:
    editor = next(s for s in app.screen_stack if isinstance(s, NoteEditor))
    return str(editor.query_one("#note-draft-status").render())


def messages_shown(app: CaseloadApp) -> list[str]:
    return [str(n.message) + str(n.title) for n in app._notifications]


# -- 1. a failed autosave is said, and "Close, keep draft" writes the draft --------------------


async def test_a_failed_autosave_says_not_saved_and_keep_writes_the_draft() -> None:
    notes = FakeNotes()
    app = make(notes)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        notes.fail_drafts = True  # the cache is busy for a moment
        await pilot.press(*NOTE_TEXT)
        await wait_until(pilot, lambda: "Draft NOT saved" in draft_status(app),
                         what="the failed autosave said")
        assert notes.draft_tries >= 1
        assert "Draft saved" not in screen_text(app)
        assert not any(NOTE_TEXT in m for m in messages_shown(app))  # no note text told
        assert NOTE_TEXT not in draft_status(app) + str(editor.query_one("#note-error").render())

        notes.fail_drafts = False  # the cache is free again
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        app.screen.dismiss("keep")
        await wait_until(pilot, lambda: editor not in app.screen_stack, what="the editor closed")
        await settle(pilot)
    assert notes.drafted_text() == NOTE_TEXT


async def test_a_draft_that_cannot_be_kept_on_close_leaves_the_editor_open() -> None:
    notes = FakeNotes()
    app = make(notes)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        await pilot.press(*NOTE_TEXT)
        await wait_until(pilot, lambda: "Draft saved" in draft_status(app), what="the autosave")
        assert notes.drafted_text() == NOTE_TEXT
        await pilot.press(*" more")  # typed after the last autosave, closed within its delay
        notes.fail_drafts = True
        tries = notes.draft_tries
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        app.screen.dismiss("keep")
        await wait_until(pilot, lambda: notes.draft_tries > tries
                         and "Draft NOT saved" in draft_status(app),
                         what="the failed write said")
        await settle(pilot)
        assert app.screen is editor  # open, with the text as typed
        assert editor.payload()["text"] == NOTE_TEXT + " more"
        assert "not closed" in str(editor.query_one("#note-error").render())
        assert not any(NOTE_TEXT in m for m in messages_shown(app))

        notes.fail_drafts = False
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        app.screen.dismiss("keep")
        await wait_until(pilot, lambda: editor not in app.screen_stack, what="the editor closed")
    assert notes.drafted_text() == NOTE_TEXT + " more"


async def test_a_busy_cache_is_notified_once_not_at_every_autosave() -> None:
    """Each failed autosave notified again: on a locked cache the same warning came every
    half second as the counselor typed. Now once while the draft writes keep failing, and
    again only after one has succeeded; the editor's own line says each failure."""
    notes = FakeNotes()
    app = make(notes)

    def draft_warnings() -> list[str]:
        return [m for m in messages_shown(app) if "save draft" in m]

    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        notes.fail_drafts = True  # the cache stays locked through three autosaves
        for word in ("Student ", "disclosed ", "a problem"):
            tries = notes.draft_tries
            await pilot.press(*word)
            await wait_until(pilot, lambda: notes.draft_tries > tries
                             and "Draft NOT saved" in draft_status(app),
                             what="the failed autosave")
            await settle(pilot)
        assert notes.draft_tries >= 3
        assert len(draft_warnings()) == 1, messages_shown(app)

        notes.fail_drafts = False  # free again: the next autosave is written
        await pilot.press(*" at home")
        await wait_until(pilot, lambda: "Draft saved" in draft_status(app), what="the autosave")
        notes.fail_drafts = True  # and busy once more: that is a new failure, said again
        tries = notes.draft_tries
        await pilot.press("!")
        await wait_until(pilot, lambda: notes.draft_tries > tries
                         and "Draft NOT saved" in draft_status(app), what="the new failure")
        await settle(pilot)
        assert len(draft_warnings()) == 2, messages_shown(app)
        assert not any("disclosed" in m or "problem" in m for m in messages_shown(app))
        assert editor.payload()["text"] == NOTE_TEXT + "!"


# -- 2. the palette neither closes nor doubles an unsaved note editor --------------------------


async def open_follow_up_editor(pilot: Any, notes: FakeNotes) -> NoteEditor:
    """The follow-ups screen (``u``), then a note about its student (``n``), with text."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("u")
    await wait_until(pilot, lambda: isinstance(app.screen, FollowUpsScreen), what="follow-ups")
    await settle(pilot)
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
    editor = app.screen
    assert isinstance(editor, NoteEditor)
    await wait_until(pilot, lambda: editor._ready, what="the editor ready")
    await pilot.press(*"Met with Maya")
    return editor


async def test_the_palette_over_an_editor_offers_no_navigation_or_write() -> None:
    notes = FakeNotes()
    notes.seed("s001", "call mom", follow_up=AS_OF)
    app = make(notes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_follow_up_editor(pilot, notes)
        await pilot.press("ctrl+p")
        await wait_for_hit(pilot, "Toggle light / dark theme")  # after the notes commands
        hits = palette_hits(app)
        for command in ("Follow-ups", "Write a note", "Export notes", "Switch counselor",
                        "Run import", "Reload", "Change as-of date"):
            assert not any(command in hit for hit in hits), (command, hits)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is editor, what="the palette closed")
        assert editor.payload()["text"] == "Met with Maya"


async def test_follow_ups_asks_first_when_a_note_is_unsaved() -> None:
    """The palette's (and ``u``'s) follow-ups popped the editor without the question."""
    notes = FakeNotes()
    notes.seed("s001", "call mom", follow_up=AS_OF)
    app = make(notes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_follow_up_editor(pilot, notes)
        app.open_follow_ups()
        await settle(pilot)
        assert app.screen is editor
        assert editor.payload()["text"] == "Met with Maya"
        assert any("unsaved changes" in m for m in messages_shown(app))


async def test_follow_ups_wait_until_even_a_clean_note_is_closed() -> None:
    """Over a clean note editor the follow-ups opened on top of it (and from the follow-ups'
    own ``n``, popped it). Over a dialog the app's keys do nothing (Textual stops them at a
    modal) and the palette offers nothing that leaves it: the follow-ups action, which ``u``
    and the palette run, now says to close the note first, as it does for an unsaved one."""
    notes = FakeNotes()
    notes.seed("s001", "call mom", follow_up=AS_OF)
    app = make(notes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")  # from the caseload: the follow-ups are not open
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        assert not editor.unsaved
        for focus in ("#note-flags", "#note-type", "#note-method"):  # (the text takes a u)
            editor.query_one(focus).focus()
            await pilot.press("u")  # no key of the app's reaches past a dialog
            await settle(pilot)
            assert app.screen is editor and not editor.unsaved, focus
        await app.run_action("follow_ups")  # what u runs (and the palette's Follow-ups)
        await settle(pilot)
        assert app.screen is editor
        assert not any(isinstance(s, FollowUpsScreen) for s in app.screen_stack)
        assert any("A note is open" in m for m in messages_shown(app)), messages_shown(app)
        await pilot.press("escape")  # clean: closes at once
        await wait_until(pilot, lambda: editor not in app.screen_stack, what="the editor closed")
        await pilot.press("u")  # and now u opens them
        await wait_until(pilot, lambda: isinstance(app.screen, FollowUpsScreen),
                         what="the follow-ups")

        follow_ups = app.screen
        await settle(pilot)
        await pilot.press("n")  # a note from the follow-ups, left clean
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="an editor")
        second = app.screen
        assert isinstance(second, NoteEditor)
        await wait_until(pilot, lambda: second._ready, what="the editor ready")
        app.post_message(messages.OpenFollowUps())  # as the caseload's u asks for them
        await app.run_action("follow_ups")
        await settle(pilot)
        assert app.screen is second  # not popped back to the follow-ups under it
        assert app.screen_stack[-2] is follow_ups


async def test_write_a_note_never_opens_a_second_editor() -> None:
    """A second editor on the same draft: its "Discard" deleted the first one's draft."""
    notes = FakeNotes()
    app = make(notes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        await pilot.press(*"Jordan said")
        await wait_until(pilot, lambda: "Draft saved" in draft_status(app), what="the autosave")
        app.write_note_for_selection()  # what the palette's "Write a note" called
        await settle(pilot)
        assert [s for s in app.screen_stack if isinstance(s, NoteEditor)] == [editor]
        assert any("already open" in m for m in messages_shown(app))
    assert notes.drafted_text() == "Jordan said"


async def test_quitting_and_leaving_weigh_every_editor_on_the_stack() -> None:
    """``holds_quit``/``holds_leave`` looked at the topmost editor only: an unsaved one under
    a clean one was closed without the question."""
    notes = FakeNotes()
    app = make(notes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await wait_until(pilot, lambda: editor._ready, what="the editor ready")
        await pilot.press(*"Jordan said")
        assert app.notes_calls is not None
        clean = NoteEditor("s001", "Abbott, Maya", [], notes=app.notes_calls,
                           author_id="c-rivera", as_of=AS_OF)
        await app.push_screen(clean)  # as the palette's "Write a note" could, before
        await wait_until(pilot, lambda: clean._ready, what="the second editor ready")
        assert app.notes_flow.holds_leave()
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        assert app.is_running and editor.unsaved


# -- 3. a failed notes read leaves the student screen shown ------------------------------------


class BrokenNotes(FakeNotes):
    def list(self, student_id: str | None = None, counselor_id: str | None = None,
             since: dt.date | None = None, until: dt.date | None = None,
             include_deleted: bool = False) -> list[Note]:
        raise RuntimeError("the notes store is busy")


async def test_a_failed_notes_read_leaves_the_student_shown() -> None:
    app = make(BrokenNotes())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.home.select_student("s001")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and "Notes could not be read" in screen_text(app),
                         what="the failed read said on the student screen")
        screen = app.screen
        assert isinstance(screen, StudentScreen)
        assert screen.error is None and screen.detail is not None
        text = screen_text(app)
        assert "Abbott, Maya" in text and "Below 60% in Algebra I" in text
        assert "Could not load this student" not in text
        assert "the notes store is busy" in text


# -- 4. every flag and the risk's "why" can be read, at 80x24, by keyboard ---------------------


class ManyFlags(FakeReader):
    """s001 with nine flags: with the "= risk" line, ten lines."""

    EXTRA = (*(Flag(FlagCode.LOW_GRADE, Severity.MEDIUM, f"Class {i} is 6{i}.0% (below 70%)",
                    f"c{i}") for i in range(5)),
             Flag(FlagCode.BEHAVIOR, Severity.MEDIUM, "3 discipline incidents this year", None))

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        detail = super().student(student_id, as_of)
        if student_id != "s001":
            return detail
        report = dataclasses.replace(detail.report, flags=detail.report.flags + self.EXTRA)
        return dataclasses.replace(detail, report=report)


async def test_every_flag_and_the_risk_line_can_be_reached_by_keyboard_at_80x24() -> None:
    reader = ManyFlags()
    app = make(FakeNotes(), reader)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student("s001")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and app.screen.detail is not None, what="the student screen")
        await settle(pilot)
        screen = app.screen
        flags = screen.detail.report.flags  # type: ignore[attr-defined]
        assert len(flags) == 9
        for _ in range(len(screen.focus_chain)):  # tab reaches the flags
            if app.focused is not None and app.focused.id == "student-flags-box":
                break
            await pilot.press("tab")
            await pilot.pause()
        assert app.focused is not None and app.focused.id == "student-flags-box"
        seen = set(screen_lines(app))
        for _ in range(12):  # more than enough lines: the box scrolls one a key
            await pilot.press("down")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            seen |= set(screen_lines(app))
        text = "\n".join(seen)
        for flag in flags:
            assert flag.message in text, flag.message
        assert "= risk" in text


# -- 5. every worker's error goes through the App's one handler --------------------------------


def locked() -> Exception:
    import sqlite3

    return sqlite3.OperationalError("database is locked")


class BrokenFigures:
    def __call__(self, student_ids: Any, as_of: dt.date) -> dict[str, float | None]:
        raise locked()


class BrokenChanges:
    def changes(self, counselor_id: str | None, since: dt.date, as_of: dt.date) -> list[Any]:
        raise locked()

    def last_seen(self, counselor_id: str | None) -> dt.date | None:
        return None

    def mark_seen(self, counselor_id: str | None, as_of: dt.date) -> None:
        pass


async def test_a_failed_figures_read_is_handled_by_the_app() -> None:
    from caseload.tui.screens.sort_picker import SortPicker

    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      intervention_changes=BrokenFigures())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SortPicker), what="picker")
        await pilot.press("i")
        await wait_until(pilot, lambda: any(m.startswith("change since last intervention: ")
                                            for m in messages_shown(app)),
                         what="the App's notification")
        await wait_until(pilot, lambda: not app.home.figures_loading, what="the read over")
        assert any("the cache is busy" in m for m in messages_shown(app))
        assert app.home.sort_key == "triage"


async def test_a_failed_changes_read_is_handled_by_the_app() -> None:
    from caseload.tui.screens.changes import ChangesScreen

    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      changes=BrokenChanges())  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_changes(AS_OF - dt.timedelta(days=7))
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen)
                         and app.screen.loaded, what="the changes read over")
        assert any(m.startswith("load changes: ") for m in messages_shown(app))
        title = str(app.screen.query_one("#changes-title").render())
        assert "Could not list the changes: the cache is busy" in title


# -- start-up screens never open over a note editor or a dialog ---------------------------------


class GatedChanges:
    """"Since you last looked" (a ChangesPort) whose ``last_seen`` answers only once the test
    sets ``release``: the cache was slow, and the user quick with a key."""

    def __init__(self, last: dt.date) -> None:
        self.release = threading.Event()
        self.last = last
        self.seen: list[dt.date] = []

    def changes(self, counselor_id: str | None, since: dt.date, as_of: dt.date) -> list[Any]:
        return []

    def last_seen(self, counselor_id: str | None) -> dt.date | None:
        self.release.wait(10)
        return self.last

    def mark_seen(self, counselor_id: str | None, as_of: dt.date) -> None:
        self.seen.append(as_of)


class LateCounselors(FakeReader):
    """A cache with no counselors until the test sets ``arrived`` (an import or sync then
    brings them, and the app reads them again: ``reload_all``)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = False

    def counselors(self) -> list[Any]:
        return super().counselors() if self.arrived else []


class FakeSaveMe:
    where = "config.toml"

    def __call__(self, counselor_id: str) -> str:
        return self.where


async def _cover(pilot: Any, app: CaseloadApp, cover: str) -> Screen[Any]:
    """A note editor (``n``) or another dialog (help, ``?``) opened before the start-up
    screens' data has arrived; the screen it is."""
    await wait_until(pilot, lambda: app.home.selected_student_id is not None,
                     what="the caseload")
    await pilot.press("n" if cover == "editor" else "question_mark")
    kind = NoteEditor if cover == "editor" else HelpScreen
    await wait_until(pilot, lambda: isinstance(app.screen, kind), what=cover)
    screen = app.screen
    if isinstance(screen, NoteEditor):
        await wait_until(pilot, lambda: screen._ready, what="the editor ready")
    return screen


@pytest.mark.parametrize("cover", ["editor", "help"])
async def test_since_you_last_looked_waits_until_a_note_or_dialog_is_closed(cover: str) -> None:
    """"Since you last looked" opened as soon as the last as-of date was read: a note editor
    opened before that (a quick ``n``) was covered by it, the note hidden while the user typed
    on. It waits until the editor or dialog is closed, as the follow-ups do, then opens."""
    changes = GatedChanges(AS_OF - dt.timedelta(days=7))
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      notes=FakeNotes(), changes=changes)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        covering = await _cover(pilot, app, cover)
        changes.release.set()
        await wait_until(pilot, lambda: changes.seen, what="the last as-of date read")
        await settle(pilot)
        assert app.screen is covering, app.screen_stack
        assert not any(isinstance(s, ChangesScreen) for s in app.screen_stack)
        await pilot.press("escape")  # (a clean editor closes at once)
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesScreen),
                         what="the changes, once it is closed")
        assert covering not in app.screen_stack
        assert app.screen.since == AS_OF - dt.timedelta(days=7)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cover", ["editor", "help"])
async def test_the_first_runs_who_are_you_waits_until_a_note_or_dialog_is_closed(
    cover: str,
) -> None:
    """The first run's "who are you?" (no ``me``; ``--counselor`` names the caseload, so
    notes can be written) opened over a note editor or dialog opened before the counselors
    were read (here: read again once an import brought them, as ``reload_all`` does). It
    waits until the editor or dialog is closed, then asks."""
    reader = LateCounselors()
    app = CaseloadApp(reader, counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW,
                      notes=FakeNotes(), save_me=FakeSaveMe())  # type: ignore[arg-type]
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(pilot)
        assert not any(isinstance(s, MePicker) for s in app.screen_stack)  # (nobody to pick)
        covering = await _cover(pilot, app, cover)
        reader.arrived = True
        app.data.request_counselors(app)
        await wait_until(pilot, lambda: app.counselors, what="the counselors read")
        await settle(pilot)
        assert app.screen is covering, app.screen_stack
        assert not any(isinstance(s, MePicker) for s in app.screen_stack)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MePicker),
                         what="the picker, once it is closed")
        assert covering not in app.screen_stack
