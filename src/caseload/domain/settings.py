"""Rule thresholds: every number the early-warning rules compare against, with its source.

The defaults are the issue's (issue 3, "Flags"). A district overrides any of them in the
config file's ``[thresholds]`` table, which ``Thresholds.from_mapping`` validates::

    [thresholds]
    failing_grade = 65
    unexcused_count = 4

Limits phrased "more than" (the truancy limits) are stored as the number that must be
exceeded; every other threshold is inclusive ("at least"/"or more") except ``failing_grade``,
which a grade must be *below* to count as failing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Thresholds:
    # --- Grades ---------------------------------------------------------------------------
    failing_grade: float = 70.0
    """A class grade strictly below this is failing (FAILING_STREAK, LOW_GRADE, what-if target).

    Source: field rule of thumb: 70% is the usual D/F line on US high-school scales, and course
    failure is one of the "ABC" early-warning indicators (Balfanz et al., Everyone Graduates
    Center; National High School Center early warning system guide)."""

    failing_weeks: int = 3
    """FAILING_STREAK: the grade is below ``failing_grade`` at the end of each of this many most
    recent complete weeks. Source: field rule of thumb (a persisting, not a one-week, dip)."""

    drop_window_weeks: int = 6
    """GRADE_DROP: the peak is taken over this many most recent complete weeks.
    Source: field rule of thumb (about one grading period's half)."""

    drop_high: float = 80.0
    """GRADE_DROP: the peak must be at least this (a B- or better). Source: field rule of thumb."""

    drop_points: float = 15.0
    """GRADE_DROP: the current grade is at least this many points below the peak (about a letter
    grade and a half). Source: field rule of thumb."""

    # --- Attendance -----------------------------------------------------------------------
    unexcused_window_days: int = 30
    """UNEXCUSED_ABSENCES: the window, in calendar days ending on the as-of date (inclusive).
    Source: field rule of thumb (a month of school)."""

    unexcused_count: int = 5
    """UNEXCUSED_ABSENCES: this many or more full-day unexcused absences in the window.
    Source: field rule of thumb (a school week's worth of days in a month)."""

    chronic_rate: float = 0.10
    """CHRONIC_ABSENCE: full-day absences for any reason are at least this share of enrolled
    school days. Source: the chronic-absence definition used by Attendance Works and by the U.S.
    Department of Education's ESSA/EDFacts reporting ("missing 10% or more of school days,
    excused or unexcused")."""

    chronic_min_days: int = 10
    """CHRONIC_ABSENCE: only with at least this many enrolled school days, so a student two days
    into the year is not "chronically absent" (state definitions use a similar minimum
    enrollment; 10 days is the issue's choice)."""

    streak_days: int = 3
    """ABSENCE_STREAK: this many or more consecutive school days absent. Source: field rule of
    thumb (many attendance policies call home on the third consecutive day)."""

    truancy_grading_period: int = 8
    """TRUANCY: more than this many unexcused days in the current grading period (marking
    period). Source: Maryland's habitual-truancy limits as given in the issue (COMAR 13A.08.01,
    Md. Code, Education §7-301 and the school systems' attendance policies under them):
    unlawfully absent more than 8 days in a marking period, 15 in a semester or 20 in a year."""

    truancy_term: int = 15
    """TRUANCY: more than this many unexcused days in the current term (semester).
    Source: as ``truancy_grading_period``."""

    truancy_year: int = 20
    """TRUANCY: more than this many unexcused days in the school year.
    Source: as ``truancy_grading_period``."""

    early_window_days: int = 20
    """EARLY: the window is the school's first this-many instructional (school) days of the
    school year holding the as-of date. Source: the Baltimore Education Research Consortium's
    study of sixth and ninth graders and Attendance Works, "September attendance matters"
    (students missing two or more days in the first month of school, about 20 school days, are
    several times likelier to be chronically absent for the year)."""

    early_absences: int = 2
    """EARLY: this many or more full-day absences (any reason) in the window.
    Source: as ``early_window_days`` ("two or more days in September")."""

    # --- Gradebook and behaviour ------------------------------------------------------------
    stale_days: int = 14
    """STALE_GRADEBOOK: no result in the class with an effective date in this many days ending on
    the as-of date, in a term that started at least this many days ago. Source: field rule of
    thumb (districts commonly expect gradebooks to be updated at least every two weeks)."""

    behavior_incidents: int = 2
    """BEHAVIOR: this many or more discipline incidents in the school year. Source: the "B" of
    the ABC early-warning indicators (Balfanz: two or more mild, or one serious, infractions)."""

    missing_counts_as_zero: bool = True
    """Grades: a "not submitted" (or missing) result with no score counts as 0. Off: it is left
    out of the grade like ungraded work. Source: the issue's default (most gradebooks' default)."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Thresholds:
        """Thresholds from the config file's ``[thresholds]`` table; omitted keys keep defaults.

        Raises ValueError naming every unknown key, or the key and the expected type for a value
        of the wrong type (booleans are not numbers here), or a value out of range.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in data if k not in fields)
        if unknown:
            known = ", ".join(fields)
            raise ValueError(
                f"unknown threshold{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                f"(known: {known})"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            kind = _KINDS[name]
            if kind is bool:
                if not isinstance(value, bool):
                    raise ValueError(f"threshold {name} must be true or false, not {value!r}")
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"threshold {name} must be a whole number, not {value!r}")
                if value < (1 if name in _POSITIVE else 0):
                    raise ValueError(
                        f"threshold {name} must be at least "
                        f"{1 if name in _POSITIVE else 0}, not {value!r}"
                    )
                if value > MAX_COUNT:  # (a window of a million days overflows a date)
                    raise ValueError(f"threshold {name} must be at most {MAX_COUNT}, not {value!r}")
            else:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"threshold {name} must be a number, not {value!r}")
                value = float(value)
                if not math.isfinite(value) or value < 0:  # NaN, infinite or negative
                    raise ValueError(f"threshold {name} must be a number >= 0, not {value!r}")
                if name == "chronic_rate" and value > 1:
                    raise ValueError(
                        f"threshold chronic_rate is a share between 0 and 1 (0.10 = 10%), "
                        f"not {value!r}"
                    )
            values[name] = value
        return cls(**values)

    def to_mapping(self) -> dict[str, Any]:
        """Every threshold by name (for ``caseload config`` output and the docs)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


MAX_COUNT = 3660  # a whole-number threshold (days, weeks, counts): ten years of days at most

_KINDS: dict[str, type] = {
    "failing_grade": float,
    "failing_weeks": int,
    "drop_window_weeks": int,
    "drop_high": float,
    "drop_points": float,
    "unexcused_window_days": int,
    "unexcused_count": int,
    "chronic_rate": float,
    "chronic_min_days": int,
    "streak_days": int,
    "truancy_grading_period": int,
    "truancy_term": int,
    "truancy_year": int,
    "early_window_days": int,
    "early_absences": int,
    "stale_days": int,
    "behavior_incidents": int,
    "missing_counts_as_zero": bool,
}
# Counts that make no sense at 0 (a window of 0 days, a streak of 0 weeks).
_POSITIVE = {
    "failing_weeks",
    "drop_window_weeks",
    "unexcused_window_days",
    "stale_days",
    "early_window_days",
}
