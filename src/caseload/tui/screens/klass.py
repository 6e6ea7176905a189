"""One student's view of one class: policy, category breakdown, weekly-grade chart with the 70%
line, assignments and the what-if. (``class`` is a keyword, hence ``klass``.)

This is the only module that loads plotext (through ``widgets.grade_chart``); the App imports it
lazily when the first class opens (and warms it up in a thread after the first paint).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region, Spacing
from textual.widgets import DataTable, Static

from caseload.domain.flags import stale_text
from caseload.domain.grading import format_percent
from caseload.domain.report import AssignmentStatus, AssignmentView, CategoryBreakdown, ClassDetail
from caseload.tui import messages
from caseload.tui.format import DASH, exact, last_score_text, pct, points
from caseload.tui.keys import reload_key
from caseload.tui.ports import DataRequests
from caseload.tui.safe import clean, literal
from caseload.tui.screens.detail import DetailScreen
from caseload.tui.styles import semantic_styles
from caseload.tui.widgets.grade_chart import GradeChart, note_markers
from caseload.tui.widgets.key_table import KeyTable, column_widths, last_column_room, wrapped

_STATUS_STYLE = {
    AssignmentStatus.MISSING: "bad",
    AssignmentStatus.LATE: "warn",
    AssignmentStatus.EXEMPT: "info",
    AssignmentStatus.EXCUSED: "info",
    AssignmentStatus.DROPPED: "muted",
    AssignmentStatus.PENDING: "info",
    AssignmentStatus.NOT_DUE: "muted",
}
CATEGORY_COLUMNS = (("Category", "category"), ("Weight", "weight"), ("Grade", "grade"),
                    ("Points", "points"), ("Counted", "counted"), ("Dropped", "dropped"))
# A short narrow screen puts the categories beside the chart when that leaves the chart
# CHART_MIN_WIDTH columns (narrower, plotext drops its title "Weekly grade (%)"); around the
# two: the body's padding and scroll bar and the categories' left padding (klass.tcss).
CHART_MIN_WIDTH = 18
BESIDE_FRAME = 2 + 2 + 2
WIDE = 110  # a screen this wide puts the categories beside the chart (HORIZONTAL_BREAKPOINTS)
POINTS = 3  # the categories' points column


def what_if_text(detail: ClassDetail, styles: dict[str, Style]) -> Text:
    """``Turning in Quiz 2 and Lab 4 would lift the grade to 70%`` and friends."""
    what_if = detail.what_if
    titles = {a.line_item_id: a.title for a in detail.assignments}
    missing = sum(1 for a in detail.assignments if AssignmentStatus.MISSING in a.status)
    text = Text("What if: ", style="bold", end="")
    if what_if.grade_now is None:
        text.append("no grade yet.", style=styles["muted"])
        return text
    if what_if.fewest_to_70 is None:
        text.append("even with every missing assignment turned in, the grade stays below 70%",
                    style=styles["bad"])
        if what_if.grade_if_all_missing_in is not None:
            text.append(f" (at most {pct(what_if.grade_if_all_missing_in)})")
        text.append(".")
        return text
    if not what_if.fewest_to_70:
        text.append(f"already at {pct(what_if.grade_now)}, 70% or above.", style=styles["good"])
        if missing and what_if.grade_if_all_missing_in is not None:
            all_in = pct(what_if.grade_if_all_missing_in)
            which = ("the missing assignment" if missing == 1 else "both missing" if missing == 2
                     else f"all {missing} missing")
            text.append(f" Turning in {which}: {all_in}.")
        return text
    count = len(what_if.fewest_to_70)
    text.append(f"turning in {count} missing assignment{'s' if count != 1 else ''} lifts "
                f"{pct(what_if.grade_now)} to 70% or more: ")
    for i, item in enumerate(what_if.fewest_to_70):
        if i:
            text.append(", ")
        text.append_text(literal(titles.get(item, item), style=styles["warn"]))
    text.append(".")
    if what_if.grade_if_all_missing_in is not None and missing > count:
        every = "Both" if missing == 2 else f"All {missing}"
        text.append(f" {every} missing in: {pct(what_if.grade_if_all_missing_in)}.")
    return text


class ClassScreen(DetailScreen[ClassDetail]):
    CSS_PATH = "klass.tcss"
    KIND = "class"
    LOAD_GROUP = "class"
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"), (WIDE, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # up to 31 rows: a shorter chart, so the assignments show
        (0, "-short"), (32, "-tall"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        reload_key("class.reload", "Read this class again from the cache"),
        Binding("m", "missing_only", "Missing", id="class.missing",
                tooltip="Show only missing assignments, or every assignment again"),
        Binding("s", "sort", "Sort", id="class.sort",
                tooltip="Sort the assignments by due date, then by score (lowest first)"),
        Binding("n", "write_note", "Note", id="class.note",
                tooltip="Write a note about this student in this class"),
    ]

    def __init__(
        self, student_id: str, class_id: str, *, data: DataRequests, student_name: str = "",
        detail: ClassDetail | None = None, as_of: dt.date | None = None,
        notes: list[tuple[dt.date, str]] | None = None,
    ) -> None:
        super().__init__(data, detail=detail, as_of=as_of)
        self.notes = notes or []  # the student's (contact date, note type): chart markers
        self.student_id = student_id
        self.class_id = class_id
        self.student_name = student_name
        self._cursor_moved = False
        self._categories_width = 0  # columns, of the categories table (categories_table)
        self.missing_only = False
        self.sort_by = "due"  # or "score"
        # the assignments' comment: wrapped in its column this wide, or below each title in
        # a title column this wide (``comment_layout``); both None: as it is
        self._comment_room: int | None = None
        self._title_room: int | None = None
        self._score_room: int | None = None  # the scores wrap in a column this wide

    def loading_titles(self) -> tuple[str, str]:
        return clean(self.student_name) or self.student_id, self.class_id

    def set_titles(self, detail: ClassDetail) -> None:
        self.title = f"{clean(self.student_name) or self.student_id}: {clean(detail.title)}"
        self.sub_title = self.as_of_text()

    def reload(self) -> None:
        self.data.request_class(self, self.student_id, self.class_id)

    def on_class_loaded(self, message: messages.ClassLoaded) -> None:
        if (message.student_id, message.class_id) == (self.student_id, self.class_id):
            self.show(message.detail, message.as_of)

    def error_text(self, message: messages.LoadFailed) -> str:
        return (
            f"No class {self.class_id} for student {self.student_id}" if message.not_found
            else f"Could not load this class: {message.error}"
        )

    def focus_content(self) -> None:
        for table in self.query("#assignments").results(KeyTable):
            table.focus(scroll_visible=False)

    # -- composition ---------------------------------------------------------------------------

    def compose_detail(self, detail: ClassDetail) -> ComposeResult:
        styles = semantic_styles(self.app)
        with VerticalScroll(id="class-body"):
            info = literal(detail.title, style="bold")
            if detail.period:
                info.append(f"   period {clean(detail.period)}")
            info.append("   teacher ")
            info.append_text(literal(detail.teacher or DASH))
            info.append("   grade ")
            grade = detail.grade
            info.append(pct(grade), style=styles["bad"] if grade is not None and grade < 70
                        else "bold")
            info.append("   last score ")
            info.append(last_score_text(detail.last_score_date))
            yield Static(info, id="class-info")
            if detail.stale and detail.stale_since is not None and self.as_of is not None:
                stale = Text("STALE", style=styles["warn"], end="")
                stale.append(f": this class has {stale_text(detail.stale_since, self.as_of)}")
                yield Static(stale, id="class-stale")
            policy = Text("Policy: ", style="bold", end="")
            policy.append_text(literal(detail.policy_text))
            yield Static(policy, id="class-policy")
            yield Static(what_if_text(detail, styles), id="class-what-if")
            with Horizontal(id="class-middle"):
                if detail.weekly:
                    yield GradeChart(detail.weekly, title="Weekly grade (%)", id="chart",
                                     markers=note_markers([
                                         (day, kind) for day, kind in self.notes
                                         if self.as_of is None or day <= self.as_of]))
                else:
                    yield Static(Text("No complete weeks of grades yet"), id="no-chart",
                                 classes="empty")
                with Vertical(id="categories-box"):
                    yield Static(Text("By category", style="bold"))
                    yield self.categories_table()
            self.place_categories(self.app.size.width)  # these categories: beside the chart?
            yield Static(self.assignments_title(detail), id="assignments-title")
            yield self.fitted(KeyTable(id="assignments"))

    def categories_table(self) -> KeyTable:
        table = KeyTable(id="categories")
        table.cursor_type = "none"
        table.can_focus = False
        return self.fitted(table)

    def fill_categories(self, table: KeyTable, width: int) -> None:
        """The categories: share, grade and points of each. Their points, sums of scores as
        the data gave them, are never rounded nor cut: wider than the room the screen leaves
        the table (beside the chart on a wide screen, the body's width on a narrow one: the
        layouts of klass.tcss), they wrap in their column (``fold_room``)."""
        detail: ClassDetail = self.detail
        table.clear(columns=True)
        labels = [label for label, _ in CATEGORY_COLUMNS]
        rows = [category_cells(category) for category in detail.categories]
        room = width - BESIDE_FRAME - CHART_MIN_WIDTH if width >= WIDE else width - 4
        fold = fold_room(room, labels, rows, POINTS)
        for label, key in CATEGORY_COLUMNS:
            table.add_column(label, key=key, width=fold if key == "points" else None)
        for category, row in zip(detail.categories, rows, strict=True):
            if fold is not None:  # (spaced: a line ends after the "/", not in a number)
                row[POINTS] = wrapped(points_cell(category, " / "))
            table.add_row(*row, height=None if fold is not None else 1)
        # the width the table takes once it has measured its columns (when idle, after the
        # layout): each column's widest label or cell, with the cell padding on both sides
        widths = column_widths(labels, rows)
        if fold is not None:
            widths[POINTS] = fold
        self._categories_width = sum(w + 2 * table.cell_padding for w in widths)

    def fit_width(self, width: int) -> None:
        super().fit_width(width)
        self.place_categories(width)

    def place_categories(self, width: int) -> None:
        """``-beside`` when the categories table fits beside a chart of ``CHART_MIN_WIDTH``
        columns on a screen ``width`` wide: a short screen puts it there (klass.tcss)."""
        room = width - BESIDE_FRAME - self._categories_width
        self.set_class(room >= CHART_MIN_WIDTH, "-beside")

    def fill_table(self, table: KeyTable, width: int) -> None:
        if table.id == "categories":
            self.fill_categories(table, width)
        else:
            self.fill_assignments_table(table, width)

    def fill_assignments_table(self, table: KeyTable, width: int) -> None:
        """The assignments: due, category, title, score, percent, status and the teacher's
        comment. A comment is never cut at the terminal's edge: longer than the room the other
        columns leave, it wraps in its column; with under ``WRAP_MIN`` cells left (80
        columns), it goes below the assignment's title, in the title's column
        (``comment_layout``); a score too long for the room left wraps in its column.
        Filled again when the terminal's width changes."""
        detail: ClassDetail = self.detail
        styles = semantic_styles(self.app)
        table.clear(columns=True)
        cells = [assignment_cells(a, styles) for a in detail.assignments]
        # the table is the body less its padding (2) and the body's scroll bar (2); and the
        # table scrolls itself too (more rows than the body is high: its max-height is the
        # body's), so last_column_room keeps the room of the table's own scroll bar (2)
        self._comment_room, self._title_room, self._score_room = comment_layout(
            width - 4, [label for label, _ in ASSIGNMENT_COLUMNS], cells)
        for label, key in ASSIGNMENT_COLUMNS:
            if key == "comment" and self._title_room is not None:
                continue  # (below each title)
            table.add_column(label, key=key, width=(
                self._comment_room if key == "comment" else
                self._title_room if key == "title" else
                self._score_room if key == "score" else None))
        self.fill_assignments(table, detail, styles)

    def shown_assignments(self, detail: ClassDetail) -> list[AssignmentView]:
        """The assignments as the filter (``m``) and the sort (``s``) show them."""
        rows = [a for a in detail.assignments
                if not self.missing_only or AssignmentStatus.MISSING in a.status]
        if self.sort_by == "score":  # lowest first; no percent last, then due order
            rows.sort(key=lambda a: (a.percent is None, a.percent or 0.0))
        return rows

    def fill_assignments(
        self, table: KeyTable, detail: ClassDetail, styles: dict[str, Style]
    ) -> None:
        table.clear()
        wrap = self._comment_room is not None or self._title_room is not None
        for assignment in self.shown_assignments(detail):
            cells = assignment_cells(assignment, styles)
            if self._score_room is not None:
                cells[SCORE] = wrapped(cells[SCORE])
            comment = cells.pop()
            if self._title_room is not None:
                if comment:  # the comment below the title, as the Notes tab shows a note's
                    cells[2].append("\n")
                    cells[2].append_text(comment.copy())
                    cells[2].stylize(styles["muted"], len(cells[2]) - len(comment))
                cells[2] = wrapped(cells[2])
            else:
                cells.append(wrapped(comment) if self._comment_room is not None else comment)
            table.add_row(*cells, key=assignment.line_item_id, height=None if wrap else 1)

    def _refill(self, note: str) -> None:
        if self.detail is None:
            return
        for table in self.query("#assignments").results(KeyTable):
            self.fill_assignments(table, self.detail, semantic_styles(self.app))
        for title in self.query("#assignments-title").results(Static):
            title.update(self.assignments_title(self.detail))
        self.notify(note, timeout=2)

    def assignments_title(self, detail: ClassDetail) -> Text:
        shown = len(self.shown_assignments(detail))
        text = f"Assignments ({len(detail.assignments)})"
        if self.missing_only:
            text = f"Missing assignments ({shown} of {len(detail.assignments)}"
            # the student screen's Missing counts what the teacher marked: say the difference
            unrecorded = sum(1 for a in self.shown_assignments(detail) if a.unrecorded)
            if unrecorded:
                text += f"; {unrecorded} past due with nothing entered yet"
            text += ")"
        by = "due date" if self.sort_by == "due" else "score, lowest first"
        return Text(f"{text} · by {by}", style="bold")

    def action_missing_only(self) -> None:
        self.missing_only = not self.missing_only
        self._refill("Only missing assignments" if self.missing_only else "Every assignment")

    def action_write_note(self) -> None:
        """A note about this student in this class; not when the class could not be shown
        (not one of the student's: a note naming it would be refused when saved)."""
        if self.error is not None:
            self.notify("This class could not be shown, so no note can name it: read it again "
                        "(r), or write the note from the student's screen (Escape, then n).",
                        title="Notes", severity="warning", markup=False)
            return
        title = self.detail.title if self.detail is not None else ""
        self.post_message(messages.WriteNote(self.student_id, self.student_name,
                                             class_id=self.class_id, class_title=title))

    def action_sort(self) -> None:
        self.sort_by = "score" if self.sort_by == "due" else "due"
        self._refill("Sorted by " + ("score" if self.sort_by == "score" else "due date"))

    @on(DataTable.RowHighlighted, "#assignments")
    def follow_cursor(self, event: DataTable.RowHighlighted) -> None:
        """Keep the assignments cursor on screen: the table grows, the body scrolls (back to
        the first assignment: as far up as keeps it on screen, the header lines and chart
        above it in view again where they fit)."""
        table = event.data_table
        if not self._cursor_moved and event.cursor_row == 0:
            self._cursor_moved = True  # the table's first highlight, not a key: stay at the top
            return
        body = self.query_one("#class-body", VerticalScroll)
        if event.cursor_row == 0:  # back at the first (g, Home): what is above it too
            body.scroll_home(animate=False)
        y = table.virtual_region.y + table.header_height + event.cursor_row
        body.scroll_to_region(Region(0, y, 1, 1), animate=False, spacing=Spacing(1, 0, 1, 0))


