"""``timeline_batch`` gives ``grading.timeline_facts_of_rows``'s facts, bit for bit, for any
gradebooks (hypothesis): exact and inexact scores, drop-lowest, weights that sum with ties,
exempt and missing results, duplicates and results of other line items. And its exact sum is
``math.fsum``'s."""

from __future__ import annotations

import datetime as dt
import math
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload.domain import timeline_batch
from caseload.domain.grading import ClassBook, class_book, timeline_facts_of_rows, weekly_series
from caseload.domain.records import (
    Category,
    GradingMethod,
    GradingPolicy,
    LineItem,
    PolicyCategory,
    ScoreStatus,
)
from caseload.domain.timeline import GradedRow, TimelineFacts
from caseload.domain.timeline_batch import Books, Job, exact_sums, timelines, weekly_points

DAYS = [None, *(dt.date(2026, 9, 1) + dt.timedelta(days=k) for k in (0, 1, 3, 7, 8, 20))]
CATS = ["homework", "tests", "labs", None]
MAXES = [None, 0.0, 5.0, 10.0, 20.0, 7.5, 100.0, 0.25]
SCORES = [None, 0.0, 0.5, 3.0, 7.5, 10.0, 12.0, -1.0, 19.25, 4.0, 5.0, 2.0]
ODD_MAXES = [8.33, 2.0**-11]  # sums that round: computed from the rows
ODD_SCORES = [8.33, 2.0**-11, 1e7]
WEIGHTS = [None, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 1 / 3, 2.0, -1.0, 40.0]


@st.composite
def books(draw: st.DrawFn, class_id: str, exact: bool = False) -> ClassBook:
    maxes = MAXES if exact else MAXES + ODD_MAXES
    n = draw(st.integers(0, 9))
    items = tuple(
        LineItem(
            f"{class_id}-li{k}", class_id, f"item {k}",
            draw(st.sampled_from(CATS)), draw(st.sampled_from(DAYS)), draw(st.sampled_from(DAYS)),
            0.0, draw(st.sampled_from(maxes)),
        )
        for k in range(n)
    )
    cats = tuple(
        Category(c, c.title(), draw(st.sampled_from(WEIGHTS)), class_id) for c in CATS if c
    )
    policy = draw(st.one_of(st.none(), st.builds(
        GradingPolicy, st.just(class_id), st.sampled_from(list(GradingMethod)),
        st.lists(st.builds(PolicyCategory, st.sampled_from([c for c in CATS if c]),
                           st.sampled_from(WEIGHTS), st.integers(0, 3)),
                 max_size=3, unique_by=lambda p: p.category_id).map(tuple),
    )))
    return class_book(items, cats, policy)


@st.composite
def rows(draw: st.DrawFn, book: ClassBook, sid: str, exact: bool = False) -> list[GradedRow]:
    """A student's results in the class; ``exact``: one per line item of the class, scores
    whose sums do not round (all computed by the batch)."""
    ids = sorted(book.items)
    if exact:
        chosen = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    else:
        chosen = draw(st.lists(st.sampled_from([*ids, "other-item"]), max_size=12)) if ids else []
    scores = SCORES if exact else SCORES + ODD_SCORES
    return [
        (
            f"{sid}-r{k}", item, draw(st.sampled_from(scores)),
            draw(st.sampled_from(list(ScoreStatus))), draw(st.sampled_from(DAYS)),
            draw(st.booleans()),
        )
        for k, item in enumerate(chosen)
    ]


@st.composite
def batches(draw: st.DrawFn, exact: bool = False) -> list[Job]:
    shelf = [draw(books(f"class{k}", exact)) for k in range(draw(st.integers(1, 4)))]
    if not exact and draw(st.booleans()):  # a book whose line item ids another book has
        shelf.append(draw(books("class0")))
    jobs = []
    for k in range(draw(st.integers(0, 8))):
        book = draw(st.sampled_from(shelf))
        jobs.append(Job(book, draw(rows(book, f"stu{k}", exact))))
    return jobs


def _bits(facts: TimelineFacts) -> tuple[object, ...]:
    """The facts with every grade as its exact bits (-0.0 and 0.0 apart)."""
    timeline, scored, missing = facts
    return (
        tuple((d, None if g is None else float.hex(g)) for d, g in timeline), scored, missing
    )


@settings(max_examples=400, deadline=None)
@given(batches(), st.booleans())
def test_batch_equals_the_timeline_of_each_gradebook(jobs: list[Job], zero: bool) -> None:
    got = timelines(jobs, zero)
    want = [timeline_facts_of_rows(job.book, job.rows, zero) for job in jobs]
    assert [_bits(f) for f in got] == [_bits(f) for f in want]


@settings(max_examples=400, deadline=None)
@given(batches(exact=True), st.booleans())
def test_batch_computes_exact_gradebooks_itself(jobs: list[Job], zero: bool) -> None:
    """Scores and maxima whose sums do not round are never left to the rows' path (so the
    test above checks the batch's own arithmetic on them)."""
    want = [timeline_facts_of_rows(job.book, job.rows, zero) for job in jobs]
    with patch.object(timeline_batch, "timeline_facts_of_rows", side_effect=AssertionError):
        got = timelines(jobs, zero)
    assert [_bits(f) for f in got] == [_bits(f) for f in want]


