"""One student: who they are, every flag with its message, and tabs for classes, attendance,
behavior, notes and guardians. Enter on a class opens the class screen; ``n`` (or Enter) on a
guardian starts a contact note with that guardian filled in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.lazy import Lazy
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from caseload.domain.report import (
    AttendanceSummary,
    ClassMetrics,
    StudentDetail,
    risk_points,
)
from caseload.domain.schooldays import WeekdaysOnly
from caseload.tui import messages
from caseload.tui.format import (
    DASH,
    NO_GRADEBOOK,
    attendance_note,
    last_score_text,
    month_day,
    pct,
    plural,
    school_days_note,
    sparkline,
)
from caseload.tui.guardian_contact import note_prefill
from caseload.tui.keys import export_key, note_key, reload_key
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.ports import DataRequests
from caseload.tui.safe import clean, literal
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.detail import DetailScreen
from caseload.tui.session import NoteDay
from caseload.tui.styles import semantic_styles
from caseload.tui.widgets.calendar import AttendanceCalendar
from caseload.tui.widgets.key_table import (
    WRAP_MIN,
    KeyTable,
    OpenableTable,
    column_widths,
    last_column_room,
    wrapped,
)
from caseload.tui.widgets.notes import NotesPane, first_line
from caseload.tui.widgets.overflow_scroll import OverflowScroll

NARROW = 100  # terminal columns below which the classes table uses its compact form


NAME_MIN = 16  # the narrowest a wrapped guardian's name gets (its column under NARROW)


def guardian_widths(
    width: int, labels: list[str], rows: list[list[Text]]
) -> tuple[int | None, ...]:
    """The Guardians table's column widths (None: as wide as its widest cell) in a table
    ``width`` wide (its scroll bar included): the email wraps in what the other columns leave
    it (``last_column_room``); when a long name would leave it under ``WRAP_MIN`` cells (cut
    at the terminal's edge), the name wraps too, in what leaves the email ``WRAP_MIN`` (or
    its whole address), down to ``NAME_MIN`` (narrower: as they are, reached by scrolling)."""
    room = last_column_room(width, labels, rows)
    if room is not None:
        return (None, None, None, room)
    need = column_widths(labels, rows)
    left = width - 2 - 2 * len(labels) - need[1] - need[2]  # for the name and the email
    if need[0] + need[3] <= left:
        return (None, None, None, None)  # every cell fits
    email = min(need[3], max(WRAP_MIN, left - need[0]))
    name = left - email
    if name < NAME_MIN:
        return (None, None, None, None)
    return (name, None, None, email if email < need[3] else None)


def _one_line(text: Text) -> Text:
    """Cut to the column with an ellipsis rather than wrapping."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def report_day(day: dt.date | None) -> str:
    """The as-of date in the screen's words ("the as-of date" before it is known)."""
    return day.isoformat() if day is not None else "the as-of date"


def narrow_widths(
    width: int, labels: Sequence[str], rows: Sequence[Sequence[Text]]
) -> tuple[int | None, ...]:
    """The classes table's column widths in ``width`` cells (an 80-column screen): the
    figures (grade, trend, missing, last score) as wide as they are; the period, class and
    teacher share the rest, each no wider than it needs (the period at most 8: Ed-Fi's
    "02 - Traditional" pushed the last score off the screen), the class title first, cut
    with an ellipsis where they must be."""
    need = column_widths(labels, rows)
    room = width - 2 * len(labels) - sum(need[3:])
    period = min(need[0], 8)
    teacher = min(need[2], 17)
    title = room - period - teacher
    if title < 15:  # the teacher gives way first, down to 10 cells
        teacher = max(min(need[2], 10), teacher - (15 - title))
        title = room - period - teacher
    return (period, max(title, 5), teacher, None, None, None, None)


# the 1-5 keys, in order
TABS = ("tab-classes", "tab-attendance", "tab-behavior", "tab-notes", "tab-guardians")


class FlagsBox(OverflowScroll):
    """The student's flags and the "= risk" line, at most six lines high. When they are more,
    a scrollbar shows and the box joins the tab order (tab reaches it; the arrows, page
    up/down, home and end scroll it), so every flag and the risk's "why" can be read."""


