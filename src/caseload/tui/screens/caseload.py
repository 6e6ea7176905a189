"""The home screen: a counselor's students in triage order.

One virtualized table (``VirtualTable``), so the "All students" view of a 75,000-student district
paints as fast as a 300-student caseload. Filtering (``/``), flag filters (``f``) and sorting
(``s`` then a column's letter, ``S``, or a header click) work on an in-memory list of
``CaseloadRow``s (read from the persisted ranking when the store has it, see
``caseload.store.ranking``); only the rows on screen are ever formatted, and the filter's
search keys are built on the first keystroke. ``x`` exports the rows as shown, ``l`` explains
the columns and flags.

``s i`` sorts by the change since each student's last intervention (issue 14 §3; no column:
the status line names the order and the highlighted student's figure): the figures come from
the App's ``intervention_changes`` (``services.effects.intervention_changes``), asked once per
caseload in a thread worker the first time this sort is chosen, so the first paint never waits
for them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from caseload.domain.effects import Change, TooEarly
from caseload.domain.report import CaseloadRow, FlagCode, Severity, known_below_70
from caseload.domain.rounding import round_half_up
from caseload.domain.search import Query, Searchable, filter_items, row_keys
from caseload.tui import messages
from caseload.tui.format import DASH, coverage_text, freshness_text, num, pct, plural
from caseload.tui.keys import export_key, follow_ups_key, note_key, reload_key
from caseload.tui.ports import DataRequests, InterventionChanges
from caseload.tui.safe import clean, literal
from caseload.tui.session import Session
from caseload.tui.styles import semantic_styles, unfollow_theme
from caseload.tui.textual_fixes import Header
from caseload.tui.titles import fitting_titles
from caseload.tui.widgets.footer import Footer
from caseload.tui.widgets.virtual_table import Column, VirtualTable

SLOW_LOAD = 1.0  # seconds of loading before the status line says what is going on

COLUMNS = (
    # fixed widths leave room for the sort arrow after the label (never "Unx3…", issue 12)
    Column("risk", "Risk", 5, "right", tooltip="Sum of the flags' points (legend: l)"),
    Column("name", "Name", None, min_width=14, max_width=40, overflow="name"),
    # below 80 columns Low, Gr, Unx30, Att% go whole (``drop``): their flags say them
    Column("grade", "Gr", 3, "right", drop=2),
    Column("att", "Att%", 6, "right", drop=4),
    Column("unx", "Unx30", 6, "right", drop=3),
    Column("streak", "Strk", 5, "right", shown_from=100),  # at 80: the STREAK flag says it
    Column("below", "<70", 4, "right", shown_from=100),  # at 80: LOW and FAIL3W say it
    Column("lowest", "Low", 5, "right", drop=1),
    Column("flags", "Flags", None, min_width=10, max_width=48, overflow="words"),
    Column("note", "Note", 5, "right"),
)


@dataclass(frozen=True, slots=True)
class SortSpec:
    label: str
    value: Callable[[CaseloadRow], Any] | None  # None: the reader's triage order
    descending: bool = False
    figures: bool = False  # sorts by ``figures`` read on demand (no column), not by ``value``


SINCE = "since"  # the sort by change since the last intervention


def _grade_level(report: CaseloadRow) -> Any:
    level = report.grade_level
    if level is None:
        return None
    return ((0, int(level), "") if level.isascii() and level.isdigit()  # ("²".isdigit())
            else (1, 0, level.casefold()))


SORTS: dict[str, SortSpec] = {
    "triage": SortSpec("triage", None),
    "risk": SortSpec("risk", lambda r: r.risk, descending=True),
    "name": SortSpec("name", lambda r: r.name.casefold()),
    "grade": SortSpec("grade level", _grade_level),
    "att": SortSpec("attendance", lambda r: r.attendance_rate),
    "unx": SortSpec("unexcused 30d", lambda r: r.unexcused_30d, descending=True),
    "streak": SortSpec("absence streak", lambda r: r.absence_streak, descending=True),
    "below": SortSpec("classes below 70", known_below_70, descending=True),  # (— last)
    "lowest": SortSpec("lowest grade", lambda r: r.lowest_grade),
    "flags": SortSpec("flags", lambda r: len(r.flags), descending=True),
    "note": SortSpec("days since note",
                     lambda r: 10**9 if r.days_since_note is None else r.days_since_note,
                     descending=True),
    # biggest drop first (most worrying first); then too early to tell (fewer than
    # MIN_DAYS_AFTER school days after the note); no intervention note or a null rate: last
    SINCE: SortSpec("change since last intervention", None, figures=True),
}
SORT_LETTERS: dict[str, str] = {
    # ``s`` then a letter sorts by that column (issue 12): each letter is in its header label,
    # highlighted while the sort picker is open; ``t`` is triage order (sort_picker.py)
    "risk": "r", "name": "n", "grade": "g", "att": "a", "unx": "u", "streak": "s",
    "below": "7", "lowest": "l", "flags": "f", "note": "o",
    SINCE: "i",  # no column: the letter is in the sort prompt ("i since intervention")
}

_SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


def _figure_of(figures: Mapping[str, Any]) -> Callable[[CaseloadRow], Any]:
    return lambda r: figures.get(r.id)


def sort_reports(reports: list[CaseloadRow], key: str, reverse: bool,
                 figures: Mapping[str, Change] | None = None) -> list[CaseloadRow]:
    """Reports ordered by ``key``; missing values last either way; ties keep triage order.
    A sort by ``figures`` (student id -> figure) reads them from ``figures`` (not yet read:
    every row's is missing, so triage order); a ``TooEarly`` figure is no change: after the
    measured ones, before the missing ones, either way."""
    spec = SORTS[key]
    value: Callable[[CaseloadRow], Any]
    if spec.figures:
        value = _figure_of(figures or {})
    elif spec.value is None:
        return list(reversed(reports)) if reverse else list(reports)
    else:
        value = spec.value
    present: list[CaseloadRow] = []
    early: list[CaseloadRow] = []
    missing: list[CaseloadRow] = []
    for r in reports:
        v = value(r)
        (missing if v is None else early if isinstance(v, TooEarly) else present).append(r)
    present.sort(key=value, reverse=spec.descending != reverse)
    return present + early + missing


@dataclass
class InterventionChangesLoaded(Message, bubble=False):
    """The change since the last intervention of the caseload's students (id -> points)."""

    counselor_id: str | None
    as_of: dt.date
    figures: dict[str, Change]



def change_text(points: Change, *, short: bool = False) -> str:
    """"−12.5 pts", "+3.0 pts", "±0.0 pts"; "too early to tell (1 school day after)"
    ("too early" ``short``); "—" when not known."""  # noqa: RUF002
    if points is None:
        return DASH
    if isinstance(points, TooEarly):
        return "too early" if short else points.text()
    rounded = round_half_up(points)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else "±"  # noqa: RUF001
    return f"{sign}{abs(rounded):.1f} pts"


class CaseloadScreen(Screen[None]):
    CSS_PATH = "caseload.tcss"
    AUTO_FOCUS = "#students"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="caseload.filter",
                tooltip="Filter students by name or id as you type"),
        Binding("f", "flags", "Flags", id="caseload.flags",
                tooltip="Show only students with the chosen flags"),
        Binding("s", "sort", "Sort", id="caseload.sort",
                tooltip="Sort: then a column's letter (highlighted in the header; again: "
                "reversed), t for triage order, or i for the change since the last "
                "intervention (biggest drop first; again: biggest gain first); clicking a "
                "header sorts too"),
        Binding("S", "reverse", "Reverse", show=False, id="caseload.reverse",
                tooltip="Reverse the sort order"),
        Binding("c", "counselor", "Counselor", show=False, id="caseload.counselor",
                tooltip="Show another counselor's caseload, or all students"),
        note_key("caseload.note", "Write a note about the selected student"),
        follow_ups_key("caseload.follow_ups", "Open notes whose follow-up is due, oldest first"),
        export_key("caseload.export", "Export the caseload's notes (Markdown, CSV, JSON or PDF)"),
        Binding("x", "export_triage", "Export list", show=False, id="caseload.export_triage",
                tooltip="Export this list as shown, filtered and sorted (CSV or Markdown, "
                "with flags and evidence)"),
        Binding("l", "legend", "Legend", show=False, id="caseload.legend",
                tooltip="What every column and flag code means, and the points each flag "
                "adds to Risk"),
        reload_key("caseload.reload", "Read the caseload again from the cache"),
        Binding("escape", "clear", "Clear filter", show=False, id="caseload.clear",
                tooltip="Leave the filter box, then clear the filter"),
    ]

    def __init__(self, session: Session, data: DataRequests) -> None:
        super().__init__(id="caseload")
        self.session = session
        self.data = data
        self.reports: list[CaseloadRow] = []
        self.view: list[CaseloadRow] = []
        # the / filter's keys (``caseload.domain.search``), built on the first keystroke: from
        # every student's names once the App has read them (``Session.directory``)
        self._search_key: Callable[[CaseloadRow], Searchable] | None = None
        self._directory_asked = False
        self.hidden_by_flags = 0  # rows the text filter kept that the flag filter hides
        self._sorted: list[CaseloadRow] = []
        self.sort_key = "triage"
        self.sort_reverse = False
        self.query_text = ""
        self.flag_filter: frozenset[FlagCode] = frozenset()
        self.loaded_for: tuple[str | None, object] | None = None  # every row is here
        self.shown_for: tuple[str | None, object] | None = None  # at least the first page
        self.partial_total: int | None = None  # while only the first page is here: the size
        self.waiting = False  # a load is taking longer than SLOW_LOAD
        self._slow_timer: Timer | None = None
        self.load_seconds = 0.0
        # the change since the last intervention, by student id (read on demand, see SINCE)
        self.figures: dict[str, Change] | None = None
        self.figures_for: tuple[str | None, object] | None = None
        self.figures_loading = False
        # a note was written (``reload(hold_order=True)``): the rows keep the order they were
        # in, so "note, ↓, note" never skips a student; a sort or a plain reload re-sorts
        self.order_held = False
        self._figures_stale = False  # a note changed: the figures are read again
        self._status_width: int | None = None  # the terminal width the status was made for
        self._status_name: str | None = None  # the cut name the status line shows whole
        self._titles_width: int | None = None  # the terminal width the titles were made for

    # -- composition ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(""), id="context")
        yield Input(placeholder="/ filter by name or id", id="filter", compact=True)
        yield Static(Text(""), id="status")
        yield VirtualTable(COLUMNS, id="students", empty_text="Loading…")
        # u, w, c as they fit; "/ Filter" gives way (the box says "/ filter by name or id")
        yield Footer(if_room=("caseload.follow_ups", "app.changes", "caseload.counselor"),
                     gives_way={"caseload.filter": ("caseload.follow_ups", "app.changes")})

    def on_mount(self) -> None:
        self.update_titles()
        self.reload()
        self.set_interval(60, self.update_context, name="freshness clock")
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.update_status())

    def on_unmount(self) -> None:
        unfollow_theme(self)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#students", VirtualTable)

    def reload(self, *, hold_order: bool = False) -> None:
        """Read the caseload again. ``hold_order``: a note was written, edited or marked done
        (``NotesFlow.changed``): the rows keep the order they are shown in (the note's
        student does not move away from the cursor, nor do the students after them move up
        past it) until the counselor sorts again or reloads (``r``); the change since the
        last intervention (``s i``) is read again. Otherwise: in the chosen order afresh."""
        self.order_held = hold_order
        if hold_order and (self.figures is not None or self.figures_loading):
            self._figures_stale = True  # (an answer on its way may predate the note)
        table = self.table
        table.loading = True
        self.data.request_caseload(self)
        if self._slow_timer is not None:
            self._slow_timer.stop()
        self._slow_timer = self.set_timer(SLOW_LOAD, self._slow_load)

    def _slow_load(self) -> None:
        """Still loading: say why (the first open of a date ranks every student)."""
        if self.table.loading:
            self.waiting = True
            self.update_status()

    # -- header --------------------------------------------------------------------------------

    def update_titles(self) -> None:
        session = self.session
        name, day = clean(session.counselor_name), session.as_of.isoformat()
        count = f" · {plural(len(self.reports), 'student')}" if self.loaded_for else ""
        # narrow: the count goes first (the status line has it), then "Caseload: ", "as of"
        self.title, self.sub_title = fitting_titles(self.app.size.width, (
            (f"Caseload: {name}", f"as of {day}{count}"), (f"Caseload: {name}", f"as of {day}"),
            (name, f"as of {day}"), (name, day)))
        self._titles_width = self.app.size.width
        self.update_context()

    def update_context(self) -> None:
        session = self.session
        text = (freshness_text(session.freshness, session.now()) if session.freshness_loaded
                else "…")
        if self.loaded_for and (coverage := coverage_text(self.reports, session.as_of)):
            text += " · " + coverage  # unknown attendance is said, never shown as 100%
        self.query_one("#context", Static).update(literal(text))

    def on_resize(self) -> None:
        if self._titles_width is not None and self._titles_width != self.app.size.width:
            self.update_titles()
        # the status line's hints are there when they fit the terminal's width: made again
        # for the new one (once there is a status: never "0 students" while loading)
        if self._status_width is not None and self._status_width != self.app.size.width:
            self.update_status()
            self.call_after_refresh(self.update_status)  # the table laid out: ``cut_name``

    def update_status(self) -> None:
        styles = semantic_styles(self.app)
        self._status_width = self.app.size.width
        parts = Text(no_wrap=True, overflow="ellipsis", end="")
        shown, total = len(self.view), len(self.reports)
        if self.waiting:
            parts.append(f"Ranking the students as of {self.session.as_of.isoformat()}: the "
                         "first open of a date computes every flag, then stores them…",
                         style=styles["info"])
            self.query_one("#status", Static).update(parts)
            return
        whole = self._status_name = self.cut_name()
        if whole is not None:  # the Name column cuts the highlighted student's: whole here
            parts.append_text(literal(whole, style="bold"))
            parts.append(" · ")
        if self.partial_total is not None:
            parts.append(f"first {shown:,} of {self.partial_total:,} students · loading the rest…")
        else:
            parts.append(f"{shown} of {total}" if shown != total else plural(total, "student"))
        if self.query_text:
            parts.append(" · filter ")
            parts.append_text(literal(repr(self.query_text), style=styles["info"]))
        if self.flag_filter:
            parts.append(" · flags ")
            labels = sorted(code.label for code in self.flag_filter)
            parts.append(" ".join(labels), style=styles["info"])
            if self.hidden_by_flags:
                parts.append(f" · {self.hidden_by_flags:,} hidden by filters", style=styles["warn"])
        spec = SORTS[self.sort_key]
        order = " (reversed)" if self.sort_reverse else ""
        if spec.figures and self.figures_loading:
            parts.append(f" · sorting by {spec.label} (reading…)",
                         style=styles["info"])
        else:
            parts.append(f" · sorted by {spec.label}{order}", style=styles["muted"])
        why = ""
        if spec.figures and not self.figures_loading and self.figures is not None:
            # no column for it: the highlighted student's figure, and what it is
            selected = self.selected_student_id
            figure = self.figures.get(selected) if selected is not None else None
            if selected is not None:
                parts.append(f" · {change_text(figure, short=True)}", style=styles["info"])
            why = (f" to tell ({figure.days_after} school "
                   f"day{'' if figure.days_after == 1 else 's'} after the latest note)"
                   if isinstance(figure, TooEarly)
                   else " (attendance after − before the latest note)")  # noqa: RUF001
        held = " · order kept after your note (r re-sorts)" if self.order_held else ""
        hint = " · s: sort · l: legend · x: export list"
        for extra, style in ((held, "info"), (why, "muted"), (hint, "muted")):  # whole, or not
            if extra and parts.cell_len + len(extra) <= self.app.size.width - 2:
                parts.append(extra, style=styles[style])
        # one line: a long whole name must not push the rest onto a second (cut with "…")
        parts.truncate(max(1, self.app.size.width - 2), overflow="ellipsis")
        self.query_one("#status", Static).update(parts)

    # -- data ----------------------------------------------------------------------------------

    def on_caseload_loaded(self, message: messages.CaseloadLoaded) -> None:
        session = self.session
        if (message.counselor_id, message.as_of) != (session.counselor_id, session.as_of):
            return  # a stale answer to an earlier request
        self.waiting = False
        if message.partial:
            self.show_head(message)
            return
        was_partial, row = self.partial_total is not None, self.table.cursor_row
        self.partial_total = None
        selected = self.selected_student_id
        shown = self._sorted
        self.reports = message.reports
        self.load_seconds = message.seconds
        self.loaded_for = (message.counselor_id, message.as_of)
        self._search_key = None
        if self.figures_for != self.loaded_for:
            self.figures = None  # another caseload or date: read again when sorted by them
            self.figures_for = None
            self.figures_loading = False  # an answer for the earlier one is ignored
            if SORTS[self.sort_key].figures:
                self.request_figures()
        elif self._figures_stale:  # a note changed them: the old ones order the rows meanwhile
            if SORTS[self.sort_key].figures:
                self.request_figures()
            else:
                self.figures = self.figures_for = None  # read again when sorted by them
        self._figures_stale = False
        self._order(shown)
        table = self.table
        table.empty_text = (
            "No students in this caseload (c: another caseload, or all students)"
            if not self.reports else "No students match"
        )
        self.shown_for = self.loaded_for
        self.apply_filters(keep=selected)
        if was_partial and selected is None and row < len(self.view):
            table.cursor_row = row  # the cursor was below the first page: same place, same order
        table.loading = False
        # the footer's keys: the table's own ("⏎ Open") count now that it is no longer loading
        self.call_after_refresh(self.refresh_bindings)
        self.update_titles()
        self.post_message(messages.CaseloadPainted())

    def show_head(self, message: messages.CaseloadLoaded) -> None:
        """Paint the first page of a large caseload (in triage order) while the rest loads:
        the table has every row's place; rows below the head show as "…" until then."""
        if (self.sort_key != "triage" or self.sort_reverse or self.query_text
                or self.flag_filter or self.order_held):
            return  # another order, a filter or the order held needs every row: wait for them
        self.reports = self._sorted = message.reports
        self._search_key = None
        self.partial_total = message.total
        self.shown_for = (message.counselor_id, message.as_of)
        self.apply_filters()
        table = self.table
        table.loading = False
        self.call_after_refresh(self.refresh_bindings)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "intervention-changes":
            self._figures_failed()
            return
        self.waiting = False
        table = self.table
        table.loading = False
        table.empty_text = f"Could not load the caseload: {clean(message.error)}"
        if not self.reports:
            self.apply_filters()
        self.update_status()

    def apply_filters(self, *, keep: str | None = None) -> None:
        """Recompute the visible rows from the sorted list, keeping the cursor's student."""
        keep = keep if keep is not None else self.selected_student_id
        query = Query.parse(self.query_text)
        flags = self.flag_filter
        rows = self._sorted
        if query:
            rows = filter_items(query, rows, self.search_key())
        self.hidden_by_flags = 0
        if flags:
            matched = len(rows)
            rows = [r for r in rows if any(f.code in flags for f in r.flags)]
            self.hidden_by_flags = matched - len(rows)
        self.view = rows
        cursor = 0
        if keep is not None:
            for index, report in enumerate(rows):
                if report.id == keep:
                    cursor = index
                    break
        table = self.table
        table.set_sort_indicator(None if self.sort_key == "triage" else self.sort_key,
                                 self.sort_reverse)
        count = len(rows)
        if not rows and self.reports:
            table.empty_text = "No students match"
            if self.hidden_by_flags:
                table.empty_text += (f" · {self.hidden_by_flags:,} hidden by the flag filter"
                                     " (f: change, Esc: clear)")
        if self.partial_total is not None and not (query or flags):
            count = max(count, self.partial_total)  # the rest is loading: "…" rows below
        table.set_rows(count, self.row_cells, cursor=cursor)
        self.update_status()

    def search_key(self) -> Callable[[CaseloadRow], Searchable]:
        """The rows' search keys: every student's names once the App has read them, else
        the shown name and ids (and the App is asked to read them)."""
        key = self._search_key
        if key is None:
            directory = self.session.directory
            if directory is None and not self._directory_asked:
                self._directory_asked = True
                self.post_message(messages.DirectoryWanted())
            users = {e.id: e.student for e in directory} if directory is not None else {}
            key = self._search_key = row_keys(users)
        return key

    def directory_changed(self) -> None:
        """The App read every student's names (or dropped them on a reload): rebuild the
        filter's keys."""
        self._search_key = None
        self._directory_asked = False
        if self.query_text.strip() and self.session.directory is not None:
            self.apply_filters()

    @property
    def selected_student_id(self) -> str | None:
        """The student under the cursor (the notes feature's ``n`` writes for this one)."""
        if not self.view:
            return None
        row = self.table.cursor_row
        return self.view[row].id if 0 <= row < len(self.view) else None

    def select_student(self, student_id: str) -> None:
        for index, report in enumerate(self.view):
            if report.id == student_id:
                self.table.cursor_row = index
                return

    def row_cells(self, index: int) -> list[Text]:
        styles = semantic_styles(self.app)
        if index >= len(self.view):  # below the first page of a caseload still loading
            return [Text("…", style=styles["muted"])] + [Text("") for _ in COLUMNS[1:]]
        report = self.view[index]
        risk = report.risk
        risk_style = styles["bad"] if risk >= 6 else styles["warn"] if risk >= 3 else ""
        rate = report.attendance_rate
        rate_style = styles["bad"] if rate is not None and rate < 90 else ""
        lowest = report.lowest_grade
        lowest_style = styles["bad"] if lowest is not None and lowest < 70 else ""
        below = known_below_70(report)  # None: no class has a grade (unknown, not 0)
        since = report.days_since_note
        unexcused, streak = report.unexcused_30d, report.absence_streak  # None: unknown
        return [
            Text(str(risk), style=risk_style),
            literal(report.name),
            literal(report.grade_level or DASH),
            Text(pct(rate), style=rate_style),
            Text(num(unexcused), style=styles["bad"] if unexcused and unexcused >= 3 else ""),
            Text(num(streak), style=styles["warn"] if streak else ""),
            Text(num(below), style=styles["bad"] if below else ""),
            Text(num(lowest), style=lowest_style),
            flag_labels(report, styles),
            Text("never", style=styles["muted"]) if since is None else Text(f"{since}d"),
        ]

    # -- actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.apply_filters()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.table.focus()

    def action_clear(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_focus:
            self.table.focus()
        elif filter_input.value:
            filter_input.value = ""  # Input.Changed re-applies the filter
        elif self.flag_filter:
            self.flag_filter = frozenset()
            self.apply_filters()

    def action_sort(self) -> None:
        """Highlight each column's letter and let the next key pick the column."""
        from caseload.tui.screens.sort_picker import SortPicker

        table = self.table
        table.set_key_hints(SORT_LETTERS)

        def done(key: str | None) -> None:
            table.set_key_hints(None)
            if key is not None:
                self.pick_sort(key)

        labels = {key: SORTS[key].label for key in SORT_LETTERS}
        self.app.push_screen(SortPicker(SORT_LETTERS, labels, self.sort_key), done)

    def pick_sort(self, key: str) -> None:
        """Sort by ``key``; the column already sorted by: the other way round."""
        if key == self.sort_key and key != "triage":
            self.set_sort(key, reverse=not self.sort_reverse)
        else:
            self.set_sort(key, reverse=False)

    def action_reverse(self) -> None:
        self.set_sort(self.sort_key, reverse=not self.sort_reverse)

    def set_sort(self, key: str, *, reverse: bool) -> None:
        if SORTS[key].figures and self.figures is None and not self.figures_loading:
            if self._figures_port() is None:
                self.app.notify("Sorting by change since the last intervention is not "
                                "available here.", severity="warning", markup=False)
                return
            if self.loaded_for is None or self.partial_total is not None:
                self.app.notify("The list is still loading.", severity="warning", markup=False)
                return
            self.request_figures()
        self.sort_key = key
        self.sort_reverse = reverse
        self.order_held = False  # sorted again: a held order ends
        self._order()
        self.apply_filters()

    def _order(self, shown: list[CaseloadRow] | None = None) -> None:
        """The rows in the chosen order; while ``order_held``, in the order of ``shown`` (the
        rows as they were), students not in it after them in the chosen order."""
        rows = sort_reports(self.reports, self.sort_key, self.sort_reverse, self.figures)
        self.order_held = self.order_held and bool(shown)  # (nothing shown yet: nothing held)
        if self.order_held and shown:
            place = {r.id: index for index, r in enumerate(shown)}
            rows.sort(key=lambda r: place.get(r.id, len(place)))
        self._sorted = rows

    # -- change since the last intervention (read on demand) ----------------------------------

    def _figures_port(self) -> InterventionChanges | None:
        port: InterventionChanges | None = getattr(self.app, "intervention_changes", None)
        return port  # handed to the App by the CLI (services.effects.intervention_changes)

    def request_figures(self) -> None:
        """Ask for the figures of every student of the loaded caseload (a thread worker)."""
        port = self._figures_port()
        if port is None or self.loaded_for is None:
            return
        self.figures_loading = True
        counselor_id, as_of = self.loaded_for
        assert isinstance(as_of, dt.date)
        student_ids = [r.id for r in self.reports]
        # a failure is the App's (notified) and comes back as LoadFailed "intervention-changes"
        self.data.run(self, "change since last intervention", "intervention-changes",
                      lambda: InterventionChangesLoaded(counselor_id, as_of,
                                                        dict(port(student_ids, as_of))),
                      exclusive=True)
        self.update_status()

    def on_intervention_changes_loaded(self, message: InterventionChangesLoaded) -> None:
        if (message.counselor_id, message.as_of) != self.loaded_for:
            return  # a stale answer: the caseload or the date changed meanwhile
        self.figures_loading = False
        self.figures = message.figures
        self.figures_for = self.loaded_for
        if SORTS[self.sort_key].figures and self.order_held:  # read again after a note
            self._order(self._sorted)
            self.apply_filters()
        elif SORTS[self.sort_key].figures:
            self.set_sort(self.sort_key, reverse=self.sort_reverse)
        else:
            self.update_status()

    def _figures_failed(self) -> None:
        """The figures could not be read (the App has said why): back to the triage order."""
        self.figures_loading = False
        if SORTS[self.sort_key].figures:
            self.set_sort("triage", reverse=False)
        else:
            self.update_status()

    @on(VirtualTable.RowHighlighted, "#students")
    def row_highlighted(self) -> None:
        if ((SORTS[self.sort_key].figures and self.figures is not None)
                or self.cut_name() != self._status_name):
            self.update_status()  # the highlighted student's figure, or whole name, shown

    def cut_name(self) -> str | None:
        """The highlighted student's name when the Name column shows it shortened (a long
        family name at 80 columns): the status line shows it whole. None otherwise."""
        row = self.table.cursor_row
        if not 0 <= row < len(self.view):
            return None
        name, width = self.view[row].name, self.table.column_width("name")
        if width is None:  # not laid out yet: asked again once it is
            self.call_after_refresh(self._status_after_layout)
        return name if width and cell_len(name) > width else None

    def _status_after_layout(self) -> None:
        if self.table.column_width("name") is not None and self.cut_name() != self._status_name:
            self.update_status()

    @on(VirtualTable.HeaderSelected)
    def header_selected(self, event: VirtualTable.HeaderSelected) -> None:
        self.pick_sort(event.column_key)

    def action_export_triage(self) -> None:
        """Export the rows as shown (this filter, this order) with flags and evidence."""
        from caseload.tui.screens.triage_export import TriageExportModal, TriageRequest

        if self.loaded_for is None or self.partial_total is not None:
            self.app.notify("The list is still loading.", severity="warning", markup=False)
            return
        if not self.view:
            self.app.notify("No students to export.", severity="warning", markup=False)
            return
        session = self.session
        scope = ("All students" if session.counselor_id is None
                 else f"Caseload of {clean(session.counselor_name)}")
        request = TriageRequest(
            [r.id for r in self.view], session.counselor_id, session.as_of,
            session.author_id or "unknown", scope, self.view_text())
        exporter = getattr(self.app, "export_triage", None)  # handed to the App by the CLI
        # (the dialog says where it wrote: TriageExportModal.on_triage_exported)
        self.app.push_screen(TriageExportModal(self.data, request, exporter))  # type: ignore[arg-type]

    def view_text(self) -> str:
        """How the shown list was made: filters and order (the export says it)."""
        parts = []
        if self.query_text:
            parts.append(f"filter {self.query_text!r}")
        if self.flag_filter:
            parts.append("flags " + " ".join(sorted(c.label for c in self.flag_filter)))
        order = " (reversed)" if self.sort_reverse else ""
        sort = f"sorted by {SORTS[self.sort_key].label}{order}"
        if self.order_held:  # (the rows as shown: not in that order since a note)
            sort = f"in the order shown before a note was written ({sort} until then)"
        parts.append(sort)
        return " · ".join(parts)

    def action_legend(self) -> None:
        from caseload.tui.screens.legend import LegendScreen

        self.app.push_screen(LegendScreen(self.session.thresholds))

    def action_flags(self) -> None:
        from caseload.tui.screens.modals import FlagFilterModal

        counts: Counter[FlagCode] = Counter()
        for report in self.reports:
            counts.update({f.code for f in report.flags})

        def done(result: frozenset[FlagCode] | None) -> None:
            if result is not None:
                self.flag_filter = result
                self.apply_filters()

        self.app.push_screen(FlagFilterModal(self.flag_filter, dict(counts)), done)

    def action_counselor(self) -> None:
        from caseload.tui.screens.modals import ALL_STUDENTS, CounselorPicker

        def done(result: str | None) -> None:
            if result is not None:
                self.post_message(messages.CounselorChosen(
                    None if result == ALL_STUDENTS else result))

        self.app.push_screen(CounselorPicker(self.session.counselors, self.session.counselor_id),
                             done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "counselor":
            return bool(self.session.counselors)
        return True

    def action_reload(self) -> None:
        self.post_message(messages.ReloadAll())

    def action_write_note(self) -> None:
        student_id = self.selected_student_id
        if student_id is None:
            self.app.notify("Select a student first.", severity="warning", markup=False)
            return
        report = next(r for r in self.view if r.id == student_id)
        self.post_message(messages.WriteNote(report.id, report.name))

    def action_follow_ups(self) -> None:
        self.post_message(messages.OpenFollowUps())

    def action_export_notes(self) -> None:
        self.post_message(messages.OpenExport())

    @on(VirtualTable.RowSelected, "#students")
    def open_student(self, event: VirtualTable.RowSelected) -> None:
        if 0 <= event.row < len(self.view):
            self.post_message(messages.OpenStudent(self.view[event.row].id))


def flag_labels(report: CaseloadRow, styles: dict[str, Any]) -> Text:
    """``FAIL3W LOW×2 UNX30``: short labels, coloured by severity, worst first."""  # noqa: RUF002
    worst: dict[FlagCode, Severity] = {}
    counts: Counter[FlagCode] = Counter()
    for flag in report.flags:
        counts[flag.code] += 1
        current = worst.get(flag.code)
        if current is None or _SEVERITY_RANK[flag.severity] < _SEVERITY_RANK[current]:
            worst[flag.code] = flag.severity
    text = Text(end="")
    order = sorted(worst, key=lambda code: _SEVERITY_RANK[worst[code]])
    for i, code in enumerate(order):
        if i:
            text.append(" ")
        label = code.label + (f"×{counts[code]}" if counts[code] > 1 else "")  # noqa: RUF001
        text.append(label, style=styles[worst[code].value])
    return text
