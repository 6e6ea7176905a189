"""The attendance calendar: one line per month, one lettered, coloured cell per day.

    Month     1       5         10        15        20        25        30    U
    Sep 2025  · P P P P · · P P T P P · · ...                                  2

Letters (P present, T tardy, E excused, U unexcused, · no school) carry the meaning without
colour; colours come from the theme (``caseload.tui.styles``). The last column counts the
month's unexcused absences ("—" for a month with no enrolled school day). 76 cells wide, so it
fits an 80-column terminal.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from caseload.domain.report import AttendanceSummary, DayStatus
from caseload.tui.format import DASH
from caseload.tui.styles import semantic_styles, unfollow_theme

LABEL_WIDTH = 10
LEGEND = (
    (DayStatus.PRESENT, "present"),
    (DayStatus.TARDY, "tardy"),
    (DayStatus.EXCUSED, "excused"),
    (DayStatus.UNEXCUSED, "unexcused"),
    (DayStatus.NO_SCHOOL, "no school"),
)


class AttendanceCalendar(Static):
    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(
        self, summary: AttendanceSummary, *, id: str | None = None,
        markers: tuple[tuple[dt.date, str], ...] = (),
    ) -> None:
        super().__init__(id=id)
        self.summary = summary
        # intervention notes as (date, letter) (``grade_chart.note_markers``): under a month
        # with notes, a line with each note's letter in its day's column (issue 14 §3)
        self.markers = markers

    def set_markers(self, markers: tuple[tuple[dt.date, str], ...]) -> None:
        self.markers = markers
        if self.is_mounted:
            self.update(self.build())

    def on_mount(self) -> None:
        self.update(self.build())
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update(self.build()))

    def on_unmount(self) -> None:
        unfollow_theme(self)

    def build(self) -> Text:
        styles = semantic_styles(self.app)
        by_day = dict(self.summary.days)
        unexcused = dict(self.summary.unexcused_by_month)
        text = Text(no_wrap=True, end="")
        header = [" "] * (31 * 2)
        for day in (1, 5, 10, 15, 20, 25, 30):
            label = str(day)
            start = (day - 1) * 2
            header[start:start + len(label)] = list(label)
        text.append("Month".ljust(LABEL_WIDTH) + "".join(header) + "  U\n", style=styles["muted"])
        months = sorted({(d.year, d.month) for d in by_day})
        for year, month in months:
            text.append(f"{calendar.month_abbr[month]} {year}".ljust(LABEL_WIDTH))
            last = calendar.monthrange(year, month)[1]
            for day in range(1, 32):
                status = by_day.get(dt.date(year, month, day)) if day <= last else None
                if status is None:
                    text.append("  ")
                else:
                    text.append(status.letter, style=styles[status.value])
                    text.append(" ")
            # a month with no enrolled school day to count (before the first one): "—", never
            # a measured 0
            count = unexcused.get(f"{year:04d}-{month:02d}")
            text.append(f"{DASH if count is None else count:>3}",
                        style=styles["bad"] if count else styles["muted"])
            text.append("\n")
            marks = [(d.day, letter) for d, letter in self.markers
                     if (d.year, d.month) == (year, month)]
            if marks:
                cells = [" "] * (31 * 2)
                for day, letter in marks:
                    cells[(day - 1) * 2] = letter
                text.append("  notes".ljust(LABEL_WIDTH), style=styles["muted"])
                text.append("".join(cells).rstrip(), style=styles["warn"])
                text.append("\n")
        for status, word in LEGEND:
            text.append(status.letter, style=styles[status.value])
            text.append(f" {word}   ", style=styles["muted"])
        text.rstrip()
        return text
