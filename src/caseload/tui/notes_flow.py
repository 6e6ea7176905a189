"""Intervention notes in the TUI: what each notes key does, and the store calls behind it.

Every store call runs through :meth:`CaseloadApp.run_notes` (a named thread worker that posts a
typed message to the widget that asked; errors are handled by the App in one place). The
author of a note is the user (``me`` in the config), else the counselor whose caseload is
open: with neither (the all-students view, no ``me``) ``n`` says that notes need a counselor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.message_pump import MessagePump

from caseload.domain.notes import Note, NoteStatus
from caseload.domain.ports import NotesPort
from caseload.domain.report import Flag
from caseload.tui import messages

if TYPE_CHECKING:
    from caseload.tui.app import CaseloadApp

NEED_COUNSELOR = (
    "Notes need a counselor: open caseload with --counselor ID, set `me` in the config file, "
    "or press c to pick a counselor."
)
NO_NOTES = "Notes are not available here (no notes store)."


def notes_problem(app: CaseloadApp, *, author: bool = True) -> str | None:
    """Why notes cannot be written (or read) now, or None."""
    if app.notes is None:
        return NO_NOTES
    if author and app.author_id is None:
        return NEED_COUNSELOR
    return None


def _warn(app: CaseloadApp, text: str) -> None:
    app.notify(text, title="Notes", severity="warning", markup=False, timeout=8)


# -- opening the editor, the follow-ups and the export dialog ---------------------------------


def write_note(
    app: CaseloadApp, student_id: str, name: str, flags: Sequence[Flag],
    note: Note | None = None,
) -> None:
    """Open the note editor for a new note (or ``note``) about this student."""
    problem = notes_problem(app)
    if problem:
        _warn(app, problem)
        return
    from caseload.tui.screens.notes import NoteEditor

    assert app.author_id is not None

    def done(result: Note | None) -> None:
        if result is not None:
            verb = "added" if note is None else "updated"
            app.notify(f"Note {verb} for {name}", title="Saved", markup=False)
            notes_changed(app, result.student_id)

    app.push_screen(
        NoteEditor(student_id, name, list(flags), author_id=app.author_id,
                   as_of=app.as_of, note=note),
        done,
    )


def write_note_for(app: CaseloadApp, student_id: str, name: str) -> None:
    """``write_note`` from a table row, which holds flag codes only: the student's flags (with
    their messages, for the editor's "flags addressed") are read first, in a worker."""
    problem = notes_problem(app)
    if problem:
        _warn(app, problem)
        return
    app.with_student_flags(student_id, lambda flags: write_note(app, student_id, name, flags))


def open_follow_ups(app: CaseloadApp) -> None:
    problem = notes_problem(app, author=False)
    if problem:
        _warn(app, problem)
        return
    from caseload.tui.screens.notes import FollowUpsScreen

    stack = app.screen_stack
    if any(isinstance(screen, FollowUpsScreen) for screen in stack):
        # back to the one already open (u from a student opened from it), not a second one
        while len(stack) > 1 and not isinstance(stack[-1], FollowUpsScreen):
            app.pop_screen()
            stack = app.screen_stack
        return
    app.push_screen(FollowUpsScreen())


def open_export(app: CaseloadApp, student_id: str | None = None, name: str = "") -> None:
    """The export dialog; ``student_id``: offer this student as well as the caseload."""
    problem = notes_problem(app, author=False)
    if problem:
        _warn(app, problem)
        return
    from caseload.tui.screens.notes import ExportModal

    def done(entry: Any) -> None:
        if entry is not None:
            noun = "note" if entry.count == 1 else "notes"
            app.notify(f"Exported {entry.count} {noun} to {entry.path} (readable by you only)",
                       title="Export written", markup=False, timeout=10)

    app.push_screen(
        ExportModal(student_id=student_id, student_name=name, counselor_id=app.counselor_id,
                    counselor_name=app.counselor_name, as_of=app.as_of),
        done,
    )


def show_revisions(app: CaseloadApp, note: Note, name: str) -> None:
    """The note's history: every prior version, as it was, with when it was replaced."""
    problem = notes_problem(app, author=False)
    if problem:
        _warn(app, problem)
        return
    from caseload.tui.screens.notes import RevisionsModal

    app.push_screen(RevisionsModal(note, name))


def notes_changed(app: CaseloadApp, student_id: str) -> None:
    """A note changed: the caseload (days since note, triage), the student's Notes tab and the
    follow-ups read again."""
    from caseload.tui.screens.notes import FollowUpsScreen
    from caseload.tui.widgets.notes import NotesPane

    app.home.reload()
    for screen in app.screen_stack:
        for pane in screen.query(NotesPane):
            if pane.student_id == student_id:
                pane.reload()
        if isinstance(screen, FollowUpsScreen):
            screen.reload()


# -- store calls (each in a worker) -----------------------------------------------------------


