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


ELEVEN = [(D("2026-09-06") + dt.timedelta(days=7 * i), 80.0 - 2 * i) for i in range(11)]
FIVE = [(D("2026-10-27"), "A"), (D("2026-10-29"), "P"), (D("2026-11-03"), "S"),
        (D("2026-11-10"), "T"), (D("2026-11-16"), "R")]


def test_labels_that_would_share_a_column_join_in_date_order() -> None:
    from caseload.tui.widgets.grade_chart import marker_labels

    marks = [(marker_x(ELEVEN, day), letter) for day, letter in FIVE]
    # a canvas 15 columns wide (the class screen's chart at 80x24): 10/27 and 10/29 share a
    # column, and each later letter would start where the label before it still is
    narrow = marker_labels(marks, 0.5, marks[-1][0] + 0.5, 15)
    assert [text for _x, text in narrow] == ["APSTR"]
    # 56 columns (at 120x40): every letter has its own column, as before
    wide = marker_labels(marks, 0.5, marks[-1][0] + 0.5, 56)
    assert [text for _x, text in wide] == ["A", "P", "S", "T", "R"]


class NarrowChartApp(App[None]):
    CSS = "GradeChart { width: 20; height: 9; }"  # the class screen's chart at 80x24

    def compose(self) -> ComposeResult:
        yield GradeChart(ELEVEN, markers=FIVE, id="chart")


async def test_a_narrow_chart_loses_no_marker_letter() -> None:
    """(review s22 item 13) At 80x24 the chart is 15 columns wide: the 10/29 P was drawn over
    the 10/27 A. Every letter now shows, in date order, from the first one's line."""
    app = NarrowChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.query_one(GradeChart)
        chart._plot_data()
        chart.plt.plotsize(chart.size.width, chart.size.height)  # as the widget renders it
        canvas = plotext.uncolorize(chart.plt.build()).splitlines()
    assert len(canvas[1]) == 20, canvas
    top = next(row for row in canvas if "┤" in row)
    assert "APSTR" in top, top
    below = next(row for row in canvas[canvas.index(top) + 1:] if "┤" in row or "│" in row)
    assert below[top.index("APSTR")] in "│┼", (top, below)  # starts on the A's line
