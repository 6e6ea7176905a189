"""``DataTable`` for the small tables (a student's classes, assignments, incidents, help).

Adds ``j``/``k`` to the arrow keys and row cursor by default. Cells must be ``rich.text.Text``
(``DataTable`` parses plain ``str`` cells as markup): build them with ``safe.literal``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class KeyTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.j",
                tooltip="Move the cursor down one row"),
        Binding("k", "cursor_up", "Up", show=False, id="table.k",
                tooltip="Move the cursor up one row"),
        Binding("g,home", "scroll_top", "First", show=False, id="table.first",
                tooltip="Move the cursor to the first row"),
        Binding("G,end", "scroll_bottom", "Last", show=False, id="table.last",
                tooltip="Move the cursor to the last row"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)


class OpenableTable(KeyTable):
    """A ``KeyTable`` whose rows open something on Enter (shown in the Footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open",
                tooltip="Open the row under the cursor"),
    ]
