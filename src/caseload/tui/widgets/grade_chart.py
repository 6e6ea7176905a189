"""The weekly-grade chart of the class screen (plotext, through textual-plotext).

Heavy imports live here; only ``caseload.tui.screens.klass`` imports this module, and the App
imports that lazily, so the caseload screen paints without loading plotext.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from textual.color import Color
from textual_plotext import PlotextPlot

PASSING = 70.0


class GradeChart(PlotextPlot):
    """Weekly grade (percent) with the 70% line marked; colours follow the app theme."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(
        self, weekly: Sequence[tuple[dt.date, float]], *, title: str = "Weekly grade",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.weekly = tuple(weekly)
        self.chart_title = title

    def on_mount(self) -> None:
        # PlotextPlot.on_mount (called too) registers the theme; we redraw our colours.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())
        self.replot()

    def on_resize(self) -> None:
        self.replot()  # the y ticks depend on the height

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
            xs: list[float] = [float(i) for i in range(1, len(self.weekly) + 1)]
            ys = [grade for _, grade in self.weekly]
            plt.plot(xs, ys, marker="braille", color=self._rgb("primary", "#0178D4"))
            step = max(1, len(xs) // 6)
            ticks = xs[::step]
            plt.xticks(ticks, [self.weekly[int(i) - 1][0].strftime("%m/%d") for i in ticks])
            # whole-ten bounds and explicit ticks (always 70) so the 70% line sits on its label
            low = max(0, int(min(min(ys), PASSING) - 5) // 10 * 10)
            rows = max(1, self.size.height - 4)
            step = 10 if (100 - low) // 10 <= rows else 20
            ticks = sorted({*range(low, 101, step), int(PASSING)})
            plt.ylim(low, 100)
            plt.yticks(ticks, [str(t) for t in ticks])
            plt.xlim(0.5, len(xs) + 0.5)
        plt.hline(PASSING, color=self._rgb("error", "#B93C5B"))
        plt.text("70%", x=1, y=PASSING + 2, color=self._rgb("error", "#B93C5B"))
        self.refresh()
