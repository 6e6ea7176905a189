"""Intervention markers on the grade chart (issue 14 §3): a vertical line at the note's date
with the note type's letter."""

from __future__ import annotations

import datetime as dt

import plotext
from textual.app import App, ComposeResult

from caseload.tui.widgets.grade_chart import GradeChart, marker_x, note_markers

D = dt.date.fromisoformat
WEEKLY = [(D("2026-10-04"), 88.0), (D("2026-10-11"), 84.0), (D("2026-10-18"), 72.0),
          (D("2026-10-25"), 64.0), (D("2026-11-01"), 70.0), (D("2026-11-08"), 79.0)]


def test_markers_for_intervention_types_only() -> None:
    notes = [(D("2026-10-28"), "parent_contact"), (D("2026-10-20"), "other"),
             (D("2026-10-14"), "student_meeting"), (D("2026-11-02"), "sst_504_iep_meeting")]
    assert note_markers(notes) == [(D("2026-10-14"), "S"), (D("2026-10-28"), "P"),
                                   (D("2026-11-02"), "I")]
    assert marker_x(WEEKLY, D("2026-10-04")) == 1.0
    assert marker_x(WEEKLY, D("2026-10-28")) == 1.0 + 24 / 7  # Wednesday of week 4


class ChartApp(App[None]):
    def __init__(self, markers: list[tuple[dt.date, str]]) -> None:
        super().__init__()
        self.markers = markers

    def compose(self) -> ComposeResult:
        yield GradeChart(WEEKLY, markers=self.markers, id="chart")


def _canvas(chart: GradeChart) -> list[str]:
    chart._plot_data()
    return plotext.uncolorize(chart.plt.build()).splitlines()


async def test_the_marker_is_drawn_at_its_date_with_its_letter() -> None:
    app = ChartApp([(D("2026-10-28"), "P")])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(GradeChart)
        with_marker = _canvas(chart)
        chart.markers = ()
        without = _canvas(chart)
    assert with_marker != without
    # the letter at the top, and a vertical line in the same column over several rows
    top = next(i for i, row in enumerate(with_marker) if "P" in row)
    col = with_marker[top].index("P")
    below = [row[col] for row in with_marker[top + 1 : top + 8] if len(row) > col]
    assert sum(1 for c in below if c in "│|┼┬┴") >= 3


async def test_a_note_after_the_last_week_widens_the_chart() -> None:
    app = ChartApp([(D("2026-11-12"), "A")])  # the week after the last complete one
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        canvas = _canvas(app.query_one(GradeChart))
    assert any("A" in row for row in canvas[1:])


LOW = [(D("2026-10-04"), 40.0), (D("2026-10-11"), 39.7), (D("2026-10-18"), 35.4),
       (D("2026-10-25"), 41.0)]


class LowChartApp(App[None]):
    CSS = "GradeChart { height: 9; }"  # 5 rows of plot: rows of 30, from -20

    def compose(self) -> ComposeResult:
        yield GradeChart(LOW, id="chart")


async def test_a_short_chart_labels_no_percentage_below_zero() -> None:
    """(audit s20, Grand Bend at 80x24) A grade near 40% on a 5-row chart labelled its axis
    100, 70, 40, 10 and -20: no grade is below 0, and no label says one could be."""
    app = LowChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        canvas = _canvas(app.query_one(GradeChart))
    labels = [row.split("┤")[0].strip() for row in canvas if "┤" in row or "├" in row]
    assert "100" in "".join(canvas) and not any(label.startswith("-") for label in labels)
    assert not any("-20" in row.split("┤")[0] for row in canvas if "┤" in row)
