"""The base of the modals that work on notes (the note editor, the export dialog)."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from textual.screen import ModalScreen

from caseload.tui.notes_calls import NotesCalls

_Result = TypeVar("_Result")


class NotesModal(ModalScreen[_Result]):
    """A modal over the notes calls, about one student (or a caseload) as of a date."""

    def __init__(self, notes: NotesCalls, student_name: str, as_of: dt.date) -> None:
        super().__init__()
        self.notes = notes
        self.student_name = student_name
        self.as_of = as_of
