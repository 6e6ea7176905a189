"""The notes store's calls the TUI makes, each in a named thread worker (``DataSource.run``)
that posts a typed message to the node that asked; errors are handled by the App in one place
(but an export's failure the counselor can mend, which is the job's answer: ``ExportFailed``).

Screens and the Notes tab get a ``NotesCalls`` in their constructor (a test hands them a fake).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from caseload.domain.exports import ExportWriteError
from caseload.domain.notes import (
    ContactOutcome,
    Note,
    NoteConflict,
    NoteStatus,
    NoteValidationError,
    upcoming_follow_ups,
)
from caseload.domain.ports import NotesPort
from caseload.tui import messages
from caseload.tui.data import DataSource
from caseload.tui.ports import ExportRequest, NotesExporter

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


class NotesCalls:
    def __init__(self, data: DataSource, store: NotesPort,
                 exporter: NotesExporter | None = None) -> None:
        self._data = data
        self.store = store
        self.exporter = exporter

    def load_notes(self, target: MessagePump, student_id: str) -> None:
        store = self.store
        self._data.run(target, "load notes", "notes",
                       lambda: messages.NotesLoaded(student_id, store.list(student_id)))

    def load_revisions(self, target: MessagePump, note: Note) -> None:
        store = self.store

        def job() -> messages.RevisionsLoaded:
            current, revisions = store.get(note.id), store.revisions(note.id)
            savers = {n.updated_by for n in [current, *(r.note for r in revisions)]}
            labels = store.student_labels(s for s in savers if s)
            return messages.RevisionsLoaded(current, revisions,
                                            {k: v[0] for k, v in labels.items()})

        self._data.run(target, "load revisions", "notes", job)

    def load_draft(self, target: MessagePump, author_id: str, student_id: str,
                   note_id: int | None) -> None:
        store = self.store
        self._data.run(target, "load draft", "note-draft",
                       lambda: messages.DraftLoaded(store.load_draft(author_id, student_id,
                                                                     note_id)))

    def save_draft(self, target: MessagePump, author_id: str, student_id: str,
                   note_id: int | None, payload: Mapping[str, Any] | None,
                   wanted: Callable[[], bool], seq: int = 0) -> None:
        """Save (``payload`` None: discard) the draft, unless ``wanted()`` says the note has been
        saved meanwhile (checked under the store lock, so a late autosave never revives a
        draft); ``DraftSaved(seq)`` once written (a failure is the App's ``LoadFailed``,
        notified once while the draft writes keep failing: ``DataSource.run``'s ``once``)."""
        store = self.store

        def job() -> messages.DraftSaved | None:
            if not wanted():
                return None
            if payload is None:
                store.discard_draft(author_id, student_id, note_id)
            else:
                store.save_draft(author_id, student_id, note_id, payload)
            return messages.DraftSaved(seq)

        self._data.run(target, "save draft", "note-draft", job, once=True)

    def discard_draft(self, target: MessagePump, author_id: str, student_id: str,
                      note_id: int | None) -> None:
        store = self.store

        def job() -> None:
            store.discard_draft(author_id, student_id, note_id)

        self._data.run(target, "discard draft", "note-draft", job)

    def save_note(self, target: MessagePump, *, student_id: str, author_id: str,
                  note: Note | None, fields: dict[str, Any],
                  stored: threading.Event | None = None) -> None:
        """Add (``note`` None) or update the note, then drop its draft; NoteSaved to
        ``target``. ``stored`` is set as soon as the note is stored (a draft write waiting
        behind this one then writes nothing). Once the note is stored the save has
        succeeded: a draft that cannot be removed then is said (``draft_kept``), never
        reported as the note not saved (saving again would add it twice)."""
        store = self.store

        def job() -> messages.NoteSaved | messages.NoteConflicted:
            if note is None:
                saved = store.add(student_id=student_id, author_id=author_id, **fields)
                action = "added"
            else:
                try:
                    saved = store.update(note.id, expected_revision=note.revision,
                                         updated_by=author_id, **fields)
                except NoteConflict as conflict:  # matched by type: the editor shows both
                    return messages.NoteConflicted(note.id, conflict.current, conflict)
                action = "updated"
            if stored is not None:
                stored.set()
            try:
                store.discard_draft(author_id, student_id, None if note is None else note.id)
            except Exception as exc:  # (the note is saved; what failed is told by kind only)
                log.warning("a saved note's draft could not be removed: %s", type(exc).__name__)
                return messages.NoteSaved(saved, action, draft_kept=True)
            return messages.NoteSaved(saved, action)

        self._data.run(target, "save note", "note-save", job)

    def mark_done(self, target: MessagePump, note: Note, *,
                  outcome: ContactOutcome | None = None,
                  next_follow_up: dt.date | None = None) -> None:
        """Mark the note's follow-up done with its ``outcome`` (None: keep the note's). With
        ``next_follow_up`` the note stays open with that follow-up date (action
        ``rescheduled``); without, it is closed (action ``done``)."""
        store = self.store
        changes: dict[str, Any] = {"updated_by": self._data.session.author_id}
        if outcome is not None:
            changes["outcome"] = outcome
        if next_follow_up is not None:
            changes["follow_up"] = next_follow_up
            action = "rescheduled"
        else:
            changes["status"] = NoteStatus.DONE
            action = "done"
        self._data.run(target, "mark note done", "note-save", lambda: messages.NoteSaved(
            store.update(note.id, expected_revision=note.revision, **changes), action))

    def undo(self, target: MessagePump, before: Note, after: Note) -> None:
        """Undo marking done (or rescheduling) or deleting: ``after`` goes back to ``before``
        (a restore for a delete); each undo is a revision of its own. NoteSaved ``undone``."""
        store, by = self.store, self._data.session.author_id

        def job() -> messages.NoteSaved:
            if after.deleted and not before.deleted:
                return messages.NoteSaved(store.restore(after.id, updated_by=by), "undone")
            return messages.NoteSaved(store.update(
                after.id, expected_revision=after.revision, updated_by=by, status=before.status,
                follow_up=before.follow_up, outcome=before.outcome), "undone")

        self._data.run(target, "undo", "note-save", job)

    def delete_note(self, target: MessagePump, note: Note) -> None:
        store, by = self.store, self._data.session.author_id
        self._data.run(target, "delete note", "note-save",
                       lambda: messages.NoteSaved(store.delete(note.id, updated_by=by),
                                                  "deleted"))

    def load_follow_ups(self, target: MessagePump) -> None:
        store = self.store
        as_of, counselor_id = self._data.session.as_of, self._data.session.counselor_id

        def job() -> messages.FollowUpsLoaded:
            notes = store.follow_ups(as_of, counselor_id)
            upcoming = upcoming_follow_ups(store.list(counselor_id=counselor_id), as_of)
            labels = store.student_labels({n.student_id for n in notes + upcoming})
            names = {sid: label[0] for sid, label in labels.items()}
            return messages.FollowUpsLoaded(as_of, notes, names, upcoming)

        self._data.run(target, "load follow-ups", "follow-ups", job)

    def export_notes(self, target: MessagePump, request: ExportRequest) -> None:
        """The ``notes export`` use case (audit entry first, then the file, 0600): progress
        as ``ExportProgressed``, then NotesExported, to ``target``; a failure the counselor
        can mend (the file cannot be written, a bad range) is ``ExportFailed``, shown by the
        dialog alone, any other the App's one handler's. The audit names the
        session's author (``me``, else the open caseload's counselor)."""
        reader, exporter = self._data.reader, self.exporter
        actor, as_of = self._data.session.author_id, self._data.session.as_of
        step = [0]

        def progress(done: int, total: int, what: str) -> None:
            # at most ~20 updates whatever the size (each is a message to the UI thread)
            if done >= total or done * 20 // max(total, 1) > step[0]:
                step[0] = done * 20 // max(total, 1)
                target.post_message(messages.ExportProgressed(done, total, what))

        def job() -> messages.NotesExported | messages.ExportFailed:
            if exporter is None:
                raise RuntimeError("exporting notes is not available here")
            try:
                done = exporter(request, as_of=as_of, reader=reader, progress=progress,
                                actor_id=actor)
            except (ExportWriteError, NoteValidationError) as exc:  # said in words, by type
                return messages.ExportFailed(str(exc))
            return messages.NotesExported(done.entry, done.notice)

        self._data.run(target, "export notes", "export", job)
