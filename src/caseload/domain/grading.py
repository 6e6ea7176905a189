"""Grades under each class's grading policy, weekly grades, the class drill-down and the what-if.

Definitions (issue 3). For student S in class C at time T, a result counts when its effective
date (the result's score date, else its line item's due date) is on or before T. Exempt results
are excluded. A result with status "not submitted" (or flagged missing) and no score counts as
0 (setting ``missing_counts_as_zero``, default on). Results with no score otherwise (submitted,
not yet graded) and line items with no result are excluded. Scores above the maximum count as
they are (extra credit).

* ``points``: 100 x sum(score) / sum(max points).
* ``weighted``: per category, 100 x sum(score) / sum(max) over its counted results; the grade is
  the weight-averaged category percentage over categories with at least one counted result
  (weights renormalized). Weights come from the class's grading policy, else the category's own
  weight.
* ``dropLowest`` N for a category drops that category's N lowest counted results by
  percentage, but always keeps at least one.
* Default policy when a class has none: ``weighted`` when every category used by the class's
  line items has a weight, else ``points``.
* Weekly grades: the running grade at the end of each ISO week (Monday to Sunday), from the
  first week in which the student has a counted result in the class (a week with no new result
  repeats the grade); only complete weeks (Sunday on or before D).

Corner cases the issue leaves open, resolved here:

* Effective date: score date, else due date, else the line item's assign date (Ed-Fi
  gradebook entries always have a DateAssigned but often no due date); a result with none of
  the three counts at every T and does not start the weekly series.
* Several results for one line item: the one with the latest score date (then sourced id) is
  the student's result.
* A line item without max points has max 0: its score is pure extra credit.
* ``weighted`` with categories lacking any weight: those categories weigh 0; when no category
  with a counted result has a weight, the grade falls back to points over the counted results.
  A category whose counted results have 0 possible points has no percentage and is left out.
* Ties when dropping: the lowest percentage, then the earliest effective date, then line item id.

The grade at every effective date (``grade_timeline``) does not depend on the as-of date, so the
store can materialize it; ``grade_on`` and ``weekly_grades`` read any as-of date from it.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import fsum

from caseload.domain.assignments import assignment_status
from caseload.domain.records import (
    Category,
    GradingMethod,
    GradingPolicy,
    LineItem,
    Result,
)
from caseload.domain.report import (
    AssignmentStatus,
    AssignmentView,
    CategoryBreakdown,
    WhatIf,
)
from caseload.domain.rounding import round_half_up
from caseload.domain.timeline import UNDATED as UNDATED
from caseload.domain.timeline import GradedRow as GradedRow
from caseload.domain.timeline import ItemFacts, item_facts, results_timeline
from caseload.domain.timeline import Timeline as Timeline

EPS = 1e-9
"""Float-noise guard for threshold comparisons (values are compared unrounded; this only keeps
e.g. 69.99999999999999, which is 70 in exact arithmetic, from counting as below 70)."""

WHAT_IF_MAX_EVALUATIONS = 2000
"""The exact what-if search stops after this many grade evaluations and keeps the greedy answer
(see ``what_if``)."""


Weekly = tuple[tuple[dt.date, float], ...]
"""(Sunday ending the week, grade at the end of it), ascending, complete weeks only."""


def below(value: float, threshold: float) -> bool:
    """``value < threshold`` with float noise ignored."""
    return value < threshold - EPS


def at_least(value: float, threshold: float) -> bool:
    """``value >= threshold`` with float noise ignored."""
    return value >= threshold - EPS


def effective_date(result: Result | None, item: LineItem) -> dt.date | None:
    """The result's score date, else the line item's due date, else its assign date."""
    if result is not None and result.score_date is not None:
        return result.score_date
    return item.due_date or item.assign_date


def week_end(day: dt.date) -> dt.date:
    """The Sunday ending ``day``'s ISO week."""
    return day + dt.timedelta(days=6 - day.weekday())


def last_complete_sunday(as_of: dt.date) -> dt.date:
    """The Sunday ending the last complete week on or before ``as_of`` (``as_of`` itself on a
    Sunday)."""
    return as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)