ASSIGNMENT_COLUMNS = (("Due", "due"), ("Category", "category"), ("Title", "title"),
                      ("Score", "score"), ("%", "percent"), ("Status", "status"),
                      ("Comment", "comment"))
SCORE = 3  # the assignments' score column
TITLE_MIN = 12  # the narrowest a title with its comment below it gets (narrower: cut)
SCORE_MIN = 6  # the narrowest a score or points column that wraps gets ("Points" fits)


def comment_layout(
    width: int, labels: list[str], cells: list[list[Text]]
) -> tuple[int | None, int | None, int | None]:
    """(comment column width, title column width, score column width) for an assignments
    table ``width`` cells wide: (None, None, None) when every comment fits in its column as it
    is; (room, None, None) when the comments wrap in ``room`` cells (``last_column_room``);
    (None, room, None) when under ``WRAP_MIN`` cells would be left them, so each goes below
    its title, in a title column ``room`` cells wide (what the other columns leave it). When
    that would leave the title under ``TITLE_MIN`` cells because a score from the data is
    long (``8.123456789 / 10.5``, shown as given: never rounded, never cut), the scores wrap
    in the third width, the title gets ``TITLE_MIN``. (None, None, None) too when the scores
    cannot give that room (columns of text too wide: cut, reached by scrolling)."""
    room = last_column_room(width, labels, cells)
    if room is not None:
        return room, None, None
    widths = column_widths(labels, cells)
    if widths[-1] <= width - 2 - 2 * len(labels) - sum(widths[:-1]):
        return None, None, None  # (every comment fits)
    title = width - 2 - 2 * (len(labels) - 1) - sum(widths[:2]) - sum(widths[3:-1])
    # no wider than its longest title or comment needs
    needed = max([widths[2]] + [row[-1].cell_len for row in cells])
    if title >= min(TITLE_MIN, needed):
        return None, min(title, needed), None
    score = widths[3] - (min(TITLE_MIN, needed) - title)
    if score < SCORE_MIN:
        return None, None, None
    return None, min(TITLE_MIN, needed), score


