"""A note's history (``v`` on the Notes tab): the note as it stands, then each prior version."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from caseload.domain.notes import Note
from caseload.tui import messages
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.safe import literal
from caseload.tui.screens.notes_modal import NoteModal
from caseload.tui.widgets.notes import note_body


def saver_words(person_id: str | None, names: dict[str, str]) -> Text:
    """``by Nelson, Kenji``: who saved a version, by name from the cache, else by the id as
    stored; a version saved before anyone was recorded says so."""
    if not person_id or person_id == "unknown":
        return Text("by someone not recorded", style="bold", end="")
    return literal(f"by {names.get(person_id) or person_id}", style="bold")


class RevisionsModal(NoteModal[None]):
    """A note's history: the note as it stands, then each prior version, newest first."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "close", "Close", id="revisions.close",
                tooltip="Close the history"),
    ]

    def __init__(self, note: Note, student_name: str, *, notes: NotesCalls) -> None:
        super().__init__(note, student_name)
        self.notes = notes

    def compose(self) -> ComposeResult:
        title = self.dialog_title("History of a note about ")
        with Vertical(classes="dialog", id="revisions-dialog"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(id="revisions-scroll"):
                yield Static(Text("Loading…", end=""), id="revisions-text")
            yield Static(Text("esc close", end=""), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#revisions-scroll").focus()
        self.notes.load_revisions(self, self.note)

    def on_revisions_loaded(self, message: messages.RevisionsLoaded) -> None:
        text = Text(end="")
        versions = [(message.note, None)] + [
            (rev.note, rev.replaced_at) for rev in reversed(message.revisions)]
        for index, (note, replaced) in enumerate(versions):
            if index:
                text.append("\n\n")
            text.append(f"Revision {note.revision}", style="bold")
            if replaced is None:
                text.append(" (current)", style="bold")
            else:
                # whoever saved the next version replaced this one (its stored updated_by)
                text.append(f" (replaced {replaced.astimezone().strftime('%Y-%m-%d %H:%M')} ",
                            style="bold")
                text.append_text(saver_words(versions[index - 1][0].updated_by, message.names))
                text.append(")", style="bold")
            text.append("\n")
            text.append_text(note_body(note))
        if not message.revisions:
            text.append("\n\nNever edited: there are no earlier versions.", style="italic")
        self.query_one("#revisions-text", Static).update(text)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        self.query_one("#revisions-text", Static).update(
            literal(f"Could not load the history: {message.error}"))

    def action_close(self) -> None:
        self.dismiss(None)