# --- Policy -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """The policy actually applied: method, weights by category and drop-lowest counts."""

    method: GradingMethod
    weights: Mapping[str | None, float]  # only categories that have a weight
    drop_lowest: Mapping[str | None, int]
    explicit: bool  # False: the class has no policy and this is the default


def resolve_policy(
    policy: GradingPolicy | None,
    categories: Iterable[Category],
    line_items: Iterable[LineItem],
) -> ResolvedPolicy:
    """The class's policy with weights filled in (policy weight, else the category's own).

    Without a policy: ``weighted`` when every category used by the class's line items has a
    weight (a line item with no category is a category without weight), else ``points``; no
    drop-lowest.
    """
    own = {c.sourced_id: c.weight for c in categories}
    used = {li.category_id for li in line_items}
    weights: dict[str | None, float] = {}
    for cid, w in own.items():
        if w is not None:
            weights[cid] = float(w)
    drops: dict[str | None, int] = {}
    if policy is not None:
        for pc in policy.categories:
            if pc.weight is not None:
                weights[pc.category_id] = float(pc.weight)
            if pc.drop_lowest > 0:
                drops[pc.category_id] = pc.drop_lowest
        return ResolvedPolicy(policy.method, weights, drops, True)
    weighted = bool(used) and all(cid is not None and own.get(cid) is not None for cid in used)
    return ResolvedPolicy(
        GradingMethod.WEIGHTED if weighted else GradingMethod.POINTS, weights, {}, False
    )


# --- The gradebook of one student in one class -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """A result that counts (exempt, ungraded and line-item-less results never become one)."""

    line_item_id: str
    category_id: str | None
    score: float
    max_points: float
    date: dt.date  # effective date; UNDATED when unknown

    @property
    def fraction(self) -> float:
        """score / max, for drop-lowest ordering (+inf for a pure extra-credit item)."""
        if self.max_points > 0:
            return self.score / self.max_points
        return math.inf if self.score > 0 else 1.0


@dataclass(frozen=True)
class Gradebook:
    """One student's gradebook in one class.

    ``results`` are the student's results; results for line items not in ``line_items`` are
    ignored. ``categories`` are the class's categories (titles and own weights); ``policy`` the
    class's grading policy, None for the default.
    """

    line_items: tuple[LineItem, ...]
    results: tuple[Result, ...] = ()
    categories: tuple[Category, ...] = ()
    policy: GradingPolicy | None = None
    resolved: ResolvedPolicy = field(init=False, repr=False, compare=False)
    items: dict[str, LineItem] = field(init=False, repr=False, compare=False)
    result_by_item: dict[str, Result] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        items = {li.sourced_id: li for li in self.line_items}
        by_item: dict[str, Result] = {}
        for r in self.results:
            if r.line_item_id not in items:
                continue
            prev = by_item.get(r.line_item_id)
            if prev is None or _result_key(r) > _result_key(prev):
                by_item[r.line_item_id] = r
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "result_by_item", by_item)
        object.__setattr__(
            self, "resolved", resolve_policy(self.policy, self.categories, self.line_items)
        )

    def effective(self, item_id: str) -> dt.date:
        """The effective date of the student's result for a line item (UNDATED when unknown)."""
        return effective_date(self.result_by_item.get(item_id), self.items[item_id]) or UNDATED

    def entries(self, missing_counts_as_zero: bool = True) -> list[Entry]:
        """Every result that counts at some time, with its effective date."""
        out: list[Entry] = []
        for item_id, r in self.result_by_item.items():
            if r.exempt:
                continue
            if r.score is not None:
                score = float(r.score)
            elif r.is_missing and missing_counts_as_zero:
                score = 0.0
            else:
                continue
            li = self.items[item_id]
            if li.max_points is None:  # no maximum: no percentage, in no grade (timeline.NO_MAX)
                continue
            out.append(Entry(item_id, li.category_id, score, float(li.max_points),
                             self.effective(item_id)))
        return out

    def missing(self, as_of: dt.date | None = None) -> list[tuple[str, dt.date]]:
        """(line item id, effective date) of missing results (not submitted or flagged missing,
        no score, not exempt) with effective date on or before ``as_of`` (None: all)."""
        out = []
        for item_id, r in self.result_by_item.items():
            if r.exempt or not r.is_missing:
                continue
            d = self.effective(item_id)
            if as_of is None or d <= as_of:
                out.append((item_id, d))
        return sorted(out, key=lambda p: (p[1], p[0]))

    def scored_dates(self) -> tuple[dt.date, ...]:
        """Sorted effective dates of the student's scored (non-exempt) results, undated left out."""
        return tuple(
            sorted(
                d
                for item_id, r in self.result_by_item.items()
                if r.score is not None
                and not r.exempt
                and (d := self.effective(item_id)) != UNDATED
            )
        )

    def category_title(self, category_id: str | None) -> str:
        for c in self.categories:
            if c.sourced_id == category_id:
                return c.title
        return "Uncategorized" if category_id is None else category_id


