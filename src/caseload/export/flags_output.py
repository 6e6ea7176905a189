"""``caseload flags`` output: a table for people, JSON (the documented contract) and CSV.

Text from the data is written literally, but no control character from the data reaches the
output raw (see :mod:`caseload.domain.text`): the table and CSV replace C0 controls (except tab
and newline; the table replaces those too), DEL and C1 by U+FFFD, so a name can never drive the
terminal of whoever runs ``caseload flags --format csv``; JSON escapes them (``\u001b``), which
keeps the value. CSV is also neutralized against formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import IO

from caseload.domain.report import Severity, StudentReport, known_below_70
from caseload.domain.rounding import round_half_up
from caseload.domain.schooldays import WeekdaysOnly
from caseload.domain.text import day_words, escape_json_controls, no_controls, plural
from caseload.export.notes_text import FORMULA_TRIGGERS as _FORMULA_START  # (full-width too)

_COLOURS = {Severity.HIGH: "\x1b[1;31m", Severity.MEDIUM: "\x1b[33m", Severity.LOW: "\x1b[36m"}
_RESET = "\x1b[0m"


def printable(text: str | None) -> str:
    """One table cell: every control character (tab and newline too) replaced by U+FFFD."""
    return no_controls(text, single_line=True)


def neutralize(cell: object) -> object:
    """A CSV cell: control characters replaced (tab and newline kept), and a spreadsheet never
    runs it as a formula (risky starts get an apostrophe)."""
    if isinstance(cell, str):
        cell = no_controls(cell)
        if cell.startswith(_FORMULA_START):
            return "'" + cell
    return cell


def flags_json(reports: Sequence[StudentReport], as_of: dt.date) -> dict[str, object]:
    return {"as_of": as_of.isoformat(), "students": [r.to_json() for r in reports]}


DASH = "—"  # a figure that is unknown (no attendance data) or has no value


def _fmt(value: float | None, suffix: str = "") -> str:
    return DASH if value is None else f"{round_half_up(value):.1f}{suffix}"


def _count(value: int | None) -> str:
    return DASH if value is None else str(value)


def coverage_notes(reports: Sequence[StudentReport], as_of: dt.date) -> list[str]:
    """What the table must say about attendance that was not loaded (issue 11): students whose
    school has no attendance data, and the earliest day attendance counts through when that is
    before the as-of date."""
    notes = []
    unknown = sum(1 for r in reports if not r.metrics.attendance_known)
    if unknown:
        notes.append(f"no attendance data for {unknown} of {plural(len(reports), 'student')} "
                     "(none was "
                     "loaded for their school): their attendance figures are unknown (—).")
    through = min((r.metrics.attendance_through for r in reports
                   if r.metrics.attendance_through is not None
                   and r.metrics.attendance_through < as_of), default=None)
    if through is not None:
        notes.append(f"attendance through {day_words(through, as_of)} (the last day recorded "
                     "for the school); later days are not counted.")
    weekdays = [r.metrics.school_days_all_weekdays for r in reports
                if r.metrics.school_days_all_weekdays is not None]
    if weekdays:
        why = "; ".join(f"{n} {_WEEKDAYS_WHY[w]}" for w, n in sorted(Counter(weekdays).items()))
        notes.append(f"school days are all weekdays in the terms for {len(weekdays)} of "
                     f"{plural(len(reports), 'student')} ({why}): their attendance figures count "
                     "holidays and breaks as school days.")
    return notes


_WEEKDAYS_WHY = {
    WeekdaysOnly.NO_CALENDAR: "with no school calendar loaded",
    WeekdaysOnly.NO_DAY_OFF: "whose school's calendar marks no day off",
    WeekdaysOnly.NO_SCHOOL: "whose school is unknown",
}


def write_table(
    out: IO[str], reports: Sequence[StudentReport], as_of: dt.date, color: bool
) -> None:
    headers = ["Risk", "Student", "Gr", "Att%", "Unx30", "Strk", "<70", "Low", "Flags"]
    rows: list[tuple[list[str], list[tuple[str, Severity]]]] = []
    for r in reports:
        m = r.metrics
        labels: list[tuple[str, Severity]] = []
        for f in r.flags:  # one label per code; "STALEx2" when two classes share it
            n = sum(1 for g in r.flags if g.code is f.code)
            label = f.code.label if n == 1 else f"{f.code.label}x{n}"
            if (label, f.severity) not in labels:
                labels.append((label, f.severity))
        rows.append(
            (
                [
                    str(r.risk),
                    printable(r.name),
                    printable(r.grade_level) or DASH,  # (unknown: as every other column)
                    _fmt(m.attendance_rate),
                    _count(m.unexcused_30d),
                    _count(m.absence_streak),
                    _count(known_below_70(m)),
                    _fmt(m.lowest_grade),
                ],
                labels,
            )
        )
    widths = [len(h) for h in headers[:-1]]
    for cells, _ in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
    widths[1] = min(widths[1], 32)
    right = {0, 3, 4, 5, 6, 7}

    def line(cells: list[str]) -> str:
        parts = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            c = c if len(c) <= w else c[: w - 1] + "…"
            parts.append(c.rjust(w) if i in right else c.ljust(w))
        return "  ".join(parts)

    out.write(f"Early-warning flags as of {as_of.isoformat()}: "
              f"{plural(len(reports), 'student')}\n")
    out.write(line(headers[:-1]) + "  " + headers[-1] + "\n")
    for cells, labels in rows:
        flag_text = " ".join(
            f"{_COLOURS[sev]}{label}{_RESET}" if color else label for label, sev in labels
        )
        out.write(line(cells) + "  " + flag_text + "\n")
    for note in coverage_notes(reports, as_of):
        out.write(f"\nNote: {note}")
    out.write(
        "\nFlags: FAIL3W failing 3 weeks, LOW grade below 70, DROP sharp grade drop, "
        "UNX30 unexcused absences in 30 days,\nCHRONIC chronic absence, STREAK absence streak, "
        "TRUANT Maryland truancy limit, STALE stale gradebook, BEHAV behavior incidents,\n"
        "EARLY absences in the first school days of the year.\n"
    )


CSV_COLUMNS = [
    "student_id",
    "name",
    "grade_level",
    "counselor_ids",
    "risk",
    "attendance_rate",
    "unexcused_30d",
    "absence_streak",
    "code",
    "severity",
    "class_id",
    "message",
    "school_days_all_weekdays",  # (added last: readers of the columns before are unchanged)
]


def write_csv(out: IO[str], reports: Sequence[StudentReport]) -> None:
    """One row per flag (a student without flags gets one row with empty flag cells). An
    unknown figure (no attendance data) is an empty cell. ``school_days_all_weekdays``: why
    the attendance figures count every weekday in the terms (``no_calendar``, ``no_day_off``,
    ``no_school``), empty when the school's calendar marks days off."""
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in reports:
        m = r.metrics
        base = [
            r.id,
            r.name,
            r.grade_level or "",
            " ".join(r.counselor_ids),
            r.risk,
            "" if m.attendance_rate is None else round_half_up(m.attendance_rate),
            "" if m.unexcused_30d is None else m.unexcused_30d,
            "" if m.absence_streak is None else m.absence_streak,
        ]
        flag_rows = [[f.code.value, f.severity.value, f.class_id or "", f.message] for f in r.flags]
        weekdays = m.school_days_all_weekdays
        last = ["" if weekdays is None else weekdays.code]
        for tail in flag_rows or [["", "", "", ""]]:
            w.writerow([neutralize(c) for c in base + tail + last])


def write_flags(
    out: IO[str], reports: Sequence[StudentReport], as_of: dt.date, fmt: str, *, color: bool
) -> None:
    if fmt == "json":
        text = json.dumps(flags_json(reports, as_of), ensure_ascii=False, indent=1)
        out.write(escape_json_controls(text))
        out.write("\n")
    elif fmt == "csv":
        write_csv(out, reports)
    else:
        write_table(out, reports, as_of, color)