def load_notes(app: CaseloadApp, target: MessagePump, student_id: str) -> None:
    app.run_notes(target, "load notes", "notes",
                  lambda store: messages.NotesLoaded(student_id, store.list(student_id)))


def load_revisions(app: CaseloadApp, target: MessagePump, note: Note) -> None:
    app.run_notes(target, "load revisions", "notes",
                  lambda store: messages.RevisionsLoaded(store.get(note.id),
                                                         store.revisions(note.id)))


def load_draft(app: CaseloadApp, target: MessagePump, author_id: str, student_id: str,
               note_id: int | None) -> None:
    app.run_notes(target, "load draft", "note-draft",
                  lambda store: messages.DraftLoaded(
                      store.load_draft(author_id, student_id, note_id)))


def save_draft(app: CaseloadApp, target: MessagePump, author_id: str, student_id: str,
               note_id: int | None, payload: Mapping[str, Any] | None,
               wanted: Callable[[], bool]) -> None:
    """Save (``payload`` None: discard) the draft, unless ``wanted()`` says the note has been
    saved meanwhile (checked under the store lock, so a late autosave never revives a draft)."""

    def call(store: NotesPort) -> None:
        if not wanted():
            return
        if payload is None:
            store.discard_draft(author_id, student_id, note_id)
        else:
            store.save_draft(author_id, student_id, note_id, payload)

    app.run_notes(target, "save draft", "note-draft", call)


def discard_draft(app: CaseloadApp, target: MessagePump, author_id: str, student_id: str,
                  note_id: int | None) -> None:
    def call(store: NotesPort) -> None:
        store.discard_draft(author_id, student_id, note_id)

    app.run_notes(target, "discard draft", "note-draft", call)


def save_note(app: CaseloadApp, target: MessagePump, *, student_id: str, author_id: str,
              note: Note | None, fields: dict[str, Any]) -> None:
    """Add (``note`` None) or update the note, then drop its draft; NoteSaved to ``target``."""

    def call(store: NotesPort) -> messages.NoteSaved:
        if note is None:
            saved = store.add(student_id=student_id, author_id=author_id, **fields)
            action = "added"
        else:
            saved = store.update(note.id, expected_revision=note.revision, **fields)
            action = "updated"
        store.discard_draft(author_id, student_id, None if note is None else note.id)
        return messages.NoteSaved(saved, action)

    app.run_notes(target, "save note", "note-save", call)


def mark_done(app: CaseloadApp, target: MessagePump, note: Note) -> None:
    app.run_notes(target, "mark note done", "note-save", lambda store: messages.NoteSaved(
        store.update(note.id, expected_revision=note.revision, status=NoteStatus.DONE), "done"))


def delete_note(app: CaseloadApp, target: MessagePump, note: Note) -> None:
    app.run_notes(target, "delete note", "note-save",
                  lambda store: messages.NoteSaved(store.delete(note.id), "deleted"))


def load_follow_ups(app: CaseloadApp, target: MessagePump) -> None:
    as_of, counselor_id = app.as_of, app.counselor_id

    def call(store: NotesPort) -> messages.FollowUpsLoaded:
        notes = store.follow_ups(as_of, counselor_id)
        labels = store.student_labels({n.student_id for n in notes})
        names = {sid: label[0] for sid, label in labels.items()}
        return messages.FollowUpsLoaded(as_of, notes, names)

    app.run_notes(target, "load follow-ups", "follow-ups", call)


@dataclass(frozen=True)
class ExportRequest:
    fmt: str  # md, csv, json, pdf
    path: str
    student_id: str | None = None  # else the counselor's caseload (None: every student)
    counselor_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def export_notes(app: CaseloadApp, target: MessagePump, request: ExportRequest) -> None:
    """Write the export (0600) and its audit entry; NotesExported to ``target``."""
    reader, as_of = app.reader, app.as_of
    actor = app.author_id or "unknown"

    def call(store: NotesPort) -> messages.NotesExported:
        from caseload.export.notes_export import export_and_audit, gather, scope_label

        student, counselor = request.student_id, request.counselor_id
        if student is not None:
            counselor = None
        notes, students, _ = gather(store, student_id=student, counselor_id=counselor,
                                    since=request.since, until=request.until, fmt=request.fmt)
        detail_for = class_detail_for = None
        if request.fmt == "pdf":
            def detail_for(sid: str) -> Any:
                return reader.student(sid, as_of)

            def class_detail_for(sid: str, cid: str) -> Any:
                return reader.class_detail(sid, cid, as_of)

        entry = export_and_audit(
            cast(Any, store), notes, request.fmt, Path(request.path).expanduser(),
            actor=actor,
            scope=scope_label(student_id=student, counselor_id=counselor,
                              since=request.since, until=request.until),
            students=students, as_of=as_of, detail_for=detail_for,
            class_detail_for=class_detail_for,
            class_titles=store.class_titles({n.class_id for n in notes if n.class_id}),
            since=request.since, until=request.until,
        )
        return messages.NotesExported(entry)

    app.run_notes(target, "export notes", "export", call)
