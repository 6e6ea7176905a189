"""``timeline.results_timeline`` for many gradebooks at once, with numpy (the full facts
refresh computes about 30,000 of them per 5,000 students: the per-result Python loop was a
third of its time).

Same floats, bit for bit. ``results_timeline`` sums with ``math.fsum`` (exactly rounded);
here:

- a category's earned and possible points (after drop-lowest) are running sums. They are
  exact, so equal to ``fsum``'s, when every score and maximum of the gradebook is a multiple
  of 2**-10 below 2**20 in size (whole and half points are): then every partial sum is a
  float64 with no rounding. A gradebook with another score (8.33 of 10), or with two
  results for one line item, is left to ``grading.timeline_facts_of_rows`` (``exact_enough``,
  ``batch_arrays``).
- the weighted average's two sums (the weights, and weight x percentage, a few categories
  each, not exact in binary) are summed with an error-free transformation (``exact_sums``):
  the sum and its rounding errors are kept apart; when the errors add up exactly, the
  hardware's rounding of sum + errors (ties to even) is fsum's, and otherwise a sum whose
  rounding could be in doubt (near a midpoint, a power of two, cancellation) goes to
  ``math.fsum``.
- percentages, the weighted terms and the quotients are the same IEEE operations in the same
  order as ``results_timeline``'s; ``weekly_points`` is ``grading.weekly_series``.

The refresh takes the arrays as they are (``batch_arrays``; ``store.result_columns`` packs
them into the facts tables); ``timelines`` and ``batch_facts`` give ``TimelineFacts``. The
tests check them against ``timeline_facts_of_rows`` on generated gradebooks (hypothesis),
and the refresh's tables against the pure path on the sample school, both backends."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caseload.domain.grading import ClassBook, timeline_facts_of_rows
from caseload.domain.records import GradingMethod, ScoreStatus
from caseload.domain.timeline import UNDATED, GradedRow, Timeline, TimelineFacts


class Job:
    """One gradebook: ``grading.timeline_facts_of_rows``'s arguments but the setting (one
    for the whole batch): the class's book and the student's shown results in the class,
    which may hold results of other line items or several of one (such a job is left to
    ``timeline_facts_of_rows`` itself)."""

    __slots__ = ("book", "rows")

    def __init__(self, book: ClassBook, rows: Sequence[GradedRow]) -> None:
        self.book = book
        self.rows = rows


_GRAIN = 1024.0  # 2**10: scores and maxima are multiples of 1/_GRAIN ...
_BOUND = 2.0**20  # ... and smaller than this in size: running sums stay exact


class _Ordinals(dict[dt.date | None, int]):
    """Day ordinals by date (0 for None), and the dates back by ordinal (``date_of``)."""

    def __init__(self) -> None:
        super().__init__({None: 0})
        self.date_of: dict[int, dt.date] = {}

    def __missing__(self, day: dt.date) -> int:
        o = self[day] = day.toordinal()
        self.date_of[o] = day
        return o


class Books:
    """What the batches of one refresh know of the class books they met, kept by the
    caller across batches (a reader's books live as long): every line item of a book as a
    row of arrays (its book, effective day when the result has no score date, category
    group, max points, rank in id order) and each book's categories (drop-lowest count and
    weight). Books are held here, so their ``id`` stays theirs."""

    def __init__(self) -> None:
        self.held: dict[int, tuple[ClassBook, int]] = {}  # by id: (the book, its number)
        self.shared: set[int] = set()  # books with a line item id an earlier book has
        self.names: list[str] = []  # by book number
        self.index: dict[str, int] = {}  # line item id -> its row (ids are unique)
        self.book: list[int] = []
        self.day: list[int] = []
        self.cat: list[int] = []
        self.max: list[float] = []
        self.rank: list[int] = []
        self.cat_drop: list[int] = []
        self.cat_weight: list[float] = []
        self.ordinal = _Ordinals()
        self.arrays: tuple[NDArray[Any], ...] | None = None

    def number(self, book: ClassBook, name: str = "") -> tuple[int, bool]:
        """The number of ``book`` (added on first sight, its line items and its policy's
        drop-lowest counts and weights, and ``name``: ``names[number]``) and whether its
        weighted average applies."""
        got = self.held.get(id(book))
        if got is not None:
            return got[1], got[0].resolved.method is GradingMethod.WEIGHTED
        item_of = book.items
        drops, weights = book.resolved.drop_lowest, book.resolved.weights
        no = len(self.held)
        self.held[id(book)] = (book, no)
        self.names.append(name)
        cats: dict[str | None, int] = {}
        ordinal = self.ordinal
        ids = sorted(item_of)
        facts = list(map(item_of.__getitem__, ids))
        of_cat = []
        for _default, category, _mx in facts:  # each category numbered as it first comes
            c = cats.get(category)
            if c is None:
                c = cats[category] = len(self.cat_drop)
                self.cat_drop.append(drops.get(category, 0))
                self.cat_weight.append(weights.get(category, 0.0))
            of_cat.append(c)
        index = self.index
        if not index.keys().isdisjoint(ids):  # one line item in two books (not from one
            self.shared.add(no)  # store): this book's jobs are computed from their rows
            kept: Sequence[int] = [k for k, item_id in enumerate(ids) if item_id not in index]
        else:
            kept = range(len(ids))
        start = len(self.book)
        index.update(zip(map(ids.__getitem__, kept), range(start, start + len(kept)), strict=True))
        self.book.extend(repeat(no, len(kept)))
        self.day.extend(ordinal[facts[k][0]] for k in kept)
        self.cat.extend(map(of_cat.__getitem__, kept))
        self.max.extend(facts[k][2] for k in kept)
        self.rank.extend(kept)
        self.arrays = None
        return no, book.resolved.method is GradingMethod.WEIGHTED

    def as_arrays(self) -> tuple[NDArray[Any], ...]:
        if self.arrays is None:
            self.arrays = (
                np.array(self.book, dtype=np.int64), np.array(self.day, dtype=np.int64),
                np.array(self.cat, dtype=np.int64), np.array(self.max, dtype=np.float64),
                np.array(self.rank, dtype=np.int64), np.array(self.cat_drop, dtype=np.int64),
                np.array(self.cat_weight, dtype=np.float64),
            )
        return self.arrays


STATUS_CODE = {s: k for k, s in enumerate(ScoreStatus)}
"""A status's code in ``Columns.status``."""
_EXEMPT = STATUS_CODE[ScoreStatus.EXEMPT]
_NOT_SUBMITTED = STATUS_CODE[ScoreStatus.NOT_SUBMITTED]
_UNDATED = UNDATED.toordinal()


