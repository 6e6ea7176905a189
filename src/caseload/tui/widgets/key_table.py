"""``DataTable`` for the small tables (a student's classes, assignments, incidents, help).

Adds ``j``/``k`` to the arrow keys and row cursor by default. Cells must be ``rich.text.Text``
(``DataTable`` parses plain ``str`` cells as markup): build them with ``safe.literal``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from caseload.tui.keys import Move, hidden_keys

# The cursor keys added to DataTable's own (hidden from the footer), as ``keys.Move`` rows.
_MOVES: tuple[Move, ...] = (
    ("j", "cursor_down", "Down", "j", "Move the cursor down one row"),
    ("k", "cursor_up", "Up", "k", "Move the cursor up one row"),
    ("g,home", "scroll_top", "First", "first", "Move the cursor to the first row"),
    ("G,end", "scroll_bottom", "Last", "last", "Move the cursor to the last row"),
)


class KeyTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [*hidden_keys("table", _MOVES)]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)


class OpenableTable(KeyTable):
    """A ``KeyTable`` whose rows open something on Enter (shown in the Footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open",
                tooltip="Open the row under the cursor"),
    ]
