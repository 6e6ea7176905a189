"""``DataTable`` for the small tables (a student's classes, assignments, incidents, help),
and the wrapping of a last column too long for the screen (``last_column_room``, ``wrapped``).

Adds ``j``/``k`` to the arrow keys and row cursor by default. Cells must be ``rich.text.Text``
(``DataTable`` parses plain ``str`` cells as markup): build them with ``safe.literal``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

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
        # the terminal width its columns were laid out for; None: they do not depend on it
        self.fitted_width: int | None = None

    def refill(self, fill: Callable[[], None]) -> None:
        """``fill`` the table again (it clears and adds its columns and rows), the cursor kept
        on the same row: the same key, else the same place. In place, so the focus stays."""
        key = self.ordered_rows[self.cursor_row].key if self.row_count else None
        row = self.cursor_row
        fill()
        if not self.row_count:
            return
        with suppress(RowDoesNotExist):  # (the row is gone: the same place)
            row = self.get_row_index(key) if key is not None else row
        self.move_cursor(row=min(row, self.row_count - 1), animate=False)


class OpenableTable(KeyTable):
    """A ``KeyTable`` whose rows open something on Enter (shown in the Footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="table.open",
                tooltip="Open the row under the cursor"),
    ]


WRAP_MIN = 20  # the narrowest a wrapped last column gets (narrower: cut, reached by scrolling)


def column_widths(labels: Sequence[str], rows: Sequence[Sequence[Text]]) -> list[int]:
    """Each column's natural width: its label's or its widest cell's, whichever is wider."""
    return [max([cell_len(label)] + [row[i].cell_len for row in rows])
            for i, label in enumerate(labels)]


def last_column_room(
    width: int, labels: Sequence[str], rows: Sequence[Sequence[Text]]
) -> int | None:
    """The width of the last column when its cells must wrap in a table ``width`` cells
    wide (its vertical scrollbar included): what the other columns, each as wide as its label
    or widest cell and padded one cell either side, leave. None when every cell of the last
    column fits there, or when that is under ``WRAP_MIN``."""
    widths = column_widths(labels, rows)
    room = width - 2 - 2 * len(labels) - sum(widths[:-1])
    return room if widths[-1] > room >= WRAP_MIN else None


def wrapped(text: Text) -> Text:
    """Wrapped in the column, a word longer than it (an email address) folded: every
    character shows, on as many lines as it takes (in a row of height None)."""
    text.no_wrap = False
    text.overflow = "fold"
    return text
