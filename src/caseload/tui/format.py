"""Small, pure formatting helpers shared by the screens (no Textual imports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from caseload.domain.notes import ImpossibleDate
from caseload.domain.notes import parse_date as parse_typed_date
from caseload.domain.report import CaseloadRow, SourceFreshness
from caseload.domain.rounding import exact_text, round_half_up, sum_text
from caseload.domain.schooldays import WeekdaysOnly, out_of_range
from caseload.domain.text import day_words
from caseload.domain.text import plural as plural  # (the screens' helper is the shared one)

DASH = "—"
SPARK_CHARS = "▁▂▃▄▅▆▇█"


def pct(value: float | None, digits: int = 1) -> str:
    """``91.2%`` (rounded half up) or a dash for no value."""
    return DASH if value is None else f"{round_half_up(value, digits):.{digits}f}%"


def num(value: float | int | None, digits: int = 1) -> str:
    """A computed figure (a count, a grade without its ``%``): whole as it is, else rounded
    half up to ``digits`` places; a dash for no value. Never for a figure from the data
    (:func:`exact`)."""
    if value is None:
        return DASH
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{round_half_up(value, digits):.{digits}f}"


def exact(value: float | None) -> str:
    """A figure from the data (a score, a maximum) as the source gave it, never rounded:
    ``8.25``, ``0.125``, ``10`` (``domain.rounding.exact_text``); a dash for no value."""
    return DASH if value is None else exact_text(value)


def points(value: float) -> str:
    """A sum of scores or maximums, exact as :func:`exact` (``domain.rounding.sum_text``)."""
    return sum_text(value)


def _aware(moment: dt.datetime) -> dt.datetime:
    # Naive timestamps from the cache are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def ago(then: dt.datetime, now: dt.datetime) -> str:
    """``just now``, ``12 min ago``, ``2 h ago``, ``3 d ago`` (``in the future`` if clocks skew)."""
    seconds = (_aware(now) - _aware(then)).total_seconds()
    if seconds < -60:
        return "in the future"
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} d ago"


def freshness_text(sources: Sequence[SourceFreshness], now: dt.datetime) -> str:
    """``grades synced 2 h ago · attendance synced 1 d ago`` (one entry per kind of data)."""
    seen: set[str] = set()
    parts: list[str] = []
    for item in sources:
        if item.what in seen:
            continue
        seen.add(item.what)
        if item.synced_at is None:
            parts.append(f"{item.what} never synced")
        else:
            parts.append(f"{item.what} synced {ago(item.synced_at, now)}")
    return " · ".join(parts) if parts else "no data synced yet"


NO_ATTENDANCE = "no attendance data"
NO_GRADEBOOK = "no gradebook"


def month_day(day: dt.date) -> str:
    """``11/14``."""
    return f"{day.month}/{day.day}"


def attendance_note(known: bool, through: dt.date | None, as_of: dt.date | None = None) -> str:
    """What a screen says about attendance it does not have: ``no attendance data`` (none was
    loaded for the school), ``attendance through 11/14`` (recorded only through that day,
    before the as-of date; ``through 2022-05-27`` when that day is of another year than
    ``as_of``, default today), else nothing."""
    if not known:
        return NO_ATTENDANCE
    if through is None:
        return ""
    return f"attendance through {day_words(through, as_of or dt.date.today())}"


def school_days_note(weekdays: WeekdaysOnly) -> str:
    """The Attendance tab's line when nothing loaded marks a day off at the student's school
    (``schooldays.weekdays_only``): holidays and breaks then count as school days."""
    return weekdays.note  # (the exports say the same: WeekdaysOnly.note)


def coverage_text(rows: Sequence[CaseloadRow], as_of: dt.date) -> str:
    """The caseload's attendance coverage for its header line: ``no attendance data`` (for
    every student, or ``for 12 of 300 students``) and ``attendance through 11/14`` (the
    earliest day a student's school's attendance was recorded through, when before the as-of
    date); empty when every student's attendance is known through the as-of date."""
    parts: list[str] = []
    unknown = sum(1 for r in rows if not r.attendance_known)
    if unknown:
        parts.append(NO_ATTENDANCE if unknown == len(rows)
                     else f"{NO_ATTENDANCE} for {unknown} of {plural(len(rows), 'student')}")
    through = min((r.attendance_through for r in rows if r.attendance_known
                   and r.attendance_through is not None and r.attendance_through < as_of),
                  default=None)
    if through is not None:
        parts.append(attendance_note(True, through, as_of))
    return " · ".join(parts)


def sparkline(values: Sequence[float]) -> str:
    """Unicode block sparkline on one fixed 0-100 scale shared by every row (issue 12: per-row
    scaling made a 68 to 70 blip look like a cliff). A bar is 100/7 points tall; grades above
    100 (extra credit) show as the top bar, below 0 as the bottom one."""
    last = len(SPARK_CHARS) - 1
    return "".join(
        SPARK_CHARS[round(min(100.0, max(0.0, v)) / 100.0 * last)] for v in values
    )


def last_score_text(when: dt.date | None, *, short: bool = False) -> str:
    """The one way a class's last score date is written: ISO, or ``MM-DD`` where columns are
    tight (80 columns); a dash when no score yet."""
    if when is None:
        return DASH
    return when.strftime("%m-%d") if short else when.isoformat()


class DateOutOfRange(ValueError):
    """A date field's value reads as a date outside the dates caseload works with; the
    message says so with the range (:func:`caseload.domain.schooldays.out_of_range`)."""


def parse_date(
    text: str, today: dt.date | None = None, *, past: bool = False, clock: dt.date | None = None
) -> dt.date:
    """A date as typed in any of the TUI's date fields, with the CLI's syntax
    (:func:`caseload.domain.notes.parse_date`: ``today``, ``+3d``, ``fri``, ``11/27``, ISO...)
    relative to ``today`` (default: the local date), within the CLI's range (1900-01-01 to
    2100-12-31: ``caseload.domain.schooldays.FIRST_DATE``/``LAST_DATE``); ValueError
    otherwise, DateOutOfRange for a date outside that range. ``past``: a field that asks for
    a past day (a weekday name or ``M/D`` is the last one on or before ``today``); ``clock``:
    the calendar's date when ``today`` is another day (``today`` then names the calendar's)."""
    day = parse_typed_date(text, today if today is not None else dt.date.today(), past=past,
                           clock=clock)
    why = out_of_range(day)
    if why:
        raise DateOutOfRange(why)
    return day


def counted_back(as_of: dt.date) -> str:
    """What a field asking for a past day says of ``11/13``, ``-7d``, ``mon`` (``past``
    above): the day they are counted from."""
    return f"counted back from the as-of date {as_of.isoformat()}"


def date_error(exc: ValueError, what: str, otherwise: str) -> str:
    """What a date field says of a value :func:`parse_date` refused: for a date outside the
    range, ``what`` and the range ("The follow-up date 2101-01-01 is outside the dates
    caseload works with (1900-01-01 to 2100-12-31)."); for a day no calendar has, ``what``
    and what is wrong ("The follow-up date 2026-02-30 is not a real date: February 2026 has
    28 days."); else ``otherwise`` (the forms a date is typed in)."""
    said = isinstance(exc, (DateOutOfRange, ImpossibleDate))
    return f"{what} {exc}." if said else otherwise

