"""A question with buttons (delete a note? close the editor with unsaved changes?)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from caseload.tui.safe import literal


class ConfirmModal(ModalScreen[str]):
    """A question with buttons; answers the pressed button's id (escape: the first one)."""

    CSS_PATH = "notes.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer_first", "Cancel", id="confirm.cancel",
                tooltip="Close without doing anything"),
    ]

    def __init__(self, question: str, choices: Sequence[tuple[str, str]],
                 *, danger: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.choices = list(choices)  # (id, label); the first is the safe answer
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(literal(self.question, multiline=True), id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                for choice_id, label in self.choices:
                    if choice_id == self.danger:
                        yield Button(label, id=choice_id, variant="error")
                    else:
                        yield Button(label, id=choice_id)

    def on_mount(self) -> None:
        self.query_one(f"#{self.choices[0][0]}", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or self.choices[0][0])

    def action_answer_first(self) -> None:
        self.dismiss(self.choices[0][0])