def _result_key(r: Result) -> tuple[dt.date, str]:
    return (r.score_date or UNDATED, r.sourced_id)


def _max(li: LineItem) -> float:
    return float(li.max_points) if li.max_points is not None else 0.0


# --- The computation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryCalc:
    category_id: str | None
    earned: float
    possible: float
    counted: int
    dropped: tuple[str, ...]  # line item ids

    @property
    def percent(self) -> float | None:
        return 100.0 * self.earned / self.possible if self.possible > 0 else None


@dataclass(frozen=True, slots=True)
class Computation:
    grade: float | None
    categories: dict[str | None, CategoryCalc]
    weighted: bool  # the weighted average applied (False: points, or weighted's fallback)
    shares: dict[str | None, float]  # renormalized weight (0..1) per category used


def compute(entries: Iterable[Entry], policy: ResolvedPolicy) -> Computation:
    """The grade over counted entries under a policy (drop-lowest applied).

    Sums are exact-rounded (``math.fsum``), so the result does not depend on the order of the
    entries: a grade computed from a timeline equals the one computed directly, to the bit.
    """
    groups: dict[str | None, list[Entry]] = defaultdict(list)
    for e in entries:
        groups[e.category_id].append(e)
    cats: dict[str | None, CategoryCalc] = {}
    for cid, es in groups.items():
        n = policy.drop_lowest.get(cid, 0)
        dropped: tuple[str, ...] = ()
        if n > 0 and len(es) > 1:
            es = sorted(es, key=lambda e: (e.fraction, e.date, e.line_item_id))
            k = min(n, len(es) - 1)
            dropped = tuple(e.line_item_id for e in es[:k])
            es = es[k:]
        cats[cid] = CategoryCalc(
            cid, fsum(e.score for e in es), fsum(e.max_points for e in es), len(es), dropped
        )
    grade, total = _combine({cid: (c.earned, c.possible) for cid, c in cats.items()}, policy)
    if total is None:
        return Computation(grade, cats, False, {})
    shares = {
        cid: (
            policy.weights.get(cid, 0.0) / total
            if c.percent is not None and policy.weights.get(cid, 0.0) > 0
            else 0.0
        )
        for cid, c in cats.items()
    }
    return Computation(grade, cats, True, shares)


def _combine(
    sums: Mapping[str | None, tuple[float, float]], policy: ResolvedPolicy
) -> tuple[float | None, float | None]:
    """The grade from per-category (earned, possible) after drops, and the total weight of the
    weighted average (None: the points formula applied). Shared by ``compute`` and the
    incremental ``grade_timeline`` so both give the same float, bit for bit.

    (Plain loops and ``fsum`` over lists: it runs once per effective date of every student's
    class in the facts refresh.)"""
    if policy.method is GradingMethod.WEIGHTED:
        weights = policy.weights
        ws: list[float] = []
        wps: list[float] = []
        for cid, (earned, possible) in sums.items():
            if possible > 0:
                w = weights.get(cid, 0.0)
                if w > 0:
                    ws.append(w)
                    wps.append(w * (100.0 * earned / possible))
        total = fsum(ws)
        if total > 0:
            return fsum(wps) / total, total
    earned = fsum([e for e, _ in sums.values()])
    possible = fsum([p for _, p in sums.values()])
    return (100.0 * earned / possible if possible > 0 else None), None