def timelines(
    jobs: Sequence[Job], missing_counts_as_zero: bool = True, books: Books | None = None
) -> list[TimelineFacts]:
    """``timeline_facts_of_rows`` of each job (the same timelines, scored and missing
    dates, bit for bit). ``books``: what earlier batches learnt of the class books (pass
    one ``Books`` to every batch of a refresh)."""
    books = Books() if books is None else books
    nos, weighted = zip(*map(books.number, (job.book for job in jobs)), strict=True) if jobs \
        else ((), ())
    counts = np.fromiter(map(len, (job.rows for job in jobs)), dtype=np.int64, count=len(jobs))
    n = int(counts.sum())
    if n:
        _rid, item_ids, scores, statuses, dates, flagged = zip(
            *chain.from_iterable(job.rows for job in jobs), strict=True
        )
    else:
        item_ids = scores = statuses = dates = flagged = ()
    ordinal = books.ordinal
    columns = Columns(
        job=np.repeat(np.arange(len(jobs)), counts),
        item=np.fromiter(map(books.index.get, item_ids, repeat(-1)), dtype=np.int64, count=n),
        score=np.array(scores, dtype=np.float64),
        status=np.fromiter(map(STATUS_CODE.__getitem__, statuses), dtype=np.int64, count=n),
        day=np.fromiter(map(ordinal.__getitem__, dates), dtype=np.int64, count=n),
        missing=np.fromiter(flagged, dtype=bool, count=n),
    )
    got, slow = batch_facts(books, nos, weighted, columns, missing_counts_as_zero)
    for j in slow:
        got[j] = timeline_facts_of_rows(jobs[j].book, jobs[j].rows, missing_counts_as_zero)
    return [got[j] for j in range(len(jobs))]