@settings(max_examples=100, deadline=None)
@given(st.lists(batches(), min_size=2, max_size=3), st.booleans())
def test_batches_sharing_their_books_agree_too(parts: list[list[Job]], zero: bool) -> None:
    shelf = Books()  # what one refresh's batches share
    for jobs in parts:
        got = timelines(jobs, zero, shelf)
        want = [timeline_facts_of_rows(job.book, job.rows, zero) for job in jobs]
        assert [_bits(f) for f in got] == [_bits(f) for f in want]


def _sums(rows: list[list[float]]) -> list[float]:
    point = np.repeat(np.arange(len(rows)), [len(r) for r in rows]).astype(np.int64)
    values = np.array([v for r in rows for v in r], dtype=np.float64)
    return exact_sums(point, values, len(rows)).tolist()


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
decimal = st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.35, 0.15, 0.4, 0.05, 1 / 3, 0.7])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(finite, decimal, decimal.map(lambda w: w * 87.5)),
                         min_size=1, max_size=7), min_size=1, max_size=40))
def test_exact_sums_are_fsums_bit_for_bit(rows: list[list[float]]) -> None:
    assert [float.hex(x) for x in _sums(rows)] == [float.hex(math.fsum(r)) for r in rows]


def test_exact_sums_round_ties_to_even_like_fsum() -> None:
    rows = [
        [0.25, 0.2, 0.25],  # exactly halfway between two doubles
        [20.0, 21.166666666666668, 10.0],
        [1.0, 2.0**-53],  # a tie at a power of two
        [1.0, 2.0**-53, 2.0**-106],  # just above that tie: the errors' own sum rounds
        [1.0, -(2.0**-53), 2.0**-106],
        [3.0, 2.0**-52, 2.0**-105, -(2.0**-160)],
        [1.0, -(2.0**-54), -(2.0**-106)],  # just below one, toward zero from a power of two
        [1e16, 1.0, -1e16],  # cancellation
        [-0.0, -0.0],
        [0.1] * 10,
    ]
    assert [float.hex(x) for x in _sums(rows)] == [float.hex(math.fsum(r)) for r in rows]


@settings(max_examples=300, deadline=None)
@given(batches(), st.booleans())
def test_weekly_points_are_each_timelines_weekly_series(jobs: list[Job], zero: bool) -> None:
    """The weekly series the refresh packs from the batch's arrays (timelines with None
    grades and undated first points included) is ``grading.weekly_series``'s."""
    lines = [timeline_facts_of_rows(job.book, job.rows, zero)[0] for job in jobs]
    p_job = np.array([j for j, line in enumerate(lines) for _ in line], dtype=np.int64)
    p_day = np.array([d.toordinal() for line in lines for d, _ in line], dtype=np.int64)
    p_grade = np.array([math.nan if g is None else g for line in lines for _, g in line],
                       dtype=np.float64)
    w_job, w_day, w_grade = weekly_points(p_job, p_day, p_grade)
    got = [
        [(dt.date.fromordinal(d), float.hex(g))
         for k, d, g in zip(w_job.tolist(), w_day.tolist(), w_grade.tolist(), strict=True)
         if k == j]
        for j in range(len(lines))
    ]
    assert got == [[(d, float.hex(g)) for d, g in weekly_series(line)] for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_lexsort2_is_lexsort_of_the_two_keys(data: st.DataObject) -> None:
    """The same permutation as ``np.lexsort((minor, major))``, ties in their order: keys
    with many repeats (the combined key), and keys too far apart for one int64 (the
    fallback)."""
    n = data.draw(st.integers(0, 300))
    small = st.integers(-3, 3)
    wide = st.sampled_from([-(2**62), -1, 0, 2**40, 2**62])
    minor = np.array(data.draw(st.lists(st.one_of(small, wide), min_size=n, max_size=n)),
                     dtype=np.int64)
    major = np.array(data.draw(st.lists(st.one_of(small, wide), min_size=n, max_size=n)),
                     dtype=np.int64)
    got = timeline_batch.lexsort2(minor, major)
    assert got.tolist() == np.lexsort((minor, major)).tolist()


def test_lexsort2_sorts_by_one_key_when_they_fit() -> None:
    minor = np.array([5, 1, 5, 0, 1], dtype=np.int64)
    major = np.array([2, 2, 1, 2, 1], dtype=np.int64)
    with patch.object(np, "lexsort", side_effect=AssertionError("not the fallback")):
        assert timeline_batch.lexsort2(minor, major).tolist() == [4, 2, 3, 1, 0]
        # ties keep their order (an unstable sort of 1,000 rows of three keys does not)
        rows = np.arange(1000, dtype=np.int64)
        order = timeline_batch.lexsort2(rows % 3, np.zeros(1000, dtype=np.int64))
        assert order.tolist() == sorted(rows.tolist(), key=lambda i: i % 3)