def grade_at(book: Gradebook, as_of: dt.date, missing_counts_as_zero: bool = True) -> float | None:
    """The unrounded grade at ``as_of``; None when nothing counts yet."""
    entries = [e for e in book.entries(missing_counts_as_zero) if e.date <= as_of]
    return compute(entries, book.resolved).grade


def grade_timeline(book: Gradebook, missing_counts_as_zero: bool = True) -> Timeline:
    """The grade after each distinct effective date (independent of the as-of date).

    Incremental: each category keeps its entries in drop order and only the categories that
    change on a date are summed again; the result equals ``grade_at`` at every date, to the bit.
    """
    return timeline_facts(book, missing_counts_as_zero)[0]


def timeline_facts(
    book: Gradebook, missing_counts_as_zero: bool = True
) -> tuple[Timeline, tuple[dt.date, ...], tuple[dt.date, ...]]:
    """``grade_timeline``, ``Gradebook.scored_dates()`` and the sorted dates of
    ``Gradebook.missing()``, in one pass over the student's results (the facts refresh runs
    this for every class of every student).

    The same entries as ``Gradebook.entries`` (as tuples), the same drop order and the same
    exact sums (``fsum`` is exactly rounded, so which list holds a category's values and in
    what order does not change a bit): equal to ``grade_at`` at every date, to the bit.
    Categories without drop-lowest only ever grow, so their scores and maximums are kept as
    plain lists; the others keep their entries in drop order (``insort``)."""
    policy = book.resolved
    items = book.items
    kept = book.result_by_item
    return results_timeline(
        {i: item_facts(items[i]) for i in kept},
        [(r.sourced_id, i, r.score, r.status, r.score_date, r.missing) for i, r in kept.items()],
        policy.drop_lowest,
        policy.weights,
        policy.method is GradingMethod.WEIGHTED,
        missing_counts_as_zero,
    )


@dataclass(frozen=True, slots=True)
class ClassBook:
    """What every student's gradebook in a class shares (``class_book``): its line items by
    id and its resolved policy, as ``Gradebook.items`` and ``Gradebook.resolved``."""

    items: Mapping[str, ItemFacts]  # timeline.item_facts of each line item, by id
    resolved: ResolvedPolicy


def class_book(
    line_items: tuple[LineItem, ...],
    categories: tuple[Category, ...],
    policy: GradingPolicy | None,
) -> ClassBook:
    return ClassBook(
        {li.sourced_id: item_facts(li) for li in line_items},
        resolve_policy(policy, categories, line_items),
    )


def timeline_facts_of_rows(
    book: ClassBook, rows: Iterable[GradedRow], missing_counts_as_zero: bool = True
) -> tuple[Timeline, tuple[dt.date, ...], tuple[dt.date, ...]]:
    """``timeline_facts`` of the gradebook of the class ``book`` whose results are ``rows``:
    the same result per line item as ``Gradebook`` keeps (results of other line items
    ignored; of several for one line item, the one with the latest score date, then sourced
    id) and the same computation, so the same floats."""
    items = book.items
    rows = rows if isinstance(rows, Sequence) else list(rows)
    ids = {row[1] for row in rows}
    kept: Iterable[GradedRow] = rows  # one result per line item of the class: all kept
    if len(ids) != len(rows) or not ids <= items.keys():
        by_item: dict[str, GradedRow] = {}
        for row in rows:
            item_id = row[1]
            if item_id not in items:
                continue
            prev = by_item.get(item_id)
            if prev is None or (row[4] or UNDATED, row[0]) > (prev[4] or UNDATED, prev[0]):
                by_item[item_id] = row
        kept = by_item.values()
    policy = book.resolved
    return results_timeline(
        items,
        kept,
        policy.drop_lowest,
        policy.weights,
        policy.method is GradingMethod.WEIGHTED,
        missing_counts_as_zero,
    )


def grade_on(timeline: Timeline, as_of: dt.date) -> float | None:
    """The grade at ``as_of`` read from a timeline."""
    i = bisect_right(timeline, as_of, key=lambda step: step[0])
    return timeline[i - 1][1] if i else None


