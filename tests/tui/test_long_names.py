"""A long family name never hides the given name (usability review s22, item 14): the Name
column shortens the family name first, and the status line shows the highlighted student's
whole name when the column cuts it."""

from __future__ import annotations

import dataclasses

from rich.text import Text

from caseload.tui.app import CaseloadApp
from caseload.tui.widgets.virtual_table import fit_name

from .conftest import screen_lines, settle, wait_until
from .fakes import AS_OF, NOW, FakeReader

LONG = "Featherstonehaugh-Vandenberghe Oyelaran, Maximiliano"
SIBLING = "Featherstonehaugh-Vandenberg, Esperanza"  # 39 cells


def test_the_family_name_is_shortened_first() -> None:
    cut = fit_name(Text(LONG), 24).plain
    assert cut.endswith("…, Maximiliano") and cut.startswith("Feather") and len(cut) == 24
    assert fit_name(Text(SIBLING), 24).plain.endswith("…, Esperanza")
    assert fit_name(Text("Watson, Michael"), 24).plain == "Watson, Michael"
    # a given name too long as well: the family name keeps 6 cells, the given name the rest
    assert fit_name(Text(LONG), 16).plain == "Feath…, Maximil…"
    assert fit_name(Text("No comma at all here"), 10).plain == "No comma …"


async def test_the_status_line_shows_a_cut_name_whole() -> None:
    reader = FakeReader()
    first = reader.reports(AS_OF)[0]
    reader.extra = [dataclasses.replace(first, id="s900", name=LONG),
                    dataclasses.replace(first, id="s901", name=SIBLING)]
    app = CaseloadApp(reader, counselor_id=first.counselor_ids[0], as_of=AS_OF, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student("s900")
        await settle(pilot)
        lines = screen_lines(app)
        rows = [line for line in lines if "Featherston" in line and "Maximiliano" in line]
        assert rows and ", Maximiliano " in rows[-1], rows  # the given name whole in the row
        assert any(", Esperanza " in line for line in lines)  # the sibling told apart
        assert any(line.startswith(LONG + " · ") for line in lines), lines[:6]  # status line
        other = next(r.id for r in app.home.view if r.id not in {"s900", "s901"})
        app.home.select_student(other)
        await wait_until(pilot, lambda: not any(line.startswith(LONG) for line in
                                                screen_lines(app)), what="the name to go")
        # a name the Name column holds whole at 200 columns (40 cells) and not at 80
        app.home.select_student("s901")
        await wait_until(pilot, lambda: any(line.startswith(SIBLING + " · ")
                                            for line in screen_lines(app)), what="the sibling")
        await pilot.resize_terminal(200, 40)
        await settle(pilot)
        assert not any(line.startswith(SIBLING) for line in screen_lines(app))
        assert any(f" {SIBLING} " in line for line in screen_lines(app))
