"""Marking a follow-up done (``d`` on the follow-ups or the Notes tab): what came of it, and
whether to follow up again.

Answers ``DoneAnswer`` (None: cancelled). "Close the note" marks it done; "Follow up again"
keeps it open with the next follow-up date (offered: a week from today; any date syntax).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from caseload.domain.notes import DATE_SYNTAX, ContactOutcome, Note
from caseload.tui.format import date_error, parse_date
from caseload.tui.screens.notes_modal import NoteModal


@dataclass(frozen=True)
class DoneAnswer:
    outcome: ContactOutcome | None
    next_follow_up: dt.date | None  # None: close the note


class DoneModal(NoteModal[DoneAnswer | None]):
    """Mark a follow-up done: the outcome, then close the note or follow up again."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="done.cancel",
                tooltip="Close without marking anything done"),
    ]

    def __init__(self, note: Note, student_name: str, *, today: dt.date) -> None:
        super().__init__(note, student_name)
        self.today = today

    def compose(self) -> ComposeResult:
        title = self.dialog_title("Follow-up done: ")
        offered = self.today + dt.timedelta(days=7)
        with Vertical(classes="dialog", id="done-dialog"):
            yield Static(title, classes="dialog-title")
            with Horizontal(classes="note-row"):
                yield Label("Outcome", classes="export-label")
                yield Select([(o.words, o.value) for o in ContactOutcome], prompt="—",
                             id="done-outcome", compact=True,
                             value=self.note.outcome.value if self.note.outcome
                             else Select.NULL)
            with Horizontal(classes="note-row"):
                yield Label("Next", classes="export-label")
                yield Input(offered.isoformat(), id="done-next", compact=True, max_length=12,
                            placeholder="+1w, fri, M/D", tooltip=f"Type {DATE_SYNTAX}")
            yield Static(Text("Follow up again keeps the note open until the next date; "
                              "Close marks it done.", end=""), classes="dialog-help")
            yield Static(Text("", end=""), id="done-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="done-cancel")
                yield Button("Close the note", id="done-close", variant="primary")
                yield Button("Follow up again", id="done-again")

    def on_mount(self) -> None:
        self.query_one("#done-outcome", Select).focus()

    def _outcome(self) -> ContactOutcome | None:
        value = self.query_one("#done-outcome", Select).value
        return None if value is Select.NULL or value is None else ContactOutcome(str(value))

    @on(Button.Pressed, "#done-close")
    def close_note(self) -> None:
        self.dismiss(DoneAnswer(self._outcome(), None))

    @on(Input.Submitted, "#done-next")
    @on(Button.Pressed, "#done-again")
    def follow_up_again(self) -> None:
        text = self.query_one("#done-next", Input).value.strip()
        try:
            when = parse_date(text, self.today)
        except ValueError as exc:
            self.query_one("#done-error", Static).update(Text(date_error(
                exc, "The next follow-up date",
                f"Type the next follow-up date as {DATE_SYNTAX}."), end=""))
            self.query_one("#done-next", Input).focus()
            return
        if when <= self.today:
            self.query_one("#done-error", Static).update(
                Text("The next follow-up date is not after today.", end=""))
            self.query_one("#done-next", Input).focus()
            return
        self.dismiss(DoneAnswer(self._outcome(), when))

    @on(Button.Pressed, "#done-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
