"""The early-warning rules, one function each.

Every function takes already-computed figures (weekly grades, counts, dates), so the pure path
(``caseload.domain.analysis`` from raw records) and a materialized path (the store's
precomputed day statuses and grade timelines) call the same code and agree. Each returns a
``Flag`` or None. Values are compared unrounded (up to float noise, see ``grading.EPS``); only
messages and evidence are rounded (one decimal, half up: ``domain.rounding``, as the JSON
contract).

Evidence holds the numbers behind a flag, JSON-serializable: dates as ISO strings, grades and
rates as floats rounded to one decimal, counts as ints.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence, Sized
from typing import Any

from caseload.domain.grading import Weekly, at_least, below, format_percent
from caseload.domain.report import Flag, FlagCode, Severity
from caseload.domain.rounding import round_half_up
from caseload.domain.settings import Thresholds
from caseload.domain.text import plural

SEVERITY: dict[FlagCode, Severity] = {
    FlagCode.FAILING_STREAK: Severity.HIGH,
    FlagCode.LOW_GRADE: Severity.MEDIUM,
    FlagCode.GRADE_DROP: Severity.MEDIUM,
    FlagCode.UNEXCUSED_ABSENCES: Severity.HIGH,
    FlagCode.CHRONIC_ABSENCE: Severity.HIGH,
    FlagCode.ABSENCE_STREAK: Severity.HIGH,
    FlagCode.TRUANCY: Severity.HIGH,
    FlagCode.STALE_GRADEBOOK: Severity.LOW,
    FlagCode.BEHAVIOR: Severity.MEDIUM,
    FlagCode.EARLY: Severity.HIGH,
}

_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _word(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _r(x: float) -> float:
    return round_half_up(x)


def _pct(x: float) -> str:
    return format_percent(x)


def _num(x: float) -> str:
    return format_percent(x).removesuffix("%")


def _flag(
    code: FlagCode, message: str, evidence: dict[str, Any], class_id: str | None = None
) -> Flag:
    return Flag(code, SEVERITY[code], message, evidence, class_id)


def _count_flag(
    code: FlagCode,
    items: Sized,
    threshold: int,
    describe: Callable[[int], tuple[str, dict[str, Any]]],
) -> Flag | None:
    """A flag when there are ``threshold`` or more ``items`` (and at least one); ``describe``
    gives the message and evidence for the count, to which the threshold is added."""
    n = len(items)
    if n < threshold or n == 0:
        return None
    message, evidence = describe(n)
    return _flag(code, message, {**evidence, "threshold": threshold})


def _complete(weekly: Weekly, as_of: dt.date | None) -> Weekly:
    if as_of is None or not weekly or weekly[-1][0] <= as_of:
        return weekly
    return weekly[: bisect_right(weekly, as_of, key=lambda w: w[0])]


# --- Grades --------------------------------------------------------------------------------


def failing_streak(
    class_id: str,
    title: str,
    weekly: Weekly,
    thresholds: Thresholds,
    as_of: dt.date | None = None,
) -> Flag | None:
    """FAILING_STREAK (high): the grade is below ``failing_grade`` at the end of each of the
    ``failing_weeks`` most recent complete weeks. ``weekly`` is ``grading.weekly_grades`` (weeks
    after ``as_of``, when given, are ignored); fewer weeks than that: no flag."""
    n = thresholds.failing_weeks
    weeks = _complete(weekly, as_of)[-n:]
    if len(weeks) < n:
        return None
    for _, g in weeks:
        if not below(g, thresholds.failing_grade):
            return None
    grades = ", ".join(_pct(g) for _, g in weeks)
    return _flag(
        FlagCode.FAILING_STREAK,
        f"{title}: {grades} at the end of the last "
        + ("week" if n == 1 else f"{_word(n)} weeks"),
        {
            "weeks": [[d.isoformat(), _r(g)] for d, g in weeks],
            "threshold": thresholds.failing_grade,
        },
        class_id,
    )


def low_grade(
    class_id: str,
    title: str,
    grade: float | None,
    thresholds: Thresholds,
    has_failing_streak: bool,
) -> Flag | None:
    """LOW_GRADE (medium): the current grade is below ``failing_grade`` in a class that has no
    FAILING_STREAK."""
    if grade is None or has_failing_streak or not below(grade, thresholds.failing_grade):
        return None
    return _flag(
        FlagCode.LOW_GRADE,
        f"{title}: {_pct(grade)} now, below {_pct(thresholds.failing_grade)}",
        {"grade": _r(grade), "threshold": thresholds.failing_grade},
        class_id,
    )


def grade_drop(
    class_id: str,
    title: str,
    weekly: Weekly,
    grade: float | None,
    thresholds: Thresholds,
    as_of: dt.date | None = None,
) -> Flag | None:
    """GRADE_DROP (medium): the highest grade at the end of the ``drop_window_weeks`` most
    recent complete weeks (fewer when the class has fewer) is at least ``drop_high``, and the
    current grade is at least ``drop_points`` below it."""
    if grade is None or not weekly:
        return None
    weeks = _complete(weekly, as_of)[-thresholds.drop_window_weeks :]
    if not weeks:
        return None
    top = max(g for _, g in weeks)
    if not at_least(top, thresholds.drop_high) or not at_least(top - grade, thresholds.drop_points):
        return None
    peak_day, peak = max(weeks, key=lambda w: (w[1], w[0]))
    drop = peak - grade
    if not at_least(peak, thresholds.drop_high) or not at_least(drop, thresholds.drop_points):
        return None
    return _flag(
        FlagCode.GRADE_DROP,
        f"{title}: {_pct(grade)} now, down {_num(drop)} points from "
        f"{_pct(peak)} in the week ending {peak_day.isoformat()}",
        {
            "grade": _r(grade),
            "peak": _r(peak),
            "peak_week": peak_day.isoformat(),
            "drop": _r(drop),
            "window_weeks": thresholds.drop_window_weeks,
            "peak_threshold": thresholds.drop_high,
            "drop_threshold": thresholds.drop_points,
        },
        class_id,
    )


def grade_flags(
    class_id: str,
    title: str,
    weekly: Weekly,
    grade: float | None,
    thresholds: Thresholds,
    as_of: dt.date | None = None,
) -> list[Flag]:
    """FAILING_STREAK, else LOW_GRADE, and GRADE_DROP for one class."""
    out: list[Flag] = []
    fs = failing_streak(class_id, title, weekly, thresholds, as_of)
    if fs is not None:
        out.append(fs)
    lg = low_grade(class_id, title, grade, thresholds, has_failing_streak=fs is not None)
    if lg is not None:
        out.append(lg)
    gd = grade_drop(class_id, title, weekly, grade, thresholds, as_of)
    if gd is not None:
        out.append(gd)
    return out


# --- Attendance ----------------------------------------------------------------------------


def unexcused_absences(
    unexcused_in_window: Sequence[dt.date], as_of: dt.date, thresholds: Thresholds
) -> Flag | None:
    """UNEXCUSED_ABSENCES (high): ``unexcused_count`` or more full-day unexcused absences in the
    ``unexcused_window_days`` calendar days ending on ``as_of`` (the dates passed in), and at
    least one (a flag needs evidence, whatever the threshold is set to)."""
    n = len(unexcused_in_window)
    if n < thresholds.unexcused_count or n == 0:
        return None
    days = thresholds.unexcused_window_days
    start = as_of - dt.timedelta(days=days - 1)
    return _flag(
        FlagCode.UNEXCUSED_ABSENCES,
        f"{plural(n, 'unexcused absence')} in the last {plural(days, 'day')}",
        {
            "count": n,
            "dates": [d.isoformat() for d in unexcused_in_window],
            "window_start": start.isoformat(),
            "window_end": as_of.isoformat(),
            "threshold": thresholds.unexcused_count,
        },
    )


def chronic_absence(days_absent: int, school_days: int, thresholds: Thresholds) -> Flag | None:
    """CHRONIC_ABSENCE (high): full-day absences (any reason) are ``chronic_rate`` or more of
    the enrolled school days, with at least ``chronic_min_days`` enrolled school days, and at
    least one absence (a flag needs evidence, whatever the rate is set to)."""
    if school_days < thresholds.chronic_min_days or school_days <= 0 or days_absent <= 0:
        return None
    rate = days_absent / school_days
    if not at_least(rate, thresholds.chronic_rate):
        return None
    return _flag(
        FlagCode.CHRONIC_ABSENCE,
        f"Absent {days_absent} of {plural(school_days, 'school day')} "
        f"({_pct(100.0 * rate)})",
        {
            "days_absent": days_absent,
            "school_days": school_days,
            "rate": _r(100.0 * rate),
            "threshold": _r(100.0 * thresholds.chronic_rate),
        },
    )


def absence_streak(streak: Sequence[dt.date], thresholds: Thresholds) -> Flag | None:
    """ABSENCE_STREAK (high): the current run of consecutive school days with a full-day
    absence, ending at the last school day on or before D (``AttendanceSeries.current_streak``),
    is ``streak_days`` or more."""
    first, last = (streak[0].isoformat(), streak[-1].isoformat()) if streak else ("", "")
    return _count_flag(
        FlagCode.ABSENCE_STREAK,
        streak,
        thresholds.streak_days,
        lambda n: (
            f"Absent {plural(n, 'school day')} in a row ({first} to {last})",
            {"days": n, "first": first, "last": last},
        ),
    )


def truancy(
    counts: Iterable[tuple[str, int, int, dt.date | None, bool]], thresholds: Thresholds
) -> Flag | None:
    """TRUANCY (high): Maryland's limits on unexcused days: more than ``truancy_grading_period``
    in the current grading period, more than ``truancy_term`` in the current term, or more
    than ``truancy_year`` in the school year.

    ``counts`` is ``attendance.truancy_counts``: (label, limit, used, counted from, session
    known); a limit whose session is unknown (no grading period in the data) is not checked.
    """
    over = [
        (label, limit, used, start)
        for label, limit, used, start, known in counts
        if known and used > limit
    ]
    if not over:
        return None
    parts = [f"{used} this {label} (limit: more than {limit})" for label, limit, used, _ in over]
    return _flag(
        FlagCode.TRUANCY,
        "Unexcused absences past Maryland's truancy limit: " + ", ".join(parts),
        {
            "limits": [
                {
                    "period": label,
                    "limit": limit,
                    "count": used,
                    "since": start.isoformat() if start else None,
                }
                for label, limit, used, start in over
            ]
        },
    )


def early_absence(
    absences: Sequence[dt.date], window: Sequence[dt.date], thresholds: Thresholds
) -> Flag | None:
    """EARLY (high): absent (full days, any reason) on ``early_absences`` or more of the
    school's first ``early_window_days`` school days of the school year holding D, counting
    only days on or after the student's enrollment begin (``attendance.early_absences`` gives
    ``window`` and ``absences``). It fires from the date of the second absence (the absences
    passed in are those on or before D) and, the window being fixed, stays for the year.
    Source: BERC; Attendance Works, "September attendance matters"."""
    if not window:
        return None
    n_days = len(window)
    first, last = window[0].isoformat(), window[-1].isoformat()
    return _count_flag(
        FlagCode.EARLY,
        absences,
        thresholds.early_absences,
        lambda n: (
            f"Absent {n} of the first {plural(n_days, 'school day')} of the year "
            f"({', '.join(f'{d.month}/{d.day}' for d in absences)})",
            {
                "count": n,
                "dates": [d.isoformat() for d in absences],
                "window_days": n_days,
                "window_start": first,
                "window_end": last,
            },
        ),
    )


# --- Gradebook and behaviour ----------------------------------------------------------------


def stale_gradebook(
    class_id: str,
    title: str,
    term_start: dt.date | None,
    term_end: dt.date | None,
    last_result: dt.date | None,
    as_of: dt.date,
    thresholds: Thresholds,
) -> Flag | None:
    """STALE_GRADEBOOK (low): the class's term is in session at D, started at least
    ``stale_days`` days before D, the class's gradebook had results, and no student in the
    class has a result with an effective date in the ``stale_days`` days ending on D.

    ``last_result`` is the latest effective date on or before D of any student's result in the
    class. Without a known term start the rule does not apply (None). Without any result on or
    before D (no gradebook at all, or one nobody has been scored in yet) there is nothing that
    stopped moving: no flag (issue 11: "no gradebook" is not a stale gradebook).
    """
    days = thresholds.stale_days
    if last_result is None:
        return None
    if term_start is None or as_of < term_start or (term_end is not None and as_of > term_end):
        return None
    if (as_of - term_start).days < days:
        return None
    window_start = as_of - dt.timedelta(days=days - 1)
    if last_result is not None and window_start <= last_result <= as_of:
        return None
    last = last_result.isoformat()
    return _flag(
        FlagCode.STALE_GRADEBOOK,
        f"{title}: {stale_text(last_result, as_of)}",
        {
            "last_result": last,
            "days_since": (as_of - last_result).days,
            "window_start": window_start.isoformat(),
            "term_start": term_start.isoformat(),
            "threshold_days": days,
        },
        class_id,
    )


def stale_text(last_result: dt.date, as_of: dt.date) -> str:
    """The real gap and the date: "no new scores in 23 days, since 10/28" (month/day; the year
    too when it is not the as-of date's year)."""
    gap = (as_of - last_result).days
    when = f"{last_result.month}/{last_result.day}"
    if last_result.year != as_of.year:
        when += f"/{last_result.year}"
    return f"no new scores in {gap} day{'s' if gap != 1 else ''}, since {when}"


def behavior(incidents: Sequence[dt.date], thresholds: Thresholds) -> Flag | None:
    """BEHAVIOR (medium): ``behavior_incidents`` or more discipline incidents in the school year
    to D (the dates passed in)."""
    return _count_flag(
        FlagCode.BEHAVIOR,
        incidents,
        thresholds.behavior_incidents,
        lambda n: (
            f"{plural(n, 'discipline incident')} this school year",
            {"count": n, "dates": [d.isoformat() for d in sorted(incidents)]},
        ),
    )


# --- Order ---------------------------------------------------------------------------------

_SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


def flag_sort_key(flag: Flag) -> tuple[int, str, str, str]:
    """Severity (high first), then code (alphabetical), then class id, then message."""
    return (_SEVERITY_RANK[flag.severity], flag.code.value, flag.class_id or "", flag.message)


def order_flags(flags: Iterable[Flag]) -> tuple[Flag, ...]:
    return tuple(sorted(flags, key=flag_sort_key))
