"""Small modal dialogs: a one-line prompt (as-of date, import path, sync name), the flag
filter and the counselor picker. Each returns its answer through ``dismiss`` (None: cancelled).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from caseload.domain.records import User
from caseload.domain.report import FlagCode
from caseload.tui.safe import clean, literal
from caseload.tui.widgets.check_list import CheckList

ALL_STUDENTS = ""  # the counselor picker's answer for "All students"

_CANCEL = Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without changes")


class PromptModal(ModalScreen[str | None]):
    """Ask for one line of text; ``validate`` returns an error message or None."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def __init__(
        self, title: str, *, value: str = "", placeholder: str = "",
        validate: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.value = value
        self.placeholder = placeholder
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.prompt_title), classes="dialog-title")
            yield Input(clean(self.value), placeholder=self.placeholder, id="prompt-input")
            yield Static(Text(""), id="prompt-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        value = self.query_one("#prompt-input", Input).value.strip()
        problem = self.validate(value) if self.validate else None
        if problem:
            self.query_one("#prompt-error", Static).update(literal(problem))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class FlagList(CheckList[FlagCode]):
    """The flag filter's boxes: space checks or unchecks one, Enter applies the filter (as
    Enter answers the other dialogs; a SelectionList's Enter toggled the box, unchecking the
    one just checked)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.apply", "Apply", show=False, id="flags.enter",
                tooltip="Show students with any checked flag"),
    ]


class FlagFilterModal(ModalScreen[frozenset[FlagCode] | None]):
    """Pick flag codes; the caseload shows students with any of them (none picked: everyone)."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding("a", "apply", "Apply", id="flags.apply",
                tooltip="Show students with any checked flag"),
        Binding("x", "clear", "Clear", id="flags.clear", tooltip="Uncheck every flag"),
    ]

    def __init__(self, selected: Iterable[FlagCode], counts: dict[FlagCode, int]) -> None:
        super().__init__()
        self.selected = frozenset(selected)
        self.counts = counts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Show students with any of these flags", classes="dialog-title")
            yield FlagList(
                *(
                    Selection(
                        Text(f"{code.label:<8} {code.value.replace('_', ' ').lower()}"
                             f" ({self.counts.get(code, 0)})"),
                        code, code in self.selected, id=f"flag-{code.value}",
                    )
                    for code in FlagCode
                ),
                id="flag-list",
            )
            yield Static(Text("space: check/uncheck  enter: apply  x: clear  esc: cancel"),
                         classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        self.dismiss(frozenset(self.query_one(SelectionList).selected))

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.query_one(SelectionList).deselect_all()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CounselorPicker(ModalScreen[str | None]):
    """Choose whose caseload to show; answers a counselor id or ``ALL_STUDENTS``."""

    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def __init__(self, counselors: list[User], current: str | None) -> None:
        super().__init__()
        self.counselors = counselors
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("All students"), id="__all__")]
        options += [
            Option(literal(f"{c.sort_name}  ({c.sourced_id})"), id=f"c:{c.sourced_id}")
            for c in self.counselors
        ]
        with Vertical(classes="dialog"):
            yield Label("Whose caseload?", classes="dialog-title")
            yield OptionList(*options, id="counselor-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        wanted = "__all__" if self.current is None else f"c:{self.current}"
        try:
            option_list.highlighted = option_list.get_option_index(wanted)
        except Exception:
            option_list.highlighted = 0

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or "__all__"
        self.dismiss(ALL_STUDENTS if option_id == "__all__" else option_id[2:])

    def action_cancel(self) -> None:
        self.dismiss(None)
