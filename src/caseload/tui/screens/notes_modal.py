"""The bases of the modals that work on notes: :class:`NotesModal` (the note editor, the export
dialog) and :class:`NoteModal` (marking one note done, one note's history)."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from rich.text import Text
from textual.screen import ModalScreen

from caseload.domain.notes import Note
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import literal

_Result = TypeVar("_Result")


class NotesModal(ModalScreen[_Result]):
    """A modal over the notes calls, about one student (or a caseload) as of a date."""

    def __init__(self, notes: NotesCalls, student_name: str, as_of: dt.date) -> None:
        super().__init__()
        self.notes = notes
        self.student_name = student_name
        self.as_of = as_of


class NoteModal(ModalScreen[_Result]):
    """A modal about one note of one student."""

    def __init__(self, note: Note, student_name: str) -> None:
        super().__init__()
        self.note = note
        self.student_name = student_name

    def dialog_title(self, words: str) -> Text:
        """The dialog's title: ``words`` then the student's name (shown literally), in bold."""
        title = Text(words, style="bold", end="")
        title.append_text(literal(self.student_name, style="bold"))
        return title