class Columns:
    """Results as columns, one row per result: its job (gradebook), its line item (row in
    ``Books``, -1 for one not there), score (NaN: none; scores are finite, the sources
    refuse others), status (``STATUS_CODE``; -1: not known here), score date (day ordinal,
    0 for none) and whether it is flagged missing."""

    __slots__ = ("day", "item", "job", "missing", "score", "status")

    def __init__(self, *, job: NDArray[np.int64], item: NDArray[np.int64],
                 score: NDArray[np.float64], status: NDArray[np.int64], day: NDArray[np.int64],
                 missing: NDArray[np.bool_]) -> None:
        self.job, self.item, self.score = job, item, score
        self.status, self.day, self.missing = status, day, missing


class Arrays:
    """``batch_arrays``'s answer, as arrays: the jobs left to the rows (``slow``); each other
    job's scored and missing days (``scored``, ``missing``: (job, day ordinal) ascending,
    repeats kept) and its timeline's points (``points``: job, day ordinal, grade with NaN for
    None; in job then day order); ``date_of``: the date of every ordinal in them."""

    __slots__ = ("date_of", "missing", "points", "scored", "slow")

    def __init__(self, slow: set[int], scored: tuple[NDArray[np.int64], NDArray[np.int64]],
                 missing: tuple[NDArray[np.int64], NDArray[np.int64]],
                 points: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
                 date_of: Mapping[int, dt.date]) -> None:
        self.slow, self.scored, self.missing = slow, scored, missing
        self.points, self.date_of = points, date_of


def batch_facts(
    books: Books,
    nos: Sequence[int],
    weighted: Sequence[bool],
    columns: Columns,
    missing_counts_as_zero: bool,
) -> tuple[dict[int, TimelineFacts], set[int]]:
    """The timeline facts of jobs ``0 .. len(nos) - 1`` and the jobs left to
    ``timeline_facts_of_rows`` (``batch_arrays``)."""
    got = batch_arrays(books, nos, weighted, columns, missing_counts_as_zero)
    date_of = got.date_of
    empty: tuple[dt.date, ...] = ()
    scored_of = _dates_by_job(*got.scored, date_of)
    missing_of = _dates_by_job(*got.missing, date_of)
    timeline_of: dict[int, Timeline] = {}
    p_job, p_day, p_grade = got.points
    grades: list[float | None] = p_grade.tolist()
    for i in np.flatnonzero(np.isnan(p_grade)).tolist():
        grades[i] = None
    when = list(map(date_of.__getitem__, p_day.tolist()))
    for j, a, b in runs(p_job):
        timeline_of[j] = tuple(zip(when[a:b], grades[a:b], strict=True))
    out: dict[int, TimelineFacts] = {}
    for j in range(len(nos)):
        if j not in got.slow:
            out[j] = (timeline_of.get(j, ()), scored_of.get(j, empty), missing_of.get(j, empty))
    return out, got.slow