class GuardiansTable(KeyTable):
    """The Guardians tab's table: Enter writes a contact note with the guardian under the
    cursor filled in (``StudentScreen.guardian_note``), said in the Footer and by ``?``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Contact note", id="guardians.note",
                tooltip="Write a parent/guardian contact note with the guardian under the "
                "cursor filled in (method phone, else email)"),
    ]


class StudentScreen(DetailScreen[StudentDetail]):
    CSS_PATH = "student.tcss"
    KIND = "student"
    LOAD_GROUP = "student"

    BINDINGS: ClassVar[list[BindingType]] = [
        # 1-5: the tabs, in TABS order ("tab-classes": "Classes", id student.tab_classes...)
        *(
            Binding(str(n), f"tab('{tab}')", title, show=False,
                    id=f"student.{tab.replace('-', '_')}", tooltip=f"Show the {title} tab")
            for n, tab in enumerate(TABS, 1)
            for title in [tab.removeprefix("tab-").capitalize()]
        ),
        reload_key("student.reload", "Read this student again from the cache"),
        note_key("student.note", "Write a note about this student (on the Guardians tab: a "
                 "contact note with the guardian under the cursor filled in)"),
        export_key("student.export", "Export this student's (or the caseload's) notes"),
    ]

    def __init__(
        self, student_id: str, *, data: DataRequests, notes: NotesCalls | None = None,
        detail: StudentDetail | None = None, as_of: dt.date | None = None,
        tab: str = "tab-classes",
    ) -> None:
        super().__init__(data, detail=detail, as_of=as_of)
        self.student_id = student_id
        self.notes = notes
        self.initial_tab = tab
        self.effect_text = ""  # the latest intervention's effect on attendance, once known
        self.note_marks: list[tuple[dt.date, str]] = []
        self.calendar: AttendanceCalendar | None = None

    def loading_titles(self) -> tuple[str, str]:
        return "Student", self.student_id

    def set_titles(self, detail: StudentDetail) -> None:
        self.title = clean(detail.report.name)
        self.sub_title = self.as_of_text()
        if self.notes is not None:  # for the line "since the 11/3 parent call: 78% to 92%"
            self.notes.load_notes(self, self.student_id)

    def calendar_marks(self) -> tuple[tuple[dt.date, str], ...]:
        """The intervention notes on or before the as-of date, as calendar markers."""
        from caseload.domain.effects import note_markers

        as_of = self.as_of
        return tuple(note_markers([m for m in self.note_marks if as_of is None or m[0] <= as_of]))

    def notes_changed(self) -> None:
        """A note about this student was saved, edited, marked done or deleted: its notes are
        read again (the notes worker; ``on_notes_loaded``), so the effect line and the
        calendar's markers follow the latest intervention, as the Notes tab does."""
        if self.notes is not None and self.detail is not None:
            self.notes.load_notes(self, self.student_id)

    def on_notes_loaded(self, message: messages.NotesLoaded) -> None:
        """The latest intervention's effect on attendance (issue 14 §3), under the flags."""
        from caseload.domain.effects import latest_effect

        detail = self.detail
        if message.student_id != self.student_id or detail is None or self.as_of is None:
            return
        # (date, type) of the live notes, for the class screen's chart markers
        self.note_marks = [(n.contact_date, n.type.value) for n in message.notes if not n.deleted]
        if self.calendar is not None:  # mounted, or still waiting in its Lazy tab
            self.calendar.set_markers(self.calendar_marks())
        att = detail.attendance
        effect = latest_effect(message.notes, att.days, self.as_of, year_from=att.year_from)
        self._show_effect(effect.text() if effect is not None else "")

    def _show_effect(self, text: str) -> None:
        self.effect_text = text
        for line in self.query("#student-effect").results(Static):
            line.update(Text(clean(text)))  # an error's words are shown literally
            line.display = bool(text)

    def other_load_failed(self, message: messages.LoadFailed) -> None:
        """The notes could not be read (for the intervention's effect): said on the effect
        line; the student is shown as before (the Notes tab says so too)."""
        if message.group == "notes":
            self._show_effect(f"Notes could not be read: {message.error}")

    def before_redraw(self) -> None:
        self.initial_tab = self.active_tab

    def reload(self) -> None:
        self.data.request_student(self, self.student_id)

    def on_student_loaded(self, message: messages.StudentLoaded) -> None:
        if message.student_id == self.student_id:
            self.show(message.detail, message.as_of)

    def error_text(self, message: messages.LoadFailed) -> str:
        return (
            f"No student with id {self.student_id}" if message.not_found
            else f"Could not load this student: {message.error}"
        )

    @property
    def active_tab(self) -> str:
        try:
            return self.query_one(TabbedContent).active or self.initial_tab
        except Exception:
            return self.initial_tab

    # -- composition ---------------------------------------------------------------------------

    def compose_detail(self, detail: StudentDetail) -> ComposeResult:
        report = detail.report
        styles = semantic_styles(self.app)
        with Vertical(id="student-top"):
            name = literal(report.name, style="bold")
            if detail.legal_name:  # the shown name is a preferred one
                name.append(f" (legal name: {clean(detail.legal_name)})", style=styles["muted"])
            name.append(f"   grade {clean(report.grade_level or DASH)}")
            name.append(f"   risk {report.risk}",
                        style=styles["bad"] if report.risk >= 6 else styles["muted"])
            yield Static(name, id="student-name")
            ids = Text(f"id {clean(report.id)}", end="")
            if detail.local_id:
                ids.append(f" · local {clean(detail.local_id)}")
            if detail.state_id:
                ids.append(f" · state {clean(detail.state_id)}")
            if detail.school:
                ids.append(f" · {clean(detail.school)}")
            counselors = ", ".join(clean(c) for c in detail.counselors) or "none"
            ids.append(f" · counselor {counselors}")
            if note := attendance_note(detail.attendance.known, detail.attendance.through,
                                       self.as_of):
                ids.append(f" · {note}", style=styles["warn"])
            yield Static(ids, id="student-ids")
            with FlagsBox(id="student-flags-box"):
                yield Static(self.flags_text(detail), id="student-flags")
            effect = self.effect_text
            effect_line = Static(Text(clean(effect)), id="student-effect")
            effect_line.display = bool(effect)
            yield effect_line
        with TabbedContent(initial=self.initial_tab, id="student-tabs"):
            classes = report.metrics.classes
            label = self.tab_label
            with TabPane(label("tab-classes", f"Classes ({len(classes)})"), id="tab-classes"):
                yield (
                    self.fitted(OpenableTable(id="classes")) if classes
                    # (a header over no rows read as "takes no classes": audit s20, Grand
                    # Bend, an export with no enrollments)
                    else Static(Text(f"No classes in session on {report_day(self.as_of)} in the "
                                     "loaded data (no enrollment or score places this "
                                     "student in one)"), id="no-classes", classes="empty")
                )
            with TabPane(label("tab-attendance", "Attendance"), id="tab-attendance"):
                # no attendance loaded: the sentence alone (a calendar header and legend over
                # no month read as a drawing gone wrong)
                self.calendar = (AttendanceCalendar(detail.attendance, id="calendar",
                                                    markers=self.calendar_marks())
                                 if detail.attendance.known else None)
                attendance = VerticalScroll(
                    *([self.calendar] if self.calendar is not None else []),
                    Static(self.attendance_text(detail.attendance, detail.weekdays_only),
                           id="attendance-summary"),
                    id="attendance",
                )
                # panes not shown first mount after the first paint
                yield attendance if self.initial_tab == "tab-attendance" else Lazy(attendance)
            with TabPane(label("tab-behavior", f"Behavior ({len(detail.incidents)})"),
                         id="tab-behavior"):
                behavior: Widget = (
                    self.fitted(KeyTable(id="incidents")) if detail.incidents
                    else Static(Text("No incidents recorded"), id="no-incidents", classes="empty")
                )
                yield behavior if self.initial_tab == "tab-behavior" else Lazy(behavior)
            with TabPane(label("tab-notes", "Notes"), id="tab-notes"):
                notes = NotesPane(report.id, self.notes, name=report.name, flags=report.flags,
                                  id="notes-pane")
                yield notes if self.initial_tab == "tab-notes" else Lazy(notes)
            with TabPane(label("tab-guardians", f"Guardians ({len(detail.guardians)})"),
                         id="tab-guardians"):
                guardians: Widget = (
                    self.fitted(GuardiansTable(id="guardians")) if detail.guardians
                    else Static(Text("No guardians loaded for this student (none in the "
                                     "cache; contacts are not known)"),
                                id="no-guardians", classes="empty")
                )
                yield guardians if self.initial_tab == "tab-guardians" else Lazy(guardians)

    def tab_label(self, tab: str, text: str) -> str:
        """``text`` after the key that shows the tab ("1 Classes (6)"), so the 1-5 keys are
        seen where they work: the config's ``[keymap]`` key when it rebinds the tab's."""
        n = TABS.index(tab) + 1
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        key = keymap.get(f"student.{tab.replace('-', '_')}", str(n)).split(",")[0].strip()
        return f"{self.app.get_key_display(Binding(key, ''))} {text}"

    def flags_text(self, detail: StudentDetail) -> Text:
        styles = semantic_styles(self.app)
        flags = detail.report.flags
        if not flags:
            return Text("No flags", style=styles["good"])
        text = Text(end="")
        # the "why" of Risk: the points each flag adds (never a severity word, which could be
        # read as a flag code: "MED LOW"); a repeated once-per-student flag adds +0
        for i, (flag, points) in enumerate(risk_points(flags)):
            if i:
                text.append("\n")
            style = styles[flag.severity.value]
            text.append(f"+{points}", style=style)
            text.append(f" {flag.code.label:<8}", style=style)
            text.append_text(literal(flag.message))
        text.append(f"\n= risk {detail.report.risk} (high +3, medium +2, low +1; STALE once)",
                    style=styles["muted"])
        return text

    def attendance_text(
        self, summary: AttendanceSummary, weekdays: WeekdaysOnly | None = None
    ) -> Text:
        styles = semantic_styles(self.app)
        text = Text(end="")
        if weekdays is not None:  # holidays and breaks count as school days
            text.append(f"{school_days_note(weekdays)}\n", style=styles["muted"])
        if not summary.known:
            text.append("No attendance data", style="bold")
            text.append(": none was loaded for this student's school, so attendance is "
                        "unknown (not 100%) and no attendance flag can fire.")
            return text
        if summary.through is not None:
            note = attendance_note(True, summary.through, self.as_of)
            text.append(note.capitalize(), style="bold")
            text.append(": the last day recorded for this school; later days are not "
                        "counted.\n")
        if summary.enrolled_until is not None:
            text.append(f"Enrolled until {month_day(summary.enrolled_until)}", style="bold")
            text.append(": every enrollment of this student ended then; later days are not "
                        "counted.\n")
        rate = summary.attendance_rate
        text.append("Attendance rate ")
        text.append(pct(rate), style=styles["bad"] if rate is not None and rate < 90 else "bold")
        if rate is None:  # no enrolled school day counted (before the first one): unknown
            text.append(f" · current absence streak {DASH} · longest {DASH}")
            text.append(" (no enrolled school day counted)\n", style=styles["muted"])
        else:
            text.append(" · current absence streak ")
            text.append(plural(summary.current_streak or 0, "day"),
                        style=styles["warn"] if summary.current_streak else "")
            text.append(f" · longest {plural(summary.longest_streak or 0, 'day')}\n")
        if summary.truancy:
            text.append("Truancy limits\n", style="bold")
        for label, limit, used, left in summary.truancy:
            style = styles["bad"] if left <= 0 else styles["warn"] if left <= 2 else styles["good"]
            text.append("  ")
            text.append_text(literal(label))
            if used > limit:  # TRUANCY: more than the limit (9 of a limit of 8 passes it)
                text.append(f": {used} unexcused, ")
                text.append(f"past the limit of {limit}", style=style)
            else:
                text.append(f": {used} of {limit} used, ")
                text.append("limit reached" if left <= 0 else f"{plural(left, 'day')} left",
                            style=style)
            text.append("\n")
        text.rstrip()
        return text

    def fit_width(self, width: int) -> None:
        super().fit_width(width)
        for pane in self.query(NotesPane):  # (its table is filled when its notes arrive)
            pane.fit_width(width)

    def fill_table(self, table: KeyTable, width: int) -> None:
        """The classes, incidents or guardians table (by its id), filled for a terminal
        ``width`` wide: their columns' widths depend on it (again when it changes)."""
        fill = {"classes": self.fill_classes, "incidents": self.fill_incidents,
                "guardians": self.fill_guardians}[table.id or ""]
        table.clear(columns=True)
        fill(table, self.detail, width)

    def fill_classes(self, table: KeyTable, detail: StudentDetail, width: int) -> None:
        styles = semantic_styles(self.app)
        narrow = width < NARROW
        rows = [self.class_cells(m, styles, narrow=narrow) for m in detail.report.metrics.classes]
        labels = ("Per", "Class", "Teacher", "Grade", "Trend", "Miss" if narrow else "Missing",
                  "Last" if narrow else "Last score")
        # the table is the screen less the pane's padding (2)
        widths = (narrow_widths(width - 2, labels, rows) if narrow
                  else (None,) * len(labels))
        for label, key, cells_wide in zip(labels, ("period", "class", "teacher", "grade",
                                                   "trend", "missing", "last"), widths,
                                          strict=True):
            table.add_column(label, key=key, width=cells_wide)
        for metrics, cells in zip(detail.report.metrics.classes, rows, strict=True):
            if narrow:
                cells[0] = _one_line(cells[0])
            table.add_row(*cells, key=metrics.id)

    def fill_incidents(self, table: KeyTable, detail: StudentDetail, width: int) -> None:
        """Date, behavior, location and description. A description longer than the width the
        other columns leave is wrapped there (the row as high as it needs): cut at the
        terminal's edge, it could only be read a column at a time with the arrow keys."""
        rows = [[Text(i.date.isoformat()), literal(i.behavior or DASH),
                 literal(i.location or DASH), literal(i.description or DASH)]
                for i in detail.incidents]
        labels = (("Date", "date"), ("Behavior", "behavior"), ("Location", "location"),
                  ("Description", "description"))
        # the table is the screen less the pane's padding (2)
        room = last_column_room(width - 2, [label for label, _ in labels], rows)
        for label, key in labels:
            table.add_column(label, key=key, width=room if key == "description" else None)
        for (date, behavior, location, description), incident in zip(
                rows, detail.incidents, strict=True):
            table.add_row(date, behavior, location,
                          description if room is None else wrapped(description),
                          key=incident.incident_id, height=1 if room is None else None)

    def fill_guardians(self, table: KeyTable, detail: StudentDetail, width: int) -> None:
        """Name, relationship (and "primary"), phone and email; unknown shown as a dash. The
        name and email are wrapped in their columns (the row as high as it needs), never cut:
        a cut address reads as a real one, and a cut name loses the family name. Below
        ``NARROW`` columns the widths are fixed; wider, the email column gets what the others
        leave when the address is longer than that (a guardian with a phone's note prefill
        names the phone)."""
        styles = semantic_styles(self.app)
        rows = []
        for g in detail.guardians:
            relationship = literal(g.relationship or DASH)
            if g.primary_contact:
                relationship.append(" · primary", style=styles["info"])
            rows.append([literal(g.name), relationship, literal(g.phone or DASH),
                         literal(g.email or DASH)])
        labels = (("Name", "name"), ("Relationship", "relationship"), ("Phone", "phone"),
                  ("Email", "email"))
        if width < NARROW:
            widths: tuple[int | None, ...] = (16, 13, 14, 25)
        else:  # the table is the screen less the pane's padding (2)
            widths = guardian_widths(width - 2, [lb for lb, _ in labels], rows)
        for (label, key), cells_wide in zip(labels, widths, strict=True):
            table.add_column(label, key=key, width=cells_wide)
        for (name, relationship, phone, email), g in zip(rows, detail.guardians, strict=True):
            table.add_row(wrapped(name), _one_line(relationship), _one_line(phone),
                          wrapped(email), key=g.guardian_id, height=None)

    def class_cells(self, metrics: ClassMetrics, styles: dict[str, Style], *,
                    narrow: bool = False) -> list[Text]:
        """One class's cells; ``narrow`` (an 80-column terminal): 8 weeks of trend and the
        last score's month and day, so every column fits."""
        grade = metrics.grade
        weekly = [g for _, g in metrics.weekly][-8 if narrow else -12:]
        spark_style = styles["bad"] if weekly and weekly[-1] < 70 else styles["info"]
        when = metrics.last_score_date
        last = Text(last_score_text(when, short=narrow))
        if not metrics.gradebook:
            last = Text(NO_GRADEBOOK, style=styles["muted"])
        if metrics.stale:
            last.append(" STALE", style=styles["warn"])
        return [
            literal(metrics.period or DASH),
            _one_line(literal(metrics.title)),
            _one_line(literal(metrics.teacher or DASH)),
            Text(pct(grade), style=styles["bad"] if grade is not None and grade < 70 else "",
                 justify="right"),
            Text(sparkline(weekly), style=spark_style),
            # no line items: nothing missing or not ("no gradebook"), never a 0
            Text(str(metrics.missing) if metrics.gradebook else DASH,
                 style=styles["bad"] if metrics.missing else "", justify="right"),
            last,
        ]

    def focus_content(self) -> None:
        """Focus what the arrows should move on the active tab (table or scroll)."""
        selector = {
            "tab-classes": "#classes",
            "tab-attendance": "#attendance",
            "tab-behavior": "#incidents",
            "tab-notes": "#notes-table",
            "tab-guardians": "#guardians",
        }[self.active_tab]
        for widget in self.query(selector):
            widget.focus(scroll_visible=False)

    @on(TabbedContent.TabActivated)
    def tab_activated(self) -> None:
        # a tab's table mounted late (Lazy) may have been laid out before a resize
        self.fit_width(self.app.size.width)
        self.call_after_refresh(self.focus_content)

    # -- actions -------------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        for tabs in self.query(TabbedContent):
            if tabs.active != tab:
                # the old tab's table lets go of the focus: on a tab with nothing to focus
                # (Behavior with no incidents) it kept it, and its pane's late "focused"
                # message switched the tabs back (4 then 3 stayed on Notes)
                self.set_focus(None)
            tabs.active = tab
            self.call_after_refresh(self.focus_content)

    def action_write_note(self) -> None:
        if self.detail is None:
            return
        report = self.detail.report
        prefill = None
        if self.active_tab == "tab-guardians":
            for table in self.query("#guardians").results(KeyTable):
                if table.row_count:
                    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                    prefill = self.guardian_prefill(str(key))
        self.post_message(messages.WriteNote(self.student_id, report.name, report.flags,
                                             prefill=prefill))

    def guardian_prefill(self, guardian_id: str) -> dict[str, object] | None:
        guardians = self.detail.guardians if self.detail is not None else ()
        found = [g for g in guardians if g.guardian_id == guardian_id]
        return note_prefill(found[0]) if found else None

    @on(DataTable.RowSelected, "#guardians")
    def guardian_note(self, event: DataTable.RowSelected) -> None:
        """Enter on a guardian: the contact note, as ``n`` does."""
        event.stop()
        self.action_write_note()

    def action_export_notes(self) -> None:
        name = self.detail.report.name if self.detail is not None else self.student_id
        self.post_message(messages.OpenExport(self.student_id, name))

    @on(DataTable.RowSelected, "#classes")
    def open_class(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(messages.OpenClass(self.student_id, str(event.row_key.value)))

    def on_mark_done_requested(self, message: messages.MarkDoneRequested) -> None:
        """The Notes tab's ``d``: ask the outcome and the next follow-up date first."""
        message.stop()
        from caseload.tui.screens.done import DoneAnswer, DoneModal

        note = message.note

        def answer(result: DoneAnswer | None) -> None:
            if result is not None:
                for pane in self.query(NotesPane):
                    pane.mark_done_now(note, result.outcome, result.next_follow_up)

        name = self.detail.report.name if self.detail is not None else self.student_id
        session = getattr(self.app, "session", None)  # the App's (its clock: a test's fixed one)
        day = session.note_day() if session is not None else NoteDay(dt.date.today(), "today")
        self.app.push_screen(DoneModal(note, name, day=day), answer)

    def on_delete_note_requested(self, message: messages.DeleteNoteRequested) -> None:
        """The Notes tab's Delete: ask first."""
        message.stop()
        note = message.note

        def answer(choice: str | None) -> None:
            if choice == "delete":
                for pane in self.query(NotesPane):
                    pane.delete_note_now(note)

        self.app.push_screen(ConfirmModal(
            f"Delete the note of {note.contact_date.isoformat()} ({note.type.words})?\n"
            f"“{first_line(note.text)}”\n"
            "It is kept in the cache with its history and can be restored.",
            [("keep", "Keep it"), ("delete", "Delete")], danger="delete"), answer)
