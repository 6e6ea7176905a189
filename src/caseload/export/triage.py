"""The triage list export (``x`` on the caseload): the students exactly as the screen lists
them (filtered and sorted), with their figures, flags, messages and evidence, as CSV or Markdown.

Text from the data is written literally: CSV cells are neutralized against spreadsheet formulas
and control characters; Markdown escapes what Markdown or HTML would act on. An unknown figure
(no attendance data) is an empty CSV cell and ``—`` in Markdown, never 0 or 100%.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from caseload.domain.report import StudentReport, known_below_70, risk_points
from caseload.domain.rounding import round_half_up
from caseload.domain.text import plural
from caseload.export.notes_text import clean_text, neutralize

FORMATS = ("csv", "md")

CSV_COLUMNS = [
    "rank", "student_id", "name", "grade_level", "risk", "attendance_rate", "unexcused_30d",
    "absence_streak", "classes_below_70", "lowest_grade", "days_since_note", "flag_code",
    "flag_label", "severity", "points", "class_id", "message", "evidence",
    "school_days_all_weekdays",  # (added last: readers of the columns before are unchanged)
]

DASH = "—"


@dataclass(frozen=True)
class TriageList:
    """What the screen showed: the reports in its order and how it got there."""

    reports: Sequence[StudentReport]
    as_of: dt.date
    scope: str  # "Caseload of Rivera, Ana" or "All students"
    view: str  # "filter 'ar' · flags LOW · sorted by name (reversed)"
    generated_at: dt.datetime


def _num(value: float | int | None, digits: int | None = None) -> Any:
    if value is None:
        return ""
    return round_half_up(value, digits) if digits is not None else value


def _evidence(evidence: dict[str, Any]) -> str:
    return json.dumps(evidence, ensure_ascii=False, sort_keys=True, default=str)


def render_csv(triage: TriageList) -> bytes:
    """One row per flag, in the screen's order (``rank``); a student without flags gets one
    row with empty flag cells. ``school_days_all_weekdays``: why the attendance figures count
    every weekday in the terms (``no_calendar``, ``no_day_off``, ``no_school``; the flags
    JSON's field), empty when the school's calendar marks days off."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rank, r in enumerate(triage.reports, start=1):
        m = r.metrics
        base = [rank, r.id, r.name, r.grade_level or "", r.risk, _num(m.attendance_rate, 1),
                _num(m.unexcused_30d), _num(m.absence_streak), _num(known_below_70(m)),
                _num(m.lowest_grade, 1), _num(r.days_since_note)]
        tails = [[f.code.value, f.code.label, f.severity.value, points, f.class_id or "",
                  f.message, _evidence(f.evidence)] for f, points in risk_points(r.flags)]
        weekdays = m.school_days_all_weekdays
        last = ["" if weekdays is None else weekdays.code]
        for tail in tails or [["", "", "", "", "", "", ""]]:
            writer.writerow([neutralize(cell) for cell in base + tail + last])
    return out.getvalue().encode("utf-8-sig")  # (a BOM, as the notes CSV: Excel reads accents)


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{round_half_up(value):.1f}%"


_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")


def _md_cell(text: object) -> str:
    """Inline Markdown-inert text (never at a line's start here, so only inline markup and
    table pipes are escaped)."""
    return _MD_INLINE.sub(r"\\\1", clean_text(text, multiline=False))


def render_md(triage: TriageList) -> bytes:
    """A title, what the list is (scope, as-of date, filters and order), a table of the
    students in the screen's order, then each student's flags with the points each adds to
    Risk, the message and the evidence."""
    lines = [
        f"# Triage list: {_md_cell(triage.scope)}",
        "",
        f"As of {triage.as_of.isoformat()} · {plural(len(triage.reports), 'student')} · "
        f"{_md_cell(triage.view)}  ",
        f"Generated {triage.generated_at.astimezone().strftime('%Y-%m-%d %H:%M')}",
        "",
        "| # | Student | Gr | Risk | Att% | Unx30 | Low | Flags |",
        "|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for rank, r in enumerate(triage.reports, start=1):
        m = r.metrics
        flags = " ".join(f.code.label for f in r.flags) or "none"
        lowest = DASH if m.lowest_grade is None else f"{round_half_up(m.lowest_grade):.1f}"
        unexcused = DASH if m.unexcused_30d is None else str(m.unexcused_30d)
        lines.append(f"| {rank} | {_md_cell(r.name)} | {_md_cell(r.grade_level or DASH)} | "
                     f"{r.risk} | {_pct(m.attendance_rate)} | {unexcused} | {lowest} | "
                     f"{flags} |")
    lines += ["", "## Flags and evidence", ""]
    for rank, r in enumerate(triage.reports, start=1):
        lines.append(f"### {rank}. {_md_cell(r.name)} ({_md_cell(r.id)}), risk {r.risk}")
        lines.append("")
        if (weekdays := r.metrics.school_days_all_weekdays) is not None:
            lines += [f"{weekdays.note}: attendance figures count holidays and breaks as "
                      "school days.", ""]
        if not r.flags:
            lines += ["No flags.", ""]
            continue
        for flag, points in risk_points(r.flags):
            evidence = "; ".join(f"{_md_cell(k)}: {_md_cell(v)}"
                                 for k, v in sorted(flag.evidence.items()))
            line = f"- +{points} {flag.code.label} ({flag.code.value}): {_md_cell(flag.message)}"
            if evidence:
                line += f" · evidence: {evidence}"
            lines.append(line)
        lines.append("")
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def render(triage: TriageList, fmt: str) -> bytes:
    if fmt == "csv":
        return render_csv(triage)
    if fmt == "md":
        return render_md(triage)
    raise ValueError(f"unknown triage export format {fmt!r} (csv or md)")
