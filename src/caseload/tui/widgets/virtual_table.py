"""A virtualized table: renders only the rows on screen, so 75,000 rows paint as fast as 50.

Textual's ``DataTable`` measures every cell up front (seconds past a few thousand rows). This
widget is a Line API ``ScrollView``: the owner says how many rows there are and hands it a
``get_row(index) -> cells`` callback; ``render_line`` asks only for the visible rows and caches
the rendered strips. Column widths are fixed or flexible (sharing what is left of the width), so
nothing is ever measured across the whole data set. Line 0 is a fixed header row; clicking a
header posts :class:`VirtualTable.HeaderSelected` (the caseload screen sorts by it).

Cells are ``rich.text.Text`` (built with :func:`caseload.tui.safe.literal` for data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from caseload.tui.keys import Move, hidden_keys
from caseload.tui.styles import unfollow_theme

Align = Literal["left", "right", "center"]
RowGetter = Callable[[int], Sequence[Text]]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int | None = None  # None: flexible, shares the remaining width by ``ratio``
    align: Align = "left"
    min_width: int = 4
    max_width: int | None = None  # flexible columns stop growing here
    ratio: int = 1
    tooltip: str = ""
    # "ellipsis": cut with "…"; "words": whole space-separated words only, the ones that do
    # not fit counted as "+N" (flag labels are never cut mid-word, issue 12); "name": a
    # "Family, Given" name shortens the family name first (``fit_name``)
    overflow: Literal["ellipsis", "words", "name"] = "ellipsis"
    shown_from: int = 0  # hidden when the table is narrower than this (fewer columns at 80)
    # narrower than every shown column at its least width (below 80): the columns with a
    # ``drop`` are left out whole, lowest first, until the rest fit (never cut to a letter at
    # the edge); None: never left out
    drop: int | None = None


# The cursor keys (hidden from the footer), as ``keys.Move`` rows.
_MOVES: tuple[Move, ...] = (
    ("up,k", "cursor_up", "Up", "up", "Move the cursor up one row"),
    ("down,j", "cursor_down", "Down", "down", "Move the cursor down one row"),
    ("pageup", "page_up", "Page up", "page_up", "Move the cursor up one page"),
    ("pagedown", "page_down", "Page down", "page_down", "Move the cursor down one page"),
    ("home,g", "first", "First", "first", "Jump to the first row"),
    ("end,G", "last", "Last", "last", "Jump to the last row"),
)


@dataclass
class _TableMessage(Message):
    """What a VirtualTable posts: the table it came from is its ``control``."""

    table: VirtualTable

    @property
    def control(self) -> VirtualTable:
        return self.table


class VirtualTable(ScrollView, can_focus=True):
    """A keyboard-driven, row-cursor table over any number of rows."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--header-sorted",
        "virtual-table--cursor",
        "virtual-table--empty",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        *hidden_keys("table", _MOVES),
        Binding("enter", "select", "Open", id="table.select",
                tooltip="Open the row under the cursor"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    @dataclass
    class RowHighlighted(_TableMessage):
        row: int

    @dataclass
    class RowSelected(_TableMessage):
        row: int

    @dataclass
    class HeaderSelected(_TableMessage):
        column_key: str

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty_text: str = "No rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[Column, ...] = tuple(columns)
        self.empty_text = empty_text
        self._row_count = 0
        self._get_row: RowGetter = lambda _index: ()
        self._widths: tuple[int, ...] = ()
        self._widths_for = -1
        self._generation = 0
        self._cache: LRUCache[tuple[int, bool, int, int], Strip] = LRUCache(512)
        self.sort_key: str | None = None
        self.sort_reverse = False
        self.key_hints: dict[str, str] = {}  # column key -> letter highlighted in its header
        # a scroll to the cursor asked for while the table had no height (not laid out yet, or
        # covered by its loading indicator): done at the next resize (True: centred)
        self._scroll_pending: bool | None = None

    # -- data ----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._row_count

    def set_rows(self, count: int, get_row: RowGetter, *, cursor: int = 0) -> None:
        """Show ``count`` rows, fetched lazily through ``get_row``; put the cursor on ``cursor``."""
        self._row_count = count
        self._get_row = get_row
        self.invalidate()
        self.virtual_size = Size(self._content_width, count + 1)
        cursor = max(0, min(cursor, count - 1)) if count else 0
        self.set_reactive(VirtualTable.cursor_row, cursor)
        self._scroll_cursor_into_view(center=True)
        self.post_message(self.RowHighlighted(self, cursor))

    def set_sort_indicator(self, key: str | None, reverse: bool) -> None:
        self.sort_key = key
        self.sort_reverse = reverse
        self.invalidate()

    def set_key_hints(self, hints: dict[str, str] | None) -> None:
        """Highlight each column's letter in its header (the sort picker's), or stop."""
        self.key_hints = dict(hints or {})
        self.invalidate()

    def invalidate(self) -> None:
        """Forget every rendered line (data, theme or sort indicator changed)."""
        self._generation += 1
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._generation += 1
        self._cache.clear()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.invalidate())

    def on_unmount(self) -> None:
        unfollow_theme(self)

    # -- cursor --------------------------------------------------------------------------------

    def validate_cursor_row(self, value: int) -> int:
        if self._row_count == 0:
            return 0
        return max(0, min(value, self._row_count - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_cursor_into_view()
        self.post_message(self.RowHighlighted(self, new))

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_cursor_into_view(self, *, center: bool = False) -> None:
        if self.scrollable_content_region.height <= 0:
            # no height to measure a page by (the rows arrived while the loading indicator
            # covered the table): scrolling now put the cursor's row at the top, hiding the
            # rows above it even when all of them fit. Wait for the real height.
            self._scroll_pending = bool(self._scroll_pending) or center
            return
        row = self.cursor_row
        page = self._page_height()
        top = round(self.scroll_offset.y)
        if center and not top <= row < top + page:
            target = max(0, row - page // 2)
        elif row < top:
            target = row
        elif row >= top + page:
            target = row - page + 1
        else:
            return
        self.scroll_to(y=target, animate=False, force=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._page_height()

    def action_page_down(self) -> None:
        self.cursor_row += self._page_height()

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = self._row_count - 1

    def action_select(self) -> None:
        if self._row_count:
            self.post_message(self.RowSelected(self, self.cursor_row))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            key = self.column_at(offset.x)
            if key is not None:
                self.post_message(self.HeaderSelected(self, key))
            return
        row = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= row < self._row_count:
            if row == self.cursor_row or event.chain > 1:
                self.cursor_row = row
                self.post_message(self.RowSelected(self, row))
            else:
                self.cursor_row = row

    # -- layout --------------------------------------------------------------------------------

    def column_widths(self, width: int) -> tuple[int, ...]:
        """Each column's width for a table ``width`` cells wide (one space between columns;
        0 for a column hidden at this width, see ``Column.shown_from``)."""
        if width == self._widths_for:
            return self._widths
        shown = [width >= c.shown_from for c in self.columns]

        def least() -> int:  # every shown column at its least width, with the gaps
            return sum((c.width if c.width is not None else c.min_width) + 1
                       for c, on in zip(self.columns, shown, strict=True) if on)

        for _rank, i in sorted((c.drop, i) for i, c in enumerate(self.columns)
                               if c.drop is not None):
            if least() <= width:
                break
            shown[i] = False
        fixed = sum(c.width for c, on in zip(self.columns, shown, strict=True)
                    if on and c.width is not None)
        gaps = sum(shown)  # a leading space plus one between each pair
        spare = max(0, width - fixed - gaps)
        widths: list[int | None] = [c.width if on else 0
                                    for c, on in zip(self.columns, shown, strict=True)]
        # share the spare cells among flexible columns by ratio, capping at max_width and
        # handing what a capped column can't take to the others
        open_columns = [i for i, c in enumerate(self.columns) if c.width is None and shown[i]]
        while open_columns:
            total_ratio = sum(self.columns[i].ratio for i in open_columns)
            capped = []
            for i in open_columns:
                column = self.columns[i]
                share = max(column.min_width, spare * column.ratio // total_ratio)
                if column.max_width is not None and share > column.max_width:
                    widths[i] = column.max_width
                    capped.append(i)
            if not capped:
                for i in open_columns:
                    column = self.columns[i]
                    widths[i] = max(column.min_width, spare * column.ratio // total_ratio)
                given = sum(widths[i] or 0 for i in open_columns)
                if given < spare:
                    widths[open_columns[0]] = (widths[open_columns[0]] or 0) + spare - given
                # a column raised to its min_width took cells the others were given: they
                # give them back (the last first), so the row is no wider than the table
                for i in reversed(open_columns):
                    over = sum(widths[j] or 0 for j in open_columns) - spare
                    if over <= 0:
                        break
                    widths[i] = max(self.columns[i].min_width, (widths[i] or 0) - over)
                break
            spare -= sum(widths[i] or 0 for i in capped)
            open_columns = [i for i in open_columns if i not in capped]
        self._widths = tuple(w or 0 for w in widths)
        self._widths_for = width
        return self._widths

    def column_width(self, key: str) -> int | None:
        """The width the column ``key`` is drawn at now (0: left out); None before the table
        is laid out."""
        width = self.scrollable_content_region.width
        if not width:
            return None
        return self.column_widths(width)[[c.key for c in self.columns].index(key)]

    @property
    def _content_width(self) -> int:
        """The width rows are drawn in: the widget less its vertical scrollbar, when it has one
        (rows that fit have none)."""
        return self.scrollable_content_region.width

    def column_at(self, x: int) -> str | None:
        position = 1
        widths = self.column_widths(self._content_width)
        for column, width in zip(self.columns, widths, strict=True):
            if not width:
                continue  # hidden at this width
            if position <= x < position + width + 1:
                return column.key
            position += width + 1
        return None

    def watch_show_vertical_scrollbar(self) -> None:
        # no scrollbar (and no gutter) beside rows that fit: the columns get its cells, and
        # the rows' width follows when it comes or goes (else the table scrolled sideways by
        # the scrollbar's width)
        self.virtual_size = Size(self._content_width, self._row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self._content_width, self._row_count + 1)
        self._cache.clear()
        pending, self._scroll_pending = self._scroll_pending, None
        if pending is not None:
            self._scroll_cursor_into_view(center=pending)

    # -- rendering -----------------------------------------------------------------------------

    def _join_cells(self, cells: Sequence[Text], width: int) -> Text:
        line = Text(" ", no_wrap=True, end="")
        for column, cell_width, cell in zip(
            self.columns, self.column_widths(width), cells, strict=False
        ):
            if not cell_width:
                continue  # hidden at this width
            cell = cell.copy()
            cell.no_wrap = True
            if cell.cell_len > cell_width:
                if column.overflow == "words":
                    cell = _fit_words(cell, cell_width)
                elif column.overflow == "name":
                    cell = fit_name(cell, cell_width)
                else:
                    cell.truncate(cell_width, overflow="ellipsis")
            cell.align(column.align, cell_width)
            line.append_text(cell)
            line.append(" ")
        return line

    def _header_line(self, width: int) -> Strip:
        cells: list[Text] = []
        sorted_style = self.get_component_rich_style("virtual-table--header-sorted")
        for column in self.columns:
            if column.key == self.sort_key:
                arrow = "▲" if self.sort_reverse else "▼"
                cell = Text(f"{column.label}{arrow}", style=sorted_style)
            else:
                cell = Text(column.label)
            letter = self.key_hints.get(column.key)
            if letter:
                at = column.label.casefold().find(letter.casefold())
                if at >= 0:
                    cell.stylize("bold reverse", at, at + 1)
            cells.append(cell)
        text = self._join_cells(cells, width)
        style = self.get_component_rich_style("virtual-table--header")
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.apply_style(style).crop_extend(0, width, style)

    def _row_line(self, row: int, width: int, base: Style) -> Strip:
        cursor = row == self.cursor_row
        key = (row, cursor, width, self._generation)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        text = self._join_cells(self._get_row(row), width)
        strip = Strip(text.render(self.app.console), text.cell_len)
        if cursor:
            # the cursor's own colours win on its row (cell colours can clash with the cursor
            # background, in the light theme especially); bold and the text itself remain
            cursor_style = base + self.get_component_rich_style("virtual-table--cursor")
            plain = Strip(
                [Segment(seg.text, seg.style.without_color if seg.style else None, seg.control)
                 for seg in strip],
                strip.cell_length,
            )
            strip = _force_background(plain.apply_style(cursor_style), cursor_style)
            strip = strip.crop_extend(0, width, cursor_style)
        else:
            strip = strip.apply_style(base).crop_extend(0, width, base)
        self._cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self._content_width
        base = self.rich_style
        if y == 0:
            return self._header_line(width)
        row = round(self.scroll_offset.y) + y - 1
        if self._row_count == 0:
            if y == 1:
                style = base + self.get_component_rich_style("virtual-table--empty")
                text = Text(f" {self.empty_text}", style=style, no_wrap=True, end="")
                # every segment gets a style: under NO_COLOR Textual's monochrome filter reads
                # ``segment.style.color`` and a bare segment crashed the app (issue 12)
                strip = Strip(text.render(self.app.console)).apply_style(style)
                return strip.crop_extend(0, width, base)
            return Strip.blank(width, base)
        if row >= self._row_count:
            return Strip.blank(width, base)
        return self._row_line(row, width, base)


def _fit_words(cell: Text, width: int) -> Text:
    """The first space-separated words of ``cell`` that fit ``width`` with a "+N" saying how
    many more there are; never a word cut in two (a lone first word too wide is cut with "…")."""
    plain = cell.plain
    starts = [0] + [i + 1 for i, ch in enumerate(plain) if ch == " "]
    words = len(starts)
    for kept in range(words - 1, 0, -1):
        end = starts[kept] - 1  # the space before the first dropped word
        more = f" +{words - kept}"
        if end + len(more) <= width:
            out = cell[:end]
            out.append(more)
            return out
    cell.truncate(width, overflow="ellipsis")
    return cell


FAMILY_MIN = 6  # the fewest cells a shortened family name keeps, its "…" included


def fit_name(cell: Text, width: int) -> Text:
    """A "Family, Given" name in ``width`` cells: the family name is shortened first, so the
    given name shows whole ("Featherstonehaugh-V…, Maximiliano"), down to ``FAMILY_MIN``
    cells of it; then the given name is cut too. Two students who share a long family name
    are told apart by their given names. A name without ", " is cut at its end."""
    plain = cell.plain
    comma = plain.find(", ")
    if cell.cell_len <= width or comma <= 0:
        cell.truncate(width, overflow="ellipsis")
        return cell
    family, given = cell[:comma], cell[comma + 2:]
    room = width - 2  # the ", "
    family_width = max(min(family.cell_len, FAMILY_MIN), room - given.cell_len)
    if room - family_width < 1:  # too narrow for both: cut the name at its end
        cell.truncate(width, overflow="ellipsis")
        return cell
    family.truncate(family_width, overflow="ellipsis")
    given.truncate(room - family_width, overflow="ellipsis")
    out = family
    out.append(", ")
    out.append_text(given)
    return out


def _force_background(strip: Strip, style: Style) -> Strip:
    """Paint the cursor's background under every segment, keeping the cells' own colours."""
    if style.bgcolor is None:
        return strip
    background = Style(bgcolor=style.bgcolor)
    segments = [
        Segment(seg.text, (seg.style + background) if seg.style else background, seg.control)
        for seg in strip
    ]
    return Strip(segments, strip.cell_length)