def batch_arrays(
    books: Books,
    nos: Sequence[int],
    weighted: Sequence[bool],
    columns: Columns,
    missing_counts_as_zero: bool,
) -> Arrays:
    """The timeline facts of jobs ``0 .. len(nos) - 1`` (``nos``: each job's book number,
    ``weighted``: whether its policy's weighted average applies) from their results'
    ``columns``, as arrays; and the jobs left to ``timeline_facts_of_rows``: those with a
    result of a line item not in their book or several results of one line item (which is
    kept is decided on the rows), an unknown status, or a score or maximum
    ``exact_enough`` refuses."""
    it_book, it_day, it_cat, it_max, it_rank, cat_drop, cat_weight = books.as_arrays()
    job, item, score = columns.job, columns.item, columns.score
    status, sday, flag = columns.status, columns.day, columns.missing
    n = len(job)
    date_of = books.ordinal.date_of
    date_of.setdefault(_UNDATED, UNDATED)
    none = np.zeros(0, dtype=np.int64)
    if not n or not len(it_book):  # (no line item in any book: every result is foreign)
        return Arrays(set(range(len(nos))) if n else set(), (none, none), (none, none),
                      (none, none, np.zeros(0, dtype=np.float64)), date_of)
    known = item >= 0
    safe_item = np.where(known, item, 0)
    own = known & (it_book[safe_item] == np.asarray(nos, dtype=np.int64)[job])
    order = lexsort2(item, job)
    twice = np.zeros(n, dtype=bool)
    same = (job[order][1:] == job[order][:-1]) & (item[order][1:] == item[order][:-1])
    twice[order[1:][same]] = True
    mx = it_max[safe_item]
    odd = (
        ~own | twice | (status < 0)
        | ~exact_enough(np.where(np.isnan(score), 0.0, score))
        | ~exact_enough(np.where(np.isnan(mx), 0.0, mx))  # (NaN: timeline.NO_MAX)
    )
    slow: set[int] = set(job[odd].tolist()) if odd.any() else set()
    slow.update(j for j, no in enumerate(nos) if no in books.shared)
    if slow:
        keep = ~np.isin(job, np.fromiter(slow, dtype=np.int64, count=len(slow)))
        job, item, score, mx = job[keep], item[keep], score[keep], mx[keep]
        status, sday, flag = status[keep], sday[keep], flag[keep]
    counted = status != _EXEMPT
    day = np.where(sday > 0, sday, it_day[item])
    has_score = ~np.isnan(score)
    scored = counted & has_score & (day != _UNDATED)
    missing = counted & ~has_score & (flag | (status == _NOT_SUBMITTED))
    entry = (  # (a line item without a maximum, timeline.NO_MAX: in no grade)
        counted & (has_score | (missing if missing_counts_as_zero else False)) & ~np.isnan(mx)
    )
    if entry.any():
        e_item = item[entry]
        points = _grades(
            job[entry], day[entry], it_cat[e_item], np.where(has_score, score, 0.0)[entry],
            mx[entry], it_rank[e_item], cat_drop, cat_weight,
            np.asarray(weighted, dtype=bool),
        )
    else:
        points = (none, none, np.zeros(0, dtype=np.float64))
    return Arrays(slow, _by_job(job[scored], day[scored]), _by_job(job[missing], day[missing]),
                  points, date_of)


