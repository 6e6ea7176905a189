"""``l`` (and ``l`` in the ``?`` panel): what every caseload column and flag code means, and the
points each flag adds to Risk (issue 12).

Points are written as ``+3``/``+2``/``+1``, never as severity words, so no word here reads as
a flag code ("LOW" is the low-grade flag, never a severity). The rule texts give the default
thresholds (``caseload.domain.settings.Thresholds``; the config's ``[thresholds]`` may change
them, see docs/RULES.md).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from caseload.domain.effects import MIN_DAYS_AFTER
from caseload.domain.flags import SEVERITY
from caseload.domain.grading import format_percent
from caseload.domain.report import ONCE_PER_STUDENT, FlagCode
from caseload.domain.settings import Thresholds
from caseload.domain.text import plural

COLUMN_HELP: tuple[tuple[str, str], ...] = (
    ("Risk", "the sum of the student's flags' points (below); highest first in triage order"),
    ("Name", "the student's name (a preferred name when the school has one)"),
    ("Gr", "grade level"),
    ("Att%", "attendance rate: school days present of enrolled school days to the as-of date; "
             "— when no attendance was loaded"),
    ("Unx30", "full-day unexcused absences in the 30 days ending on the as-of date; — when "
              "no day of them was recorded"),
    ("Strk", "the current run of school days absent (shown from 100 columns wide)"),
    ("<70", "classes with a grade below 70 (shown from 100 columns wide)"),
    ("Low", "the student's lowest class grade"),
    ("Flags", "the flags, worst first; ×2: raised by two classes; +N: N more than fit"),  # noqa: RUF001
    ("Note", "days since the last note about the student; never: no note yet"),
    ("s i", "sorts by change since the last intervention (no column; the status line shows "
            "the highlighted student's): the latest intervention note's attendance after "
            "minus before, in points, as caseload notes effects has them; biggest drop "
            f"first; too early (then): fewer than {MIN_DAYS_AFTER} school days after the "
            "note; — (last): no intervention note, or no school day on a side"),
)


def flag_rules(t: Thresholds) -> dict[FlagCode, str]:
    """One line per flag code: when it is raised."""
    grade = f"{t.failing_grade:g}"
    return {
        FlagCode.FAILING_STREAK: f"below {grade} in a class at the end of each of the last "
                                 f"{plural(t.failing_weeks, 'complete week')}",
        FlagCode.LOW_GRADE: f"a class grade below {grade} (with no failing streak there)",
        FlagCode.GRADE_DROP: f"a class grade {t.drop_points:g}+ points below its peak "
                             f"({t.drop_high:g}+) of the last "
                             f"{plural(t.drop_window_weeks, 'week')}",
        FlagCode.UNEXCUSED_ABSENCES: f"{t.unexcused_count}+ unexcused full-day absences in "
                                     f"the last {plural(t.unexcused_window_days, 'day')}",
        FlagCode.CHRONIC_ABSENCE: f"absent {format_percent(100 * t.chronic_rate)}+ of enrolled "
                                  f"school days (at least {plural(t.chronic_min_days, 'day')})",
        FlagCode.ABSENCE_STREAK: f"absent {t.streak_days}+ school days in a row, to the "
                                 "as-of date",
        FlagCode.TRUANCY: f"past Maryland's truancy limit: more than "
                          f"{t.truancy_grading_period} unexcused days in the grading period, "
                          f"{t.truancy_term} in the term or {t.truancy_year} in the year",
        FlagCode.STALE_GRADEBOOK: f"a class with no new scores in {t.stale_days}+ days "
                                  "(the teacher's gradebook, not the student)",
        FlagCode.EARLY: f"absent {t.early_absences}+ of the school's first "
                        f"{plural(t.early_window_days, 'school day')} of the year "
                        "(September matters)",
        FlagCode.BEHAVIOR: f"{t.behavior_incidents}+ discipline incidents this school year",
    }


def legend_tables(thresholds: Thresholds | None = None) -> tuple[Table, Table]:
    """The columns table and the flags table (label, points, code, rule)."""
    rules = flag_rules(thresholds or Thresholds())
    columns = Table(box=None, expand=True, show_edge=False, pad_edge=False,
                    header_style="bold")
    columns.add_column("Column", no_wrap=True, style="bold")
    columns.add_column("What it shows", ratio=1, overflow="fold")
    for label, meaning in COLUMN_HELP:
        columns.add_row(Text(label), Text(meaning))
    flags = Table(box=None, expand=True, show_edge=False, pad_edge=False, header_style="bold")
    flags.add_column("Flag", no_wrap=True, style="bold")
    flags.add_column("Risk", no_wrap=True, justify="right")
    flags.add_column("When it is raised", ratio=1, overflow="fold")
    for code in FlagCode:
        once = " (once per student)" if code in ONCE_PER_STUDENT else ""
        flags.add_row(Text(code.label), Text(f"+{SEVERITY[code].points}"),
                      Text(f"{rules[code]}{once} · {code.value}"))
    return columns, flags


def thresholds_source(thresholds: Thresholds | None) -> str:
    """Where the legend's numbers come from: the defaults, or the config's own."""
    if thresholds is None or thresholds == Thresholds():
        return "thresholds: the defaults (docs/RULES.md)"
    return "thresholds: your config's (the defaults: docs/RULES.md)"


RISK_WHY = ("Risk adds up the points of every flag a student has: a flag raised by two "
            "classes counts twice, except STALE, which counts once per student. The student "
            "screen lists each flag with the points it adds.")


class LegendScreen(ModalScreen[None]):
    """The legend, scrollable (it fits 80x24 by scrolling)."""

    DEFAULT_CSS = """
    LegendScreen {
        align: center middle;
        background: $background 60%;
    }
    #legend-dialog {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary 80%;
        background: $surface;
        padding: 0 1;
    }
    #legend-title { text-style: bold; }
    #legend-body { height: auto; max-height: 100%; }
    #legend-body > Static { height: auto; }
    .legend-heading { text-style: bold; padding: 1 0 0 0; color: $text-accent; }
    #legend-footer { color: $text-muted; dock: bottom; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,l", "close", "Close", id="legend.close", tooltip="Close the legend"),
    ]

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        super().__init__()
        self.thresholds = thresholds

    def compose(self) -> ComposeResult:
        columns, flags = legend_tables(self.thresholds)
        with Vertical(id="legend-dialog"):
            yield Label(Text("Legend: columns, flags and Risk"), id="legend-title")
            with VerticalScroll(id="legend-body"):
                yield Static(columns, id="legend-columns")
                yield Static(Text("Flags and the points each adds to Risk"),
                             classes="legend-heading")
                yield Static(flags, id="legend-flags")
                yield Static(Text("Why this Risk"), classes="legend-heading")
                yield Static(Text(RISK_WHY), id="legend-risk")
            yield Static(Text("↑/↓ scroll · Escape, q or l closes · " + thresholds_source(
                self.thresholds)), id="legend-footer")

    def on_mount(self) -> None:
        self.query_one("#legend-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
