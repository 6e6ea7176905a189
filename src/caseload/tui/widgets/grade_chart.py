"""The weekly-grade chart of the class screen (plotext, through textual-plotext).

Heavy imports live here; only ``caseload.tui.screens.klass`` imports this module, and the App
imports that lazily, so the caseload screen paints without loading plotext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from textual.color import Color
from textual_plotext import PlotextPlot

PASSING = 70.0


class GradeChart(PlotextPlot):
    """Weekly grade (percent) with the 70% line marked; colours follow the app theme."""

    DEFAULT_CSS = """
    GradeChart {
        height: 12;
        min-height: 8;
        width: 1fr;
    }
    """

    def __init__(
        self, weekly: Sequence[tuple[dt.date, float]], *, title: str = "Weekly grade",
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self.weekly = tuple(weekly)
        self.chart_title = title

    def on_mount(self) -> None:
        # PlotextPlot.on_mount (called too) registers the theme; we redraw our colours.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())
        self.replot()

    def _rgb(self, variable: str, fallback: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(variable, fallback)
        try:
            return Color.parse(value).rgb
        except Exception:
            return Color.parse(fallback).rgb

    def set_weekly(self, weekly: Sequence[tuple[dt.date, float]]) -> None:
        self.weekly = tuple(weekly)
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        if self.weekly:
            xs = list(range(1, len(self.weekly) + 1))
            ys = [grade for _, grade in self.weekly]
            plt.plot(xs, ys, marker="braille", color=self._rgb("primary", "#0178D4"))
            step = max(1, len(xs) // 6)
            ticks = xs[::step]
            plt.xticks(ticks, [self.weekly[i - 1][0].strftime("%m/%d") for i in ticks])
            low = min(min(ys), PASSING)
            plt.ylim(max(0.0, low - 10), 100)
            plt.xlim(0.5, len(xs) + 0.5)
        plt.hline(PASSING, color=self._rgb("error", "#B93C5B"))
        plt.text("70%", x=0.6, y=PASSING + 2, color=self._rgb("error", "#B93C5B"))
        self.refresh()
