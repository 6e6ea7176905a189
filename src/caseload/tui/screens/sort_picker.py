"""``s`` on the caseload: the next key picks the column to sort by (issue 12).

A small modal docked at the bottom of the screen over the caseload (which stays visible,
with each column's letter highlighted in its header). A column's letter answers that column's
key; ``t`` answers triage order; Escape (or any other key) cancels with None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

TRIAGE_LETTER = "t"


class SortPicker(ModalScreen[str | None]):
    """Answers the sort key picked by one key press (None: cancelled)."""

    DEFAULT_CSS = """
    SortPicker {
        align: left bottom;
        background: transparent;
    }
    SortPicker > #sort-prompt {
        dock: bottom;
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        border-top: solid $primary;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="sort.cancel", tooltip="Keep the current order"),
    ]

    def __init__(self, letters: Mapping[str, str], labels: Mapping[str, str],
                 current: str | None) -> None:
        """``letters``: sort key -> its letter; ``labels``: sort key -> what it sorts by."""
        super().__init__()
        self.letters = dict(letters)
        self.labels = dict(labels)
        self.current = current

    def compose(self) -> ComposeResult:
        yield Static(self.prompt(), id="sort-prompt")

    def prompt(self) -> Text:
        text = Text("Sort by: ", style="bold", end="")
        items = [(letter, self.labels[key]) for key, letter in self.letters.items()]
        items.append((TRIAGE_LETTER, "triage order"))
        for i, (letter, label) in enumerate(items):
            if i:
                text.append(" · ")
            text.append(letter, style="bold reverse")
            text.append(f" {label}")
        text.append("\nThe same column again reverses it · S reverses · Esc cancels",
                    style="italic")
        return text

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if event.key == "escape":
            self.dismiss(None)
            return
        character = event.character or ""
        if character == TRIAGE_LETTER:
            self.dismiss("triage")
            return
        for key, letter in self.letters.items():
            if character == letter:
                self.dismiss(key)
                return
        self.dismiss(None)  # any other key: leave the order as it is

    def action_cancel(self) -> None:
        self.dismiss(None)
