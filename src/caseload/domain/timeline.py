"""The grade timeline of one student's gradebook in one class: the grade after each distinct
effective date, with the scored and missing dates (``grading.timeline_facts``, whose module
holds the definitions). Here apart so ``grading`` stays readable; it knows no ``Gradebook``:
it is given the result kept for each line item and the resolved policy's figures."""

from __future__ import annotations

import datetime as dt
import math
from bisect import insort
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain
from math import fsum
from operator import itemgetter

from caseload.domain.records import LineItem, ScoreStatus

UNDATED = dt.date.min
"""The effective date of a result with no score, due or assign date: counts at every T."""

Timeline = tuple[tuple[dt.date, float | None], ...]
"""(effective date, grade after every result effective on or before it), ascending. The first
entry is at ``UNDATED`` when some results have no date."""


ItemFacts = tuple[dt.date, str | None, float]
"""What the timeline reads of a line item: the effective date of a result without a score date
(due date, else assign date, else ``UNDATED``), its category and its max points (``NO_MAX``,
NaN, when the source gave none: its results count toward no grade, see ``results_timeline``)."""

NO_MAX = math.nan
"""``ItemFacts``' max points of a line item without one (OneRoster's ``resultValueMax`` left
empty). A score out of an unknown maximum has no percentage: it is listed, and it is the
class's gradebook activity (a scored date), but it adds nothing to the points earned or
possible, as a maximum of 0 would (that is extra credit, which the source did not say)."""

GradedRow = tuple[str, str, float | None, ScoreStatus, dt.date | None, bool]
"""A result as the grade timeline reads it: (sourced id, line item id, score, status, score
date, flagged missing); the facts refresh reads results so, without making ``Result``s."""

TimelineFacts = tuple[Timeline, tuple[dt.date, ...], tuple[dt.date, ...]]
"""(timeline, scored dates, missing dates): ``grading.timeline_facts``'s."""
NO_FACTS: TimelineFacts = ((), (), ())



def item_facts(li: LineItem) -> ItemFacts:
    mx = li.max_points
    return (
        li.due_date or li.assign_date or UNDATED,
        li.category_id,
        float(mx) if mx is not None else NO_MAX,
    )


def results_timeline(
    item_of: Mapping[str, ItemFacts],
    results: Iterable[GradedRow],
    drops: Mapping[str | None, int],
    weights: Mapping[str | None, float],
    weighted: bool,
    missing_counts_as_zero: bool,
) -> tuple[Timeline, tuple[dt.date, ...], tuple[dt.date, ...]]:
    """``grading.timeline_facts`` from the result kept for each line item (one per line item
    of ``item_of``: ``item_facts`` of each), under a resolved policy's drop-lowest counts,
    weights and method (``weighted``: the weighted average applies)."""
    exempt, not_submitted = ScoreStatus.EXEMPT, ScoreStatus.NOT_SUBMITTED
    entries: list[tuple[dt.date, str | None, float, float, str]] = []
    scored: list[dt.date] = []
    missing: list[dt.date] = []
    for _rid, item_id, score, status, score_date, flagged in results:
        if status is exempt:
            continue
        default, category, mx = item_of[item_id]
        d = score_date or default
        if score is not None:
            score = float(score)
            if d != UNDATED:
                scored.append(d)
        elif flagged or status is not_submitted:
            missing.append(d)
            if not missing_counts_as_zero:
                continue
            score = 0.0
        else:
            continue
        if mx != mx:  # (NO_MAX: no maximum, no percentage; listed, counted in no grade)
            continue
        entries.append((d, category, score, mx, item_id))
    scored.sort()
    missing.sort()
    entries.sort(key=_entry_date)
    dropping = {cid for cid, n in drops.items() if n > 0}
    ordered: dict[str | None, list[tuple[float, dt.date, str, float, float]]] = {}
    scores: dict[str | None, list[float]] = defaultdict(list)
    maxes: dict[str | None, list[float]] = defaultdict(list)
    # per category after drops: earned and possible (``_combine``'s ``sums``), and for the
    # weighted average the weight and weight x percentage of those it counts
    earned_of: dict[str | None, float] = {}
    possible_of: dict[str | None, float] = {}
    weight_of: dict[str | None, float] = {}
    weighted_of: dict[str | None, float] = {}
    out: list[tuple[dt.date, float | None]] = []
    if not entries:
        return (), tuple(scored), tuple(missing)
    total = 0.0  # fsum(weight_of.values()): the weights change only as categories come in
    touched: set[str | None] = set()
    day = entries[0][0]
    end: list[tuple[dt.date | None, str | None, float, float, str]] = [_END]
    for when, cid, score, mx, item_id in chain(entries, end):
        if when != day:  # every entry of ``day`` is in: the categories it touched, the grade
            for c in touched:
                if c in dropping:
                    n = drops[c]
                    rows = ordered[c]
                    kept = rows[min(n, len(rows) - 1) :] if len(rows) > 1 else rows
                    earned, possible = fsum([r[3] for r in kept]), fsum([r[4] for r in kept])
                else:
                    earned, possible = fsum(scores[c]), fsum(maxes[c])
                earned_of[c] = earned
                possible_of[c] = possible
                if weighted:
                    w = weights.get(c, 0.0)
                    if possible > 0 and w > 0:
                        if c not in weight_of:
                            weight_of[c] = w
                            total = fsum(weight_of.values())
                        weighted_of[c] = w * (100.0 * earned / possible)
                    elif c in weight_of:
                        del weight_of[c], weighted_of[c]
                        total = fsum(weight_of.values())
            touched.clear()
            # ``_combine``, from the kept per-category figures (fsum: same floats, bit for bit)
            grade: float | None = None
            if total > 0:
                grade = fsum(weighted_of.values()) / total
            else:
                possible = fsum(possible_of.values())
                if possible > 0:
                    grade = 100.0 * fsum(earned_of.values()) / possible
            out.append((day, grade))
            if when is None:
                break
            day = when
        touched.add(cid)
        if cid in dropping:
            fraction = score / mx if mx > 0 else (math.inf if score > 0 else 1.0)
            insort(ordered.setdefault(cid, []), (fraction, day, item_id, score, mx))
        else:
            scores[cid].append(score)
            maxes[cid].append(mx)
    return tuple(out), tuple(scored), tuple(missing)


_entry_date = itemgetter(0)  # an entry's date
_END = (None, None, 0.0, 0.0, "")  # after the last entry: ends its date
