"""The sample school's people, sections and gradebook items, its calendar, and the small pure
helpers the generator and the writer share (scores, running grades, CSV fields)."""

from __future__ import annotations

import csv
import datetime as dt
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from caseload.samplegen.constants import (
    COMMENTS_EXEMPT,
    COMMENTS_GOOD,
    COMMENTS_LATE,
    COMMENTS_LOW,
    COMMENTS_MISSING,
    FALL_PERIODS,
    FALL_START,
    HEADERS,
    HOLIDAYS,
    KINDS,
    MAKEUP_DAYS,
    Q2_ID,
    YEAR_END,
    YEAR_START,
    Course,
)


@dataclass(slots=True, eq=False)
class Person:
    sourced_id: str
    num: int
    given: str
    family: str
    sex: str
    middle: str = ""
    preferred: str = ""


@dataclass(slots=True, eq=False)
class Student(Person):
    grade: str = "09"
    courses: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    begin: dt.date = FALL_START
    level: float = 82.0  # typical percentage on ordinary work
    miss: float = 0.03  # chance a graded item is missing
    late: float = 0.04
    counselor: str = ""


@dataclass(slots=True, eq=False)
class Teacher(Person):
    dept: str = ""
    room: str = ""
    weighted: bool = True
    busy: set[int] = field(default_factory=set)
    sections: list[Section] = field(default_factory=list)
    stale_after: dt.date | None = None  # posts no scores dated after this


@dataclass(slots=True, eq=False)
class Section:
    course: Course
    number: int
    period: int
    students: list[Student] = field(default_factory=list)
    teacher: Teacher | None = None

    @property
    def sourced_id(self) -> str:
        return f"cls-{self.course.code}-{self.number:02d}"


@dataclass(slots=True)
class Category:
    key: str
    title: str
    weight: float | None
    drop_lowest: int = 0


@dataclass(slots=True)
class Item:
    kind: str
    title: str
    assign: dt.date
    due: dt.date
    max_points: float
    category: str  # category sourcedId
    grading_period: str
    description: str = ""
    scored: dt.date = FALL_START  # when the teacher posts scores (due + 1 to 3 days)


@dataclass(slots=True)
class Pattern:
    """An academic storyline for one student in one class."""

    kind: str  # "failing" or "drop"
    start: dt.date  # items due on or after this follow the storyline


# ---------------------------------------------------------------------------------------
# Calendar


def is_school_day(d: dt.date) -> bool:
    if d in MAKEUP_DAYS:
        return True
    return d.weekday() < 5 and d not in HOLIDAYS and YEAR_START <= d <= YEAR_END


def school_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """School days from ``first`` to ``last`` inclusive."""
    out = []
    d = first
    while d <= last:
        if is_school_day(d):
            out.append(d)
        d += dt.timedelta(1)
    return out


def _grading_period(d: dt.date) -> str:
    for sid, _t, _ty, start, end, _p in FALL_PERIODS:
        if start <= d <= end:
            return sid
    return Q2_ID


# ---------------------------------------------------------------------------------------
# Helpers


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())


def _counselor_for(family: str) -> int:
    first = (_ascii(family)[:1] or "A").upper()
    if first <= "G":
        return 0
    if first <= "O":
        return 1
    return 2


def _num(x: float) -> str:
    """Compact number: 10, 8.5, 0.25."""
    if x == int(x):
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _quote(text: str) -> str:
    """A field as csv.writer's minimal quoting writes it."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tf(flag: bool) -> str:
    return "true" if flag else "false"


def _write(path: Path, name: str, rows: Iterable[Sequence[str]]) -> int:
    n = 0
    with (path / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADERS[name])
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _plot_level(plot: Pattern, it: Item, level: float, severity: int) -> tuple[float, float]:
    """Typical percentage and chance of missing work for a storyline student on ``it``."""
    factor = KINDS[it.kind][4]
    if plot.kind == "failing":
        if it.due >= plot.start:
            return 57.0 - 3.0 * severity, min(1.0, (0.2 + 0.05 * severity) * factor)
        return 74.0, 0.05 * factor
    if it.due < plot.start:  # a B or better until the drop
        return min(97.0, max(level, 90.0) + severity), 0.0
    if it.kind == "projects":
        return 50.0, 1.0
    if it.kind in ("tests", "quizzes"):  # stopped studying, skipped some
        return max(5.0, 28.0 - 5.0 * severity), min(1.0, 0.3 + 0.1 * severity)
    return 50.0, min(1.0, 0.9 + 0.05 * severity)  # stopped turning work in


def _outcome(rng: random.Random, it: Item, level: float, miss: float, late_p: float,
             bonus_ok: bool, exempt_p: float) -> tuple[str, float | None, bool, str]:
    """(scoreStatus, score, late, comment) for one student on one graded item."""
    maxp, _stem, adj, sd, _factor = KINDS[it.kind]
    r = rng.random()
    if r < exempt_p:
        return "exempt", None, False, rng.choice(COMMENTS_EXEMPT) if rng.random() < 0.5 else ""
    if r < exempt_p + miss:
        return ("not submitted", None, False,
                rng.choice(COMMENTS_MISSING) if rng.random() < 0.06 else "")
    late = rng.random() < late_p
    pct = rng.gauss(level + adj, sd)
    pct = 100.0 if pct > 100.0 else 0.0 if pct < 0.0 else pct
    if late:
        pct *= 0.9
    score = pct * maxp / 100.0
    score = round(score * 2) / 2 if maxp <= 25 else float(round(score))
    comment = ""
    if bonus_ok and pct >= 99.0 and rng.random() < 0.5:
        score = maxp + rng.choice((2, 3, 5))  # extra credit: above the maximum
        comment = "Bonus question correct!" if rng.random() < 0.5 else ""
    elif late and rng.random() < 0.25:
        comment = rng.choice(COMMENTS_LATE)
    elif rng.random() < 0.015:
        comment = rng.choice(COMMENTS_GOOD if pct >= 85 else COMMENTS_LOW)
    return "fully graded", score, late, comment


def _grade(results: Iterable[tuple[Item, str, float | None]], when: dt.date, method: str,
           weights: dict[str, float], drops: dict[str, int]) -> float | None:
    """The running grade at ``when`` under the early-warning rules (issue 3), for checking
    storylines: scores dated on or before ``when``; exempt left out; missing counts 0."""
    cats: dict[str, list[tuple[float, float]]] = {}
    for it, status, score in results:
        if it.scored > when or status == "exempt":
            continue
        cats.setdefault(it.category, []).append((score or 0.0, it.max_points))
    if not cats:
        return None
    for cat, pairs in cats.items():
        k = drops.get(cat, 0)
        if k:
            pairs.sort(key=lambda p: p[0] / p[1])
            del pairs[:min(k, len(pairs) - 1)]
    if method == "points":
        got = sum(p[0] for pairs in cats.values() for p in pairs)
        return 100.0 * got / sum(p[1] for pairs in cats.values() for p in pairs)
    total = sum(weights[c] for c in cats)
    return sum(weights[c] * 100.0 * sum(p[0] for p in pairs) / sum(p[1] for p in pairs)
               for c, pairs in cats.items()) / total
