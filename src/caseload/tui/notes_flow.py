"""Intervention notes in the TUI: what each notes request leads to.

Widgets and screens post what the counselor asked for (``messages.WriteNote``,
``OpenFollowUps``, ``OpenExport``, ``ShowRevisions``, ``NotesChanged``); the App hands them to
its ``NotesFlow``, which decides: it opens the editor, the follow-ups, the export dialog or a
note's history, or says why notes are not available. The store calls themselves are in
``caseload.tui.notes_calls``. The author of a note is the user (``me`` in the config), else the
counselor whose caseload is open: with neither (the all-students view, no ``me``) ``n`` says that
notes need a counselor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from caseload.domain.notes import Note
from caseload.domain.report import Flag
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.ports import DataRequests
from caseload.tui.session import Session

if TYPE_CHECKING:
    from textual.app import App

    from caseload.tui.screens.note_editor import NoteEditor

NEED_COUNSELOR = (
    "Notes need a counselor: open caseload with --counselor ID, set `me` in the config file, "
    "or press c to pick a counselor."
)
NO_NOTES = "Notes are not available here (no notes store)."


class NotesFlow:
    def __init__(self, app: App[Any], session: Session, data: DataRequests,
                 notes: NotesCalls | None) -> None:
        self.app = app
        self.session = session
        self.data = data
        self.notes = notes
        # students whose flags are being read for the editor: their name, class id and title
        self._names: dict[str, tuple[str, str | None, str]] = {}

    def problem(self, *, author: bool = True) -> str | None:
        """Why notes cannot be written (or read) now, or None."""
        if self.notes is None:
            return NO_NOTES
        if author and self.session.author_id is None:
            return NEED_COUNSELOR
        return None

    def _warn(self, text: str) -> None:
        self.app.notify(text, title="Notes", severity="warning", markup=False, timeout=8)

    def _usable(self, *, author: bool = True) -> NotesCalls | None:
        problem = self.problem(author=author)
        if problem:
            self._warn(problem)
            return None
        return self.notes

    # -- quitting ------------------------------------------------------------------------------

    def _open_editors(self) -> list[NoteEditor]:
        """Every note editor on the screen stack, topmost first."""
        from caseload.tui.screens.note_editor import NoteEditor

        return [s for s in reversed(self.app.screen_stack) if isinstance(s, NoteEditor)]

    def _being_saved(self, editor: NoteEditor, retry: str) -> bool:
        """Whether ``editor``'s note (or its draft, before it closes) is being saved; if so,
        says to ``retry`` once it is."""
        if editor.writing:
            self.app.notify(f"The note is being saved: {retry} once it is.", title="Notes",
                            markup=False)
        return editor.writing

    def holds_leave(self) -> bool:
        """Whether a note open in its editor stops a jump that would close it (the palette's
        "jump to a student" pops every screen): one being saved, or one with changes not
        saved; it says why, and the editor stays as it is (Escape closes it, asking). Every
        editor on the stack counts, not only the topmost."""
        editors = self._open_editors()
        writing = [editor for editor in editors if editor.writing]
        if writing:
            return self._being_saved(writing[0], "try again")
        if any(editor.unsaved for editor in editors):
            self.app.notify(
                "The note has unsaved changes: save it (ctrl+s) or close it (Escape) first.",
                title="Notes", severity="warning", markup=False,
            )
            return True
        return False

    def holds_quit(self) -> bool:
        """Whether a note open in its editor stops the app from quitting now: one being saved
        (quit again once it is), or one with changes not saved, whose editor then asks as
        Escape does (keep the draft and quit, discard and quit, or go back to it), so the
        last keystrokes are never lost to the half-second autosave. Every editor on the stack
        counts; the topmost unsaved one asks."""
        editors = self._open_editors()
        writing = [editor for editor in editors if editor.writing]
        if writing:
            return self._being_saved(writing[0], "quit again")
        unsaved = [editor for editor in editors if editor.unsaved]
        if unsaved:
            unsaved[0].confirm_quit()
            return True
        return False

    # -- the editor ----------------------------------------------------------------------------

    def write_note(self, student_id: str, name: str, flags: Sequence[Flag] | None,
                   note: Note | None = None, *, class_id: str | None = None,
                   class_title: str = "", prefill: dict[str, Any] | None = None) -> None:
        """Open the note editor for a new note (or ``note``) about this student (and the class
        ``class_id``, when given; ``prefill``: editor fields of a new note, e.g. a guardian
        contact); ``flags`` None: read the student's flags (with their messages) first, in a
        worker."""
        notes = self._usable()
        if notes is None:
            return
        if self._open_editors():  # one note at a time: a second editor would share its draft
            self._warn("A note is already open: save it (ctrl+s) or close it (Escape) first.")
            return
        if flags is None:
            self._names[student_id] = (name, class_id, class_title)
            self.data.request_student_flags(self.app, student_id)
            return
        from caseload.tui.screens.note_editor import NoteEditor

        author_id = self.session.author_id
        assert author_id is not None

        def done(result: Note | None) -> None:  # (the editor says it is saved)
            if result is not None:
                self.changed(result.student_id)

        self.app.push_screen(
            NoteEditor(student_id, name, list(flags), notes=notes, author_id=author_id,
                       as_of=self.session.as_of, note=note, prefill=prefill,
                       today=self.session.today(), day=self.session.note_day(),
                       class_id=class_id, class_title=class_title),
            done,
        )

    def flags_loaded(self, student_id: str, flags: tuple[Flag, ...]) -> None:
        wanted = self._names.pop(student_id, None)
        if wanted is not None:
            name, class_id, class_title = wanted
            self.write_note(student_id, name, flags, class_id=class_id, class_title=class_title)

    # -- the other screens ---------------------------------------------------------------------

    def open_follow_ups(self) -> None:
        """The follow-ups screen (back to the one open, popping the screens above it); not
        while a note is open in its editor, saved or not, nor over any other dialog (it says
        so): there, as Textual stops every key of the app's at a dialog and the palette
        offers nothing that leaves one, the follow-ups wait until it is closed. (A clean
        editor's was pushed over, or popped.)"""
        notes = self._usable(author=False)
        if notes is None or self.holds_leave() or self._in_a_dialog():
            return
        from caseload.tui.screens.follow_ups import FollowUpsScreen

        app = self.app
        stack = app.screen_stack
        if any(isinstance(screen, FollowUpsScreen) for screen in stack):
            # back to the one already open (u from a student opened from it), not a second one
            while len(stack) > 1 and not isinstance(stack[-1], FollowUpsScreen):
                app.pop_screen()
                stack = app.screen_stack
            return
        app.push_screen(FollowUpsScreen(self.session, notes))

    def _in_a_dialog(self) -> bool:
        """Whether a note editor is open (anywhere on the stack) or a dialog is on top; if so,
        says to close it first."""
        from textual.screen import ModalScreen

        if self._open_editors():
            self._warn("A note is open: save it (ctrl+s) or close it (Escape) first.")
            return True
        if isinstance(self.app.screen, ModalScreen):
            self._warn("Close this dialog (Escape) first.")
            return True
        return False

    def open_export(self, student_id: str | None = None, name: str = "") -> None:
        """The export dialog; ``student_id``: offer this student as well as the caseload."""
        notes = self._usable(author=False)
        if notes is None:
            return
        from caseload.tui.screens.export import ExportModal

        session = self.session  # the dialog says what it wrote (ExportModal.on_notes_exported)
        self.app.push_screen(
            ExportModal(notes=notes, student_id=student_id, student_name=name,
                        counselor_id=session.counselor_id,
                        counselor_name=session.counselor_name, as_of=session.as_of))

    def show_revisions(self, note: Note, name: str) -> None:
        """The note's history: every prior version, as it was, with when it was replaced."""
        notes = self._usable(author=False)
        if notes is None:
            return
        from caseload.tui.screens.revisions import RevisionsModal

        self.app.push_screen(RevisionsModal(note, name, notes=notes))

    def changed(self, student_id: str) -> None:
        """A note changed: the caseload (days since note; its rows keep their order, see
        ``CaseloadScreen.reload``), the student's Notes tab and effect line ("since the 11/16
        referral: …") and the follow-ups read again."""
        from caseload.tui.screens.caseload import CaseloadScreen
        from caseload.tui.screens.follow_ups import FollowUpsScreen
        from caseload.tui.screens.student import StudentScreen
        from caseload.tui.widgets.notes import NotesPane

        for screen in self.app.screen_stack:
            if isinstance(screen, CaseloadScreen):
                screen.reload(hold_order=True)  # "note, ↓, note" skips no one
            if isinstance(screen, StudentScreen) and screen.student_id == student_id:
                screen.notes_changed()
            for pane in screen.query(NotesPane):
                if pane.student_id == student_id:
                    pane.reload()
            if isinstance(screen, FollowUpsScreen):
                screen.reload()
