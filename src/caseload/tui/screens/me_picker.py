"""First run: "Who are you?" (no ``me`` in the config file).

A list of the counselors in the cache; the choice is saved as ``me`` in the config file (the
App does the saving, through the action the CLI hands it) and used at once: that caseload
opens and the notes written here are signed with that counselor. Escape goes on without saving
(every student, or the ``--counselor`` caseload asked for).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from caseload.domain.records import User, by_name
from caseload.tui.safe import literal


class MePicker(ModalScreen[str | None]):
    """Pick yourself among ``counselors``; answers the counselor id (None: Escape)."""

    CSS_PATH = "me_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Skip", id="me.skip",
                tooltip="Go on without saving who you are (every student)"),
    ]

    def __init__(self, counselors: list[User], where: str = "") -> None:
        super().__init__()
        self.counselors = by_name(counselors)
        self.where = where  # the config file, as shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="me-dialog"):
            yield Label(Text("Who are you?", style="bold"), classes="dialog-title")
            yield Static(Text("Pick your name: your caseload opens first and the notes you "
                              "write are signed with it.", end=""), id="me-intro")
            yield OptionList(*(Option(literal(c.sort_name), id=c.sourced_id)
                               for c in self.counselors), id="me-list")
            saved = Text("Saved as `me` in ", end="")
            saved.append_text(literal(self.where or "your config file"))
            saved.append(". Escape: go on without saving (every student).")
            yield Static(saved, classes="dialog-help", id="me-help")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
