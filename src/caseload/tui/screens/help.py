"""``?``: every key that works on the screen underneath, built from its active bindings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

    from caseload.domain.settings import Thresholds


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str  # "↑ / k"
    description: str
    tooltip: str
    binding_ids: tuple[str, ...]  # every binding id behind this row


@dataclass(slots=True)
class _Group:
    """The bindings of one action on one node, while ``keys_for`` collects them."""

    displays: list[str]
    binding: Binding
    node: DOMNode
    ids: list[str]


def keys_for(screen: Screen[Any], app: App[Any]) -> list[KeyHelp]:
    """The screen's active bindings, one row per action (its keys joined).

    The screen's own keys come first, then the app's, then those of the focused widget.
    Textual's built-in keys (Focus Next, Copy selected text, Page Left...) are toolkit
    internals, not caseload's keys: every caseload binding has an id, so rows without one are
    left out (issue 12).
    """
    groups: dict[tuple[int, str], _Group] = {}
    for _key, active in screen.active_bindings.items():
        binding = active.binding
        if not active.enabled:
            continue
        group = (id(active.node), binding.action)
        display = app.get_key_display(binding)
        if group in groups:
            found = groups[group]
            if display not in found.displays:
                found.displays.append(display)
            if binding.id and binding.id not in found.ids:
                found.ids.append(binding.id)
            if binding.id and not found.binding.id:
                # caseload's own words over Textual's (ctrl+q's "Quit the app and return to
                # the command prompt", which a browser has none of: "Quit caseload")
                found.binding = binding
            continue
        groups[group] = _Group([display], binding, active.node, [binding.id] if binding.id else [])

    def rank(entry: _Group) -> tuple[int, int]:
        # caseload's own keys (they all have ids) before Textual's built-ins
        node = entry.node
        return (0 if entry.ids else 1, 0 if node is screen else 1 if node is app else 2)

    out: list[KeyHelp] = []
    for g in sorted(groups.values(), key=rank):
        if not g.ids:
            continue
        binding = g.binding
        description = binding.description or binding.action.replace("_", " ").capitalize()
        out.append(KeyHelp(" / ".join(g.displays), description, binding.tooltip or description,
                           tuple(g.ids)))
    return out


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close",
                tooltip="Close the help"),
        Binding("l", "legend", "Legend", id="help.legend",
                tooltip="What every caseload column and flag code means, with Risk points"),
    ]

    def __init__(self, rows: list[KeyHelp], screen_name: str,
                 thresholds: Thresholds | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.screen_name = screen_name
        self.thresholds = thresholds  # what the legend (l) states: the config's, else defaults

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label(Text(f"Keys: {self.screen_name}"), id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.keys_table(), id="help-keys")
            # one line at 80 columns: with the body's 75vh, the dialog is then 24 rows high
            yield Static(Text("Esc, q or ? closes · l: legend of columns, flags and Risk · "
                              "ctrl+p: palette"), id="help-footer")

    def keys_table(self) -> Table:
        """Key and whole description; the description column wraps to the panel's width
        (never cropped), whatever the terminal's size."""
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False,
                      header_style="bold")
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("What it does", ratio=1, overflow="fold")
        for row in self.rows:
            table.add_row(Text(row.keys), Text(row.tooltip))
        return table

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    def action_legend(self) -> None:
        from caseload.tui.screens.legend import LegendScreen

        self.app.push_screen(LegendScreen(self.thresholds))

    def action_close(self) -> None:
        self.dismiss(None)