def fold_room(width: int, labels: list[str], rows: list[list[Text]], column: int) -> int | None:
    """The width of column ``column`` when its cells must wrap for a table ``width`` cells wide
    (no scroll bar) to fit: what the other columns, each as wide as its label or widest cell
    and padded one cell either side, leave. None when the table fits as it is, or when that
    is under ``SCORE_MIN`` (then cut)."""
    widths = column_widths(labels, rows)
    room = width - 2 * len(labels) - sum(w for i, w in enumerate(widths) if i != column)
    return room if widths[column] > room >= SCORE_MIN else None


def category_cells(category: CategoryBreakdown) -> list[Text]:
    """A category's row: its share of the grade and its grade (computed: one decimal, half
    up, the share as the policy line writes it) and its points, the sums of its scores and
    maximums, exact (never rounded: 8.25 and 0.125 are 8.375)."""
    return [
        literal(category.title),
        Text(DASH if category.weight is None else format_percent(category.weight),
             justify="right"),
        Text(pct(category.percent), justify="right"),
        points_cell(category),
        Text(str(category.counted), justify="right"),
        Text(str(category.dropped), justify="right"),
    ]


def points_cell(category: CategoryBreakdown, slash: str = "/") -> Text:
    return Text(f"{points(category.earned)}{slash}{points(category.possible)}", justify="right")


def assignment_cells(assignment: AssignmentView, styles: dict[str, Style]) -> list[Text]:
    """An assignment's row. The score and its maximum are shown as the source gave them
    (``8.25 / 10``, ``0.125 / 1``: never rounded); the percent is computed (whole, half up)."""
    if assignment.score is None and assignment.max_points is None:
        score = DASH
    else:
        score = f"{exact(assignment.score)} / {exact(assignment.max_points)}"
    percent = assignment.percent
    status = Text(end="")
    for i, item in enumerate(s for s in assignment.status if s.value):
        if i:
            status.append(", ")
        status.append(item.value, style=styles[_STATUS_STYLE.get(item, "muted")])
    return [
        Text(assignment.due_date.isoformat() if assignment.due_date else DASH),
        literal(assignment.category or DASH),
        literal(assignment.title),
        Text(score, justify="right"),
        Text(pct(percent, 0), justify="right",
             style=styles["bad"] if percent is not None and percent < 70 else ""),
        status,
        literal(assignment.comment or ""),
    ]