def weekly_grades(timeline: Timeline, as_of: dt.date) -> Weekly:
    """The grade at the end of each complete ISO week, from the week of the first dated counted
    result to the last Sunday on or before ``as_of``; weeks without new results repeat the grade.
    """
    first = next((d for d, _ in timeline if d != UNDATED), None)
    if first is None:
        return ()
    last = last_complete_sunday(as_of)
    out: list[tuple[dt.date, float]] = []
    sunday = week_end(first)
    i = 0
    n = len(timeline)
    current: float | None = None
    week = _WEEK
    while sunday <= last:
        while i < n and timeline[i][0] <= sunday:
            current = timeline[i][1]
            i += 1
        if current is not None:
            out.append((sunday, current))
        sunday += week
    return tuple(out)


def weekly_series(timeline: Timeline) -> Weekly:
    """The as-of independent weekly series: every week from the first dated counted result to
    the week of the last one. Later weeks repeat the final grade, so ``weekly_as_of`` can read
    any as-of date from this; the store materializes it as (student, class, Sunday, grade) rows.
    """
    last = next((d for d, _ in reversed(timeline) if d != UNDATED), None)
    return weekly_grades(timeline, week_end(last)) if last is not None else ()


def weekly_as_of(
    series: Weekly,
    final: float | None,
    as_of: dt.date,
    days: Sequence[dt.date] | None = None,
) -> Weekly:
    """``weekly_grades(timeline, as_of)`` from ``weekly_series(timeline)`` and the final grade
    (``timeline[-1][1]``): a bisection and a slice, plus repeated weeks past the series' end.
    ``days``, when given, is the series' Sundays (saves building bisection keys)."""
    if not series:
        return ()
    last = last_complete_sunday(as_of)
    keys: Sequence[dt.date] = days if days is not None else [w[0] for w in series]
    i = bisect_right(keys, last)
    if i < len(series) or final is None:
        return series[:i]
    sunday = series[-1][0] + _WEEK
    if sunday > last:
        return series
    tail = []
    while sunday <= last:
        tail.append((sunday, final))
        sunday += _WEEK
    return (*series, *tail)


_WEEK = dt.timedelta(days=7)


# --- The class drill-down ------------------------------------------------------------------


def _category_order(book: Gradebook) -> list[str | None]:
    """Categories used by the line items or named by the policy: weight desc, then title."""
    ids: list[str | None] = []
    for li in book.line_items:
        if li.category_id not in ids:
            ids.append(li.category_id)
    if book.policy is not None:
        for pc in book.policy.categories:
            if pc.category_id not in ids:
                ids.append(pc.category_id)
    w = book.resolved.weights
    return sorted(ids, key=lambda c: (-w.get(c, 0.0), book.category_title(c).casefold()))


def category_breakdown(
    book: Gradebook, as_of: dt.date, missing_counts_as_zero: bool = True
) -> tuple[CategoryBreakdown, ...]:
    """The grade by category at ``as_of``. ``weight`` is the category's renormalized share in
    percent of the weighted grade (0 for a category with no counted result yet), None when the
    grade is a points grade."""
    entries = [e for e in book.entries(missing_counts_as_zero) if e.date <= as_of]
    comp = compute(entries, book.resolved)
    out = []
    for cid in _category_order(book):
        c = comp.categories.get(cid)
        out.append(
            CategoryBreakdown(
                category_id=cid,
                title=book.category_title(cid),
                weight=100.0 * comp.shares.get(cid, 0.0) if comp.weighted else None,
                percent=c.percent if c else None,
                earned=c.earned if c else 0.0,
                possible=c.possible if c else 0.0,
                counted=c.counted if c else 0,
                dropped=len(c.dropped) if c else 0,
            )
        )
    return tuple(out)


def _marked(r: Result | None, li: LineItem, as_of: dt.date) -> bool:
    """A result marked missing or not submitted, known at ``as_of`` (its effective date on or
    before it): what ``ClassMetrics.missing`` counts."""
    if r is None or not r.is_missing:
        return False
    when = r.score_date or li.due_date or li.assign_date
    return when is None or when <= as_of


