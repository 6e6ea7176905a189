"""The weekly-grade chart of the class screen (plotext, through textual-plotext).

Heavy imports live here; only ``caseload.tui.screens.klass`` imports this module, and the App
imports that lazily, so the caseload screen paints without loading plotext.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

from caseload.domain.effects import NOTE_LETTERS, Marker, note_markers
from caseload.tui.styles import unfollow_theme

__all__ = ["NOTE_LETTERS", "GradeChart", "Marker", "marker_labels", "marker_x", "note_markers",
           "y_scale"]

PASSING = 70.0

def marker_x(weekly: Sequence[tuple[dt.date, float]], day: dt.date) -> float:
    """Where ``day`` falls on the chart's x axis: week ``i`` (1-based) is plotted at x = i on
    its Sunday, so a day is 1 + (days from the first Sunday) / 7."""
    return 1.0 + (day - weekly[0][0]).days / 7.0


class GradeChart(PlotextPlot):
    """Weekly grade (percent) with the 70% line marked; colours follow the app theme.

    ``markers``: intervention notes as (contact date, letter) (``note_markers``), each drawn
    as a vertical line at its date with the note type's letter at the top, so the line before
    and after an intervention can be compared. The x range widens to show a note dated
    before the first or after the last complete week."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(
        self, weekly: Sequence[tuple[dt.date, float]], *, title: str = "Weekly grade",
        id: str | None = None, markers: Sequence[Marker] = (),
    ) -> None:
        super().__init__(id=id)
        self.weekly = tuple(weekly)
        self.markers = tuple(markers)
        self.chart_title = title
        self._plotted_size = (-1, -1)

    def on_mount(self) -> None:
        # PlotextPlot.on_mount (called too) registers the theme; we redraw our colours.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())

    def on_unmount(self) -> None:
        unfollow_theme(self)  # PlotextPlot's own subscription too (it never drops it)

    def _rgb(self, variable: str, fallback: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(variable, fallback)
        try:
            return Color.parse(value).rgb
        except Exception:
            return Color.parse(fallback).rgb

    def render(self) -> RenderResult:
        if (self.size.width, self.size.height) != self._plotted_size:
            self._plot_data()  # the scales depend on the size: plot for this one
        return super().render()

    def replot(self) -> None:
        self._plot_data()
        self.refresh()

    def _plot_data(self) -> None:
        plt = self.plt
        self._plotted_size = (self.size.width, self.size.height)
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        line = self._rgb("error", "#B93C5B")
        if self.weekly:
            xs: list[float] = [float(i) for i in range(1, len(self.weekly) + 1)]
            ys = [grade for _, grade in self.weekly]
            plt.plot(xs, ys, marker="braille", color=self._rgb("primary", "#0178D4"))
            # a label ("11/08") takes 5 columns: space them so they never overlap (overlapping
            # labels are dropped in an order that varies between runs)
            plot_width = max(10, self.size.width - 8)
            step = max(1, math.ceil(len(xs) * 7 / plot_width))
            ticks = xs[::step]
            plt.xticks(ticks, [self.weekly[int(i) - 1][0].strftime("%m/%d") for i in ticks])
            marks = [(marker_x(self.weekly, day), letter) for day, letter in self.markers]
            left = min([0.5, *(x - 0.5 for x, _ in marks)])
            right = max([len(xs) + 0.5, *(x + 0.5 for x, _ in marks)])
            plt.xlim(left, right)
            low, unit = y_scale(min(*ys, PASSING), self.size.height - 4)
            rows = max(2, self.size.height - 4)
            y_ticks = [low + i * unit for i in range(rows)]
            plt.ylim(low, 100)
            # a short chart's rows may reach below 0 (5 rows of 30: -20): no grade is there,
            # and no label says one could be
            y_labels = [f"{t:g}" if t >= 0 else "" for t in y_ticks]
            plt.yticks(y_ticks, y_labels)
            marker_colour = self._rgb("warning", "#FFA62B")
            for x, _letter in marks:
                plt.vline(x, color=marker_colour)
            # the canvas: the width less the frame's two sides and the y labels
            canvas = self.size.width - 2 - max(len(label) for label in y_labels)
            for x, text in marker_labels(marks, left, right, canvas):
                plt.text(text, x=x, y=100, color=marker_colour, alignment="left")
        plt.hline(PASSING, color=line)
        plt.text("70%", x=1, y=PASSING, color=line)


def marker_labels(marks: Sequence[tuple[float, str]], left: float, right: float,
                  canvas: int) -> list[tuple[float, str]]:
    """The markers' letters as labels for the chart's top row, ``(x, text)``: a letter whose
    column (on a ``canvas`` columns wide from ``left`` to ``right``, as plotext places it) is
    already taken by the label before it joins that label, so no letter overwrites another
    (at 80 columns a chart 15 columns wide drew the 10/29 P over the 10/27 A): "AP", read in
    date order. A label that would pass the right edge starts further left."""
    if canvas < 2 or right <= left:
        return [(x, letter) for x, letter in marks]
    scale = (canvas - 1) / (right - left)

    def column(x: float) -> int:  # plotext's own rounding (``utility.get_matrix_data``)
        return math.floor(round(0.5 + (x - left) * scale, 8))

    labels: list[tuple[int, str]] = []
    for x, letter in sorted(marks):
        col = column(x)
        if labels and col < labels[-1][0] + len(labels[-1][1]):
            labels[-1] = (labels[-1][0], labels[-1][1] + letter)
        else:
            labels.append((col, letter))
    out = []
    for col, text in labels:
        col = max(0, min(col, canvas - len(text)))
        out.append((left + col / scale, text))
    return out


def y_scale(lowest: float, rows: int) -> tuple[float, float]:
    """``(low, unit)`` so each of ``rows`` chart rows is ``unit`` percent, the top row is 100
    and the 70% line falls exactly on a labelled row (``unit`` divides 30)."""
    rows = max(2, rows)
    for unit in (5.0, 10.0, 15.0, 30.0):
        low = 100.0 - (rows - 1) * unit
        if low <= lowest - 1:
            return low, unit
    return 100.0 - (rows - 1) * 30.0, 30.0
