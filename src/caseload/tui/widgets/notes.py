"""The Notes tab of the student screen.

A placeholder until intervention notes land (issue 5). Extension point: the notes feature
replaces :meth:`NotesPane.compose` / calls :meth:`NotesPane.show_notes` with the student's
notes; the student screen already mounts one ``NotesPane`` per student (``#notes-pane``) and
exposes ``StudentScreen.student_id`` for an ``n`` (new note) binding.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from caseload.tui.safe import literal


class NotesPane(VerticalScroll):
    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(self, student_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.student_id = student_id

    def compose(self) -> ComposeResult:
        yield Static(Text("No notes yet"), classes="notes-empty")

    def show_notes(self, notes: Sequence[str]) -> None:
        """Replace the list with ``notes`` (already-formatted text, shown literally)."""
        self.remove_children()
        if not notes:
            self.mount(Static(Text("No notes yet"), classes="notes-empty"))
            return
        self.mount_all(Static(literal(note, multiline=True), classes="note") for note in notes)