def assignment_views(
    book: Gradebook, as_of: dt.date, missing_counts_as_zero: bool = True
) -> tuple[AssignmentView, ...]:
    """Every line item of the class as the student sees it at ``as_of``.

    ``status`` starts with the primary status (``assignments.assignment_status``: the one
    vocabulary of the class screen and the exports), then DROPPED when drop-lowest drops it. A
    missing result counted as 0 (the policy) shows percent 0; past-due work with no result at
    all is missing but, having no result, is not in the grade (percent None).
    """
    entries = [e for e in book.entries(missing_counts_as_zero) if e.date <= as_of]
    comp = compute(entries, book.resolved)
    dropped = {i for c in comp.categories.values() for i in c.dropped}
    titles = {c.sourced_id: c.title for c in book.categories}
    views = []
    for li in book.line_items:
        r = book.result_by_item.get(li.sourced_id)
        mx = li.max_points
        score: float | None = None
        percent: float | None = None
        primary = assignment_status(li, r, as_of)
        status: list[AssignmentStatus] = [primary]
        if r is not None and primary in (AssignmentStatus.SCORED, AssignmentStatus.LATE):
            if r.score is not None:
                score = float(r.score)
                percent = 100.0 * score / mx if mx else None
        elif (primary is AssignmentStatus.MISSING and r is not None and r.is_missing
              and missing_counts_as_zero):
            percent = 0.0
        if li.sourced_id in dropped:
            status.append(AssignmentStatus.DROPPED)
        views.append(
            AssignmentView(
                line_item_id=li.sourced_id,
                due_date=li.due_date,
                category=titles.get(li.category_id) if li.category_id else None,
                title=li.title,
                score=score,
                max_points=mx,
                percent=percent,
                status=tuple(status),
                comment=r.comment if r is not None else None,
                unrecorded=primary is AssignmentStatus.MISSING and not _marked(r, li, as_of),
            )
        )
    far = dt.date.max
    views.sort(
        key=lambda v: (
            v.due_date or book.items[v.line_item_id].assign_date or far,
            v.title.casefold(),
            v.line_item_id,
        )
    )
    return tuple(views)


def format_percent(value: float) -> str:
    """A percentage without decimals unless needed: 50 -> "50%", 33.333 -> "33.3%" (one
    decimal, half up: 46.25 -> "46.3%")."""
    r = round_half_up(value)
    return f"{r:.0f}%" if r == int(r) else f"{r:.1f}%"


def policy_text(book: Gradebook) -> str:
    """The policy in words: "weighted: Tests 50%, Homework 30%, Classwork 20%; drop lowest 1
    homework". Percentages are renormalized over the weighted categories the class uses or the
    policy names."""
    pol = book.resolved
    parts = [pol.method.value]
    if pol.method is GradingMethod.WEIGHTED:
        cats = [c for c in _category_order(book) if pol.weights.get(c, 0.0) > 0]
        total = sum(pol.weights[c] for c in cats)
        if cats:
            parts[0] += ": " + ", ".join(
                f"{book.category_title(c)} {format_percent(100.0 * pol.weights[c] / total)}"
                for c in cats
            )
    drops = [
        f"{n} {book.category_title(c).casefold()}"
        for c in _category_order(book)
        if (n := pol.drop_lowest.get(c, 0)) > 0
    ]
    if drops:
        parts.append("drop lowest " + ", ".join(drops))
    return "; ".join(parts)


# --- What-if -------------------------------------------------------------------------------


