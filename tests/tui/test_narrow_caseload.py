"""Below 80 columns the caseload leaves columns out whole and keeps the as-of date whole
(usability review s22, item 20): at 60 columns the Note column was cut to its first letter
("n" for "never") and the title to "as of 2026-1…"."""

from __future__ import annotations

from caseload.tui.app import CaseloadApp
from caseload.tui.screens.caseload import COLUMNS
from caseload.tui.widgets.virtual_table import VirtualTable

from .conftest import screen_lines, settle
from .fakes import AS_OF, NOW, FakeReader


def test_no_row_is_wider_than_the_table_and_columns_go_whole() -> None:
    table = VirtualTable(COLUMNS)
    for width in range(40, 201):
        widths = table.column_widths(width)
        drawn = 1 + sum(w + 1 for w in widths if w)  # a leading space, one after each
        assert drawn <= width + 1, (width, widths)  # (the last column's trailing space)
        for column, w in zip(COLUMNS, widths, strict=True):
            if w:  # shown: never narrower than its width or its least width
                assert w >= (column.width or column.min_width), (width, column.key, w)
    keys = [c.key for c in COLUMNS]
    shown_at = {width: {k for k, w in zip(keys, table.column_widths(width), strict=True) if w}
                for width in (78, 58, 48)}
    assert shown_at[78] == set(keys) - {"streak", "below"}  # 80 columns, as before
    assert shown_at[58] == shown_at[78] - {"lowest"}
    assert shown_at[48] == {"risk", "name", "att", "flags", "note"}


async def test_at_60_columns_note_and_the_date_are_whole() -> None:
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        assert AS_OF.isoformat() in lines[0], lines[0]
        header = next(i for i, line in enumerate(lines) if " Risk " in line)
        assert lines[header].rstrip().endswith("Note"), lines[header]
        for line in lines[header + 1:header + 6]:
            last = line.split()[-1]
            assert last == "never" or last.endswith("d"), line
        await pilot.resize_terminal(120, 30)  # wider again: the whole title
        await settle(pilot)
        assert "Caseload: " in screen_lines(app)[0] and " students" in screen_lines(app)[0]
