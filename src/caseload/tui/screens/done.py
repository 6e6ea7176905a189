"""Marking a follow-up done (``d`` on the follow-ups or the Notes tab): what came of it, and
whether to follow up again.

Answers ``DoneAnswer`` (None: cancelled). "Close the note" marks it done; "Follow up again"
keeps it open with the next follow-up date (offered: a week on; any date syntax), counted
from the day every note field counts from (``Session.note_day``: today) and after it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from caseload.domain.notes import DATE_SYNTAX, ContactOutcome, Note, next_one_words
from caseload.tui.format import date_error, parse_date
from caseload.tui.screens.notes_modal import NoteModal
from caseload.tui.session import NoteDay

# a next follow-up typed as an M/D that passed fewer days ago than this (so read as next
# year's: "11/25" on 12/5) is asked about once before it is taken
RECENTLY_PASSED = 183


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

    def __init__(self, note: Note, student_name: str, *, day: NoteDay) -> None:
        super().__init__(note, student_name)
        self.day = day  # what "+1w", "fri", "12/1" count from; the next date comes after it
        self._asked = ""  # an M/D read as next year's, asked about once (Enter again: taken)

    def compose(self) -> ComposeResult:
        title = self.dialog_title("Follow-up done: ")
        offered = self.day.day + dt.timedelta(days=7)
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
                            placeholder="+1w, fri, M/D",
                            tooltip=f"Type {DATE_SYNTAX}: counted from {self.day.words}")
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
        day = self.day.day
        try:
            when = parse_date(text, day)
        except ValueError as exc:
            self._refuse(date_error(exc, "The next follow-up date",
                                    f"Type the next follow-up date as {DATE_SYNTAX}."))
            return
        if when <= day:
            self._refuse(f"The next follow-up date {when.isoformat()} is not after "
                         f"{self.day.words}.")
            return
        how = next_one_words(text)
        if how is not None and "/" in text and text != self._asked:  # M/D, read forward
            with suppress(ValueError):
                last = parse_date(text, day, past=True)
                if (day - last).days < RECENTLY_PASSED:  # "11/25" on 12/5: next year's
                    self._asked = text
                    self._refuse(f"{text} has passed ({last.isoformat()}, before "
                                 f"{self.day.name}, {day.isoformat()}): it means {how}, "
                                 f"{when.isoformat()}. Enter again to follow up then, or "
                                 "type another date.")
                    return
        self.dismiss(DoneAnswer(self._outcome(), when))

    def _refuse(self, why: str) -> None:
        self.query_one("#done-error", Static).update(Text(why, end=""))
        self.query_one("#done-next", Input).focus()

    @on(Button.Pressed, "#done-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