def what_if(
    book: Gradebook,
    as_of: dt.date,
    missing_counts_as_zero: bool = True,
    target: float = 70.0,
    max_evaluations: int = WHAT_IF_MAX_EVALUATIONS,
) -> WhatIf:
    """The grade if every missing assignment (effective date on or before ``as_of``) were turned
    in at full marks, and the fewest of them that lift a grade below ``target`` to ``target`` or
    more.

    The answer is exact:

    * When turning work in lifts the grade additively (no drop-lowest in a category with
      missing work, and missing work already counts as 0 or the grade is a points grade), taking
      the biggest single lifts first is optimal, so that is the answer (linear time).
    * Otherwise (drop-lowest, or a weighted grade that leaves missing work out) greedy is not
      always optimal (e.g. turning in two quizzes drops a bad one, which neither does alone), so
      a greedy pass bounds the size and every subset of each smaller size is tried, in
      increasing size. After ``max_evaluations`` grade evaluations the search stops and the
      greedy answer stands (only with dozens of missing items; possibly an item more than the
      minimum).

    The chosen ids are ordered by how much each alone would lift the grade (most first), then
    effective date. ``fewest_to_70`` is () when the grade is already at the target (or nothing
    counts and nothing is missing), None when even all missing work can't reach it.
    """
    now_entries = [e for e in book.entries(missing_counts_as_zero) if e.date <= as_of]
    grade_now = compute(now_entries, book.resolved).grade
    due = dict(book.missing(as_of))
    missing_ids = [i for i in due if _max(book.items[i]) > 0]
    missing_set = set(missing_ids)
    base = [e for e in now_entries if e.line_item_id not in missing_set]
    zeros = {e.line_item_id: e for e in now_entries if e.line_item_id in missing_set}
    full = {
        i: Entry(
            i,
            book.items[i].category_id,
            _max(book.items[i]),
            _max(book.items[i]),
            book.effective(i),
        )
        for i in missing_ids
    }

    def grade_with(ids: Iterable[str]) -> float | None:
        chosen = set(ids)
        entries = list(base)
        for i in missing_ids:
            if i in chosen:
                entries.append(full[i])
            elif i in zeros:
                entries.append(zeros[i])
        return compute(entries, book.resolved).grade

    all_in = grade_with(missing_ids) if missing_ids else grade_now
    if grade_now is not None and at_least(grade_now, target):
        return WhatIf(grade_now, all_in, ())
    if not missing_ids:
        return WhatIf(grade_now, all_in, () if grade_now is None else None)

    def reaches(g: float | None) -> bool:
        return g is not None and at_least(g, target)

    alone = {i: grade_with([i]) for i in missing_ids}

    def gain_order(ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=lambda i: (-(alone[i] or 0.0), due[i], i)))

    drops = book.resolved.drop_lowest
    additive = not any(drops.get(book.items[i].category_id, 0) > 0 for i in missing_ids) and (
        missing_counts_as_zero or book.resolved.method is GradingMethod.POINTS
    )
    if additive:
        order = gain_order(missing_ids)
        for k in range(1, len(order) + 1):
            if reaches(grade_with(order[:k])):
                return WhatIf(grade_now, all_in, order[:k])
        return WhatIf(grade_now, all_in, None)

    # Greedy upper bound.
    greedy: list[str] = []
    left = list(missing_ids)
    g: float | None = grade_now
    evaluations = len(missing_ids)
    while left and not reaches(g):
        scored = [(grade_with([*greedy, i]), i) for i in left]
        evaluations += len(left)
        best_g, best_i = max(scored, key=lambda p: (-math.inf if p[0] is None else p[0], p[1]))
        greedy.append(best_i)
        left.remove(best_i)
        g = best_g
    greedy_ok = reaches(g)
    limit = len(greedy) - 1 if greedy_ok else len(missing_ids)
    for size in range(1, limit + 1):
        for combo in combinations(missing_ids, size):
            evaluations += 1
            if evaluations > max_evaluations:
                return WhatIf(grade_now, all_in, gain_order(greedy) if greedy_ok else None)
            if reaches(alone[combo[0]] if size == 1 else grade_with(combo)):
                return WhatIf(grade_now, all_in, gain_order(combo))
    return WhatIf(grade_now, all_in, gain_order(greedy) if greedy_ok else None)


def missing_count(missing_dates: Sequence[dt.date], as_of: dt.date) -> int:
    """Missing results with effective date on or before ``as_of`` (from sorted dates)."""
    return bisect_right(missing_dates, as_of)


def last_on_or_before(sorted_dates: Sequence[dt.date], as_of: dt.date) -> dt.date | None:
    """The latest date on or before ``as_of`` in a sorted sequence."""
    i = bisect_right(sorted_dates, as_of)
    return sorted_dates[i - 1] if i else None