def _by_job(job: NDArray[np.int64], day: NDArray[np.int64]
            ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    order = lexsort2(day, job)
    return job[order], day[order]


def weekly_points(
    p_job: NDArray[np.int64], p_day: NDArray[np.int64], p_grade: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """``grading.weekly_series`` of each timeline in ``points`` (job, Sunday ordinal, grade;
    in job then Sunday order): every Sunday from the week of a job's first dated point to
    the week of its last, the grade of its last point on or before it, where not None."""
    none = np.zeros(0, dtype=np.int64)
    dated = p_day != _UNDATED
    if not dated.any():
        return none, none, np.zeros(0, dtype=np.float64)
    d_job, d_day = p_job[dated], p_day[dated]
    starts = np.flatnonzero(new_runs(d_job))
    ends = np.r_[starts[1:], len(d_job)] - 1
    jobs = d_job[starts]
    first = _week_end(d_day[starts])
    weeks = (_week_end(d_day[ends]) - first) // 7 + 1
    w_job = np.repeat(jobs, weeks)
    w_day = np.repeat(first, weeks) + 7 * (
        np.arange(int(weeks.sum())) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    )
    span = int(max(int(p_day.max()), int(w_day.max()))) + 1
    at = np.searchsorted(p_job * span + p_day, w_job * span + w_day, side="right") - 1
    grade = p_grade[at]  # (a job's first dated point is on or before its first Sunday)
    keep = ~np.isnan(grade)
    return w_job[keep], w_day[keep], grade[keep]


def _week_end(ordinal: NDArray[np.int64]) -> NDArray[np.int64]:
    """``grading.week_end`` of day ordinals (ordinal 1 is a Monday)."""
    return ordinal + 6 - (ordinal + 6) % 7


def new_runs(keys: NDArray[Any]) -> NDArray[np.bool_]:
    """True where a run of equal ``keys`` starts (the first key, and each that differs from
    the one before)."""
    if not len(keys):
        return np.zeros(0, dtype=bool)
    starts: NDArray[np.bool_] = np.r_[True, keys[1:] != keys[:-1]]
    return starts


def lexsort2(minor: NDArray[np.int64], major: NDArray[np.int64]) -> NDArray[np.intp]:
    """``np.lexsort((minor, major))``: the same permutation (stable: ties keep their order),
    made by one stable sort of the combined key ``major * span + minor`` where that fits in
    an int64 (else by ``np.lexsort``). Our rows arrive nearly in ``major`` order, and
    ``lexsort``'s first pass sorts by ``minor`` alone: at 57,000 rows, 4.6-7 ms against
    0.6 ms."""
    if not len(major):
        return np.zeros(0, dtype=np.intp)
    lo_minor, hi_minor = int(minor.min()), int(minor.max())
    lo_major, hi_major = int(major.min()), int(major.max())
    span = hi_minor - lo_minor + 1
    if (hi_major - lo_major + 1) * span >= 2**62:
        return np.lexsort((minor, major))
    key = (major - lo_major) * span + (minor - lo_minor)
    order: NDArray[np.intp] = np.argsort(key, kind="stable")
    return order


def distinct(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values, ascending (``np.unique``, which hashes: ten times slower here)."""
    ordered = np.sort(values)
    return ordered[new_runs(ordered)]


def distinct_inverse(values: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """``distinct(values)`` and where each value is in it (``np.unique``'s inverse)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = new_runs(ordered)
    inverse = np.empty(len(values), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def runs(keys: NDArray[np.int64]) -> Iterator[tuple[int, int, int]]:
    """(key, start, end) of each run of equal ``keys``."""
    starts = np.flatnonzero(new_runs(keys)).tolist()
    ends = [*starts[1:], len(keys)] if starts else []
    return zip(keys[starts].tolist(), starts, ends, strict=True)


def _dates_by_job(
    job: NDArray[np.int64], day: NDArray[np.int64], date_of: Mapping[int, dt.date]
) -> dict[int, tuple[dt.date, ...]]:
    """Each job's days as dates, from (job, day) pairs in that order (``_by_job``'s)."""
    when = list(map(date_of.__getitem__, day.tolist()))
    return {j: tuple(when[a:b]) for j, a, b in runs(job)}


def exact_enough(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether each value is a multiple of 2**-10 smaller than 2**20 in size, and not -0.0
    (``fsum`` of such values equals a plain running sum, bit for bit)."""
    scaled = values * _GRAIN
    ok: NDArray[np.bool_] = (
        (np.abs(values) < _BOUND)
        & (np.floor(scaled) == scaled)
        & ~((values == 0) & np.signbit(values))
    )
    return ok


def _grades(
    job: NDArray[np.int64],
    day: NDArray[np.int64],
    cat: NDArray[np.int64],
    score: NDArray[np.float64],
    mx: NDArray[np.float64],
    item_rank: NDArray[np.int64],
    cat_drop: NDArray[np.int64],
    cat_weight: NDArray[np.float64],
    weighted: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(job, day ordinal, grade: NaN for None) of every timeline point, in job then day
    order, from the entries (one per counted result: its job, effective day, category of
    its book, score, max points and line item rank; by category, the drop-lowest count
    and weight; by job, whether the weighted average applies)."""
    # a group: one job's entries in one category (groups are numbered in job order)
    # each category group's entries in date order, its running earned and possible points
    cats = len(cat_drop)
    key = job * cats + cat
    order = lexsort2(day, key)
    key, day, score, mx = key[order], day[order], score[order], mx[order]
    item_rank = item_rank[order]
    n = len(key)
    first = new_runs(key)
    starts = np.flatnonzero(first)
    grp = np.cumsum(first) - 1
    groups = key[starts]
    g_job, g_cat = groups // cats, groups % cats
    g_drop, g_weight = cat_drop[g_cat], cat_weight[g_cat]
    lengths = np.diff(np.r_[starts, n])
    earned = _running(score, starts, lengths)
    possible = _running(mx, starts, lengths)
    drops = g_drop[grp]
    sub = np.flatnonzero(drops > 0)  # the entries of drop-lowest groups (whole groups)
    if len(sub):
        s_grp = grp[sub]
        s_starts = np.flatnonzero(new_runs(s_grp))
        drop_e, drop_p = _dropped(
            s_grp, day[sub], score[sub], mx[sub], item_rank[sub], drops[sub], s_starts,
            np.diff(np.r_[s_starts, len(sub)]),
        )
        earned[sub] -= drop_e
        possible[sub] -= drop_p
    earned = earned + 0.0  # (no -0.0: fsum gives 0.0)
    possible = possible + 0.0
    # the state of each group at the end of each of its days
    last = np.r_[(grp[1:] != grp[:-1]) | (day[1:] != day[:-1]), True]
    r_grp, r_day, r_e, r_p = grp[last], day[last], earned[last], possible[last]
    # the timeline's points: each job's distinct days
    span = int(day.max()) + 2
    jday = distinct(g_job[r_grp] * span + r_day)
    p_job, p_day = jday // span, jday % span
    # every (point, group of its job) pair; a group not started by the point's day is absent
    g_first = np.searchsorted(g_job, p_job, side="left")
    g_count = np.searchsorted(g_job, p_job, side="right") - g_first
    pair_point = np.repeat(np.arange(len(p_job)), g_count)
    pair_grp = np.repeat(g_first, g_count) + (
        np.arange(len(pair_point)) - np.repeat(np.cumsum(g_count) - g_count, g_count)
    )
    keys = r_grp * span + r_day
    at = np.searchsorted(keys, pair_grp * span + p_day[pair_point], side="right") - 1
    present = (at >= 0) & (r_grp[np.maximum(at, 0)] == pair_grp)
    pair_point, pair_grp, at = pair_point[present], pair_grp[present], at[present]
    e, p = r_e[at], r_p[at]
    points = len(p_job)
    # the points formula: all categories' earned and possible points (exact sums)
    sum_e = np.bincount(pair_point, weights=e, minlength=points)
    sum_p = np.bincount(pair_point, weights=p, minlength=points)
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.where(sum_p > 0, 100.0 * sum_e / sum_p, np.nan)
        # the weighted average of the categories with points possible and a weight
        w = g_weight[pair_grp]
        counted = weighted[p_job[pair_point]] & (p > 0) & (w > 0)
        if counted.any():
            c_point = pair_point[counted]
            c_w = w[counted]
            c_wp = c_w * (100.0 * e[counted] / p[counted])
            total, wsum = exact_sums_of(c_point, (c_w, c_wp), points)
            grade = np.where(total > 0, wsum / total, grade)
    return p_job, p_day, grade


def _running(values: NDArray[np.float64], starts: NDArray[np.intp],
             lengths: NDArray[np.intp]) -> NDArray[np.float64]:
    """The running sum of ``values`` within each group (exact: see ``exact_enough``)."""
    total = np.cumsum(values)
    before = np.r_[0.0, total][starts]
    running: NDArray[np.float64] = total - np.repeat(before, lengths)
    return running


def _dropped(
    grp: NDArray[np.int64],
    day: NDArray[np.int64],
    score: NDArray[np.float64],
    mx: NDArray[np.float64],
    item_rank: NDArray[np.int64],
    drops: NDArray[np.int64],
    starts: NDArray[np.intp],
    lengths: NDArray[np.intp],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """For each entry of a drop-lowest group (in group then date order), the score and max
    points of the results dropped once it is in: with k entries in, the min(n, k - 1) lowest
    in ``results_timeline``'s order (score / max, date, line item id)."""
    n = len(grp)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(mx > 0, score / mx, np.where(score > 0, np.inf, 1.0))
    by_rank = np.lexsort((item_rank, day, fraction, grp))
    rank = np.empty(n, dtype=np.int64)
    rank[by_rank] = np.arange(n)  # (a group's ranks follow its start: rank - start is local)
    gs = np.flatnonzero(drops[starts] > 0)
    g_start, g_len, g_n = starts[gs], lengths[gs], drops[starts][gs]
    width = int(g_len.max())
    most = int(g_n.max())
    local = rank - np.repeat(starts, lengths)
    big = np.iinfo(np.int64).max
    smallest = np.full((len(gs), most), big, dtype=np.int64)  # local ranks, ascending
    drop_e = np.zeros(n, dtype=np.float64)
    drop_p = np.zeros(n, dtype=np.float64)
    rows = np.arange(len(gs))
    slot = np.arange(most)
    for k in range(width):
        live = rows[g_len > k]
        at = g_start[live] + k  # the group's k-th entry in date order
        merged = np.concatenate([smallest[live], local[at][:, None]], axis=1)
        merged.sort(axis=1)
        smallest[live] = merged[:, :most]
        count = np.minimum(g_n[live], k)  # dropped once k + 1 entries are in
        take = slot[None, :] < count[:, None]
        by_local = by_rank[g_start[live][:, None] + np.where(take, smallest[live], 0)]
        drop_e[at] = np.where(take, score[by_local], 0.0).sum(axis=1)
        drop_p[at] = np.where(take, mx[by_local], 0.0).sum(axis=1)
    return drop_e, drop_p


def exact_sums(
    point: NDArray[np.int64], values: NDArray[np.float64], points: int
) -> NDArray[np.float64]:
    """``math.fsum`` of the values of each point (``point``: ascending), 0.0 for none."""
    return exact_sums_of(point, (values,), points)[0]


def exact_sums_of(
    point: NDArray[np.int64], columns: Sequence[NDArray[np.float64]], points: int
) -> list[NDArray[np.float64]]:
    """``exact_sums`` of each of ``columns`` (values of the same points)."""
    n = len(point)
    if not n:
        return [np.zeros(points, dtype=np.float64) for _ in columns]
    starts = np.flatnonzero(new_runs(point))
    lengths = np.diff(np.r_[starts, n])
    width = int(lengths.max())
    owners = point[starts]
    row = np.repeat(np.arange(len(starts)), lengths)
    column = np.arange(n) - np.repeat(starts, lengths)
    out = []
    for values in columns:
        matrix = np.zeros((len(starts), width), dtype=np.float64)
        matrix[row, column] = values
        sums = np.zeros(points, dtype=np.float64)
        sums[owners] = _row_fsums(matrix)
        out.append(sums)
    return out


def _row_fsums(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """``math.fsum`` of each row of ``matrix``."""
    width = matrix.shape[1]
    # s + errors is the exact sum while adding the errors rounds nothing ("rest_exact")
    s = matrix[:, 0].copy()
    errors = np.zeros_like(s)
    rest_exact = np.ones(len(s), dtype=bool)
    for k in range(1, width):
        s, err = _two_sum(s, matrix[:, k])
        errors, lost = _two_sum(errors, err)
        rest_exact &= lost == 0
    # r: s + errors rounded to nearest, ties to even, by the hardware, hence fsum's when the
    # sum is exact. Else the errors' rounding (at most 2**-17 ulp of r without cancellation)
    # might move the true sum across the midpoint to r's neighbour: half an ulp away, or a
    # quarter below a power of two (the gap toward zero is half as wide there)
    r, delta = _two_sum(s, errors)
    ulp = np.spacing(np.abs(r))
    toward_zero = (delta != 0) & (np.signbit(delta) != np.signbit(r))
    power_of_two = np.abs(np.frexp(r)[0]) == 0.5
    half_gap = np.where(toward_zero & power_of_two, ulp * 0.25, ulp * 0.5)
    doubt = (
        ~rest_exact & (
            (width > 256)  # (the bound on the errors' rounding assumes fewer terms)
            | (np.abs(delta) >= half_gap - ulp * 2.0**-16)
            | power_of_two
            | (np.abs(matrix).sum(axis=1) > _BOUND * np.abs(r))
        )
        | ~np.isfinite(r)
        | ((r != 0) & (np.abs(r) < 2.0**-900))
        | (np.abs(r) > 2.0**900)
    )
    r = r + 0.0
    for i in np.flatnonzero(doubt).tolist():
        r[i] = math.fsum(matrix[i].tolist())
    return r


def _two_sum(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(a + b rounded, its rounding error): a + b == s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e

