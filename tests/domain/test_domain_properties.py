"""Property tests: grade bounds and invariants, timeline vs direct computation, attendance
series vs brute force, the what-if's minimality."""

from __future__ import annotations

import datetime as dt
from itertools import combinations, pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseload.domain.attendance import AttendanceSeries, day_statuses
from caseload.domain.grading import (
    Gradebook,
    at_least,
    class_book,
    grade_at,
    grade_on,
    grade_timeline,
    last_complete_sunday,
    timeline_facts,
    timeline_facts_of_rows,
    weekly_as_of,
    weekly_grades,
    weekly_series,
    what_if,
)
from caseload.domain.records import (
    AttendanceCategory,
    AttendanceEvent,
    Category,
    GradingMethod,
    GradingPolicy,
    LineItem,
    PolicyCategory,
    Result,
    ScoreStatus,
)
from caseload.domain.report import DayStatus

START = dt.date(2026, 8, 24)  # a Monday
CATS = ("hw", "test", "cw")


@st.composite
def gradebooks(
    draw: st.DrawFn, one_category: bool = False, method: GradingMethod | None = None
) -> Gradebook:
    cats = CATS[:1] if one_category else CATS
    n = draw(st.integers(0, 8))
    items, results = [], []
    for i in range(n):
        mx = draw(st.sampled_from([1.0, 5.0, 10.0, 20.0, 100.0]))
        due = START + dt.timedelta(days=draw(st.integers(0, 70)))
        items.append(
            LineItem(
                f"i{i}", "c", f"I{i}", draw(st.sampled_from(cats)), due_date=due, max_points=mx
            )
        )
        kind = draw(
            st.sampled_from(["score", "score", "score", "missing", "exempt", "submitted", "none"])
        )
        if kind == "none":
            continue
        score = None
        status = {
            "missing": ScoreStatus.NOT_SUBMITTED,
            "exempt": ScoreStatus.EXEMPT,
            "submitted": ScoreStatus.SUBMITTED,
        }.get(kind, ScoreStatus.FULLY_GRADED)
        if kind == "score":
            score = draw(st.floats(0, 1.5 * mx, allow_nan=False))
        late_days = draw(st.one_of(st.none(), st.integers(0, 10)))
        results.append(
            Result(
                f"r{i}",
                f"i{i}",
                "s",
                score,
                status,
                score_date=due + dt.timedelta(days=late_days) if late_days is not None else None,
            )
        )
    weights = {c: draw(st.sampled_from([None, 10.0, 20.0, 50.0])) for c in cats}
    categories = tuple(Category(c, c.title(), weights[c], "c") for c in cats)
    if method is None and draw(st.booleans()):
        policy = None
    else:
        policy = GradingPolicy(
            "c",
            method or draw(st.sampled_from(list(GradingMethod))),
            tuple(
                PolicyCategory(c, draw(st.sampled_from([None, 1.0, 3.0])), draw(st.integers(0, 3)))
                for c in cats
            ),
        )
    return Gradebook(tuple(items), tuple(results), categories, policy)


dates = st.integers(0, 100).map(lambda d: START + dt.timedelta(days=d))


@given(gradebooks(), dates, st.booleans())
def test_grade_within_zero_and_max_extra_credit(
    book: Gradebook, as_of: dt.date, zero: bool
) -> None:
    g = grade_at(book, as_of, zero)
    if g is not None:
        assert -1e-9 <= g <= 150.0 + 1e-9


@given(gradebooks(one_category=True, method=GradingMethod.POINTS), dates)
def test_points_equals_weighted_with_one_category(book: Gradebook, as_of: dt.date) -> None:
    assert book.policy is not None
    w_policy = GradingPolicy(
        "c",
        GradingMethod.WEIGHTED,
        tuple(PolicyCategory(pc.category_id, 1.0, pc.drop_lowest) for pc in book.policy.categories),
    )
    weighted = Gradebook(book.line_items, book.results, book.categories, w_policy)
    p, w = grade_at(book, as_of), grade_at(weighted, as_of)
    assert (p is None) == (w is None)
    if p is not None and w is not None:
        assert abs(p - w) < 1e-6


@given(gradebooks(), dates, st.sampled_from(CATS), st.integers(0, 70))
def test_adding_an_exempt_result_never_changes_the_grade(
    book: Gradebook, as_of: dt.date, cat: str, due: int
) -> None:
    # A new line item in a category the class did not use could change the *default* policy
    # (weighted -> points, see test_domain_grading); the property is about the result.
    used = {li.category_id for li in book.line_items}
    if book.policy is None and cat not in used:
        cat = next(iter(sorted(c for c in used if c is not None)), cat)
    extra = LineItem("x", "c", "X", cat, due_date=START + dt.timedelta(days=due), max_points=10.0)
    exempt = Result("rx", "x", "s", None, ScoreStatus.EXEMPT)
    more = Gradebook(
        (*book.line_items, extra), (*book.results, exempt), book.categories, book.policy
    )
    assert grade_at(more, as_of) == grade_at(book, as_of)


@given(gradebooks(), dates, st.booleans())
def test_timeline_agrees_with_direct_grade(book: Gradebook, as_of: dt.date, zero: bool) -> None:
    assert grade_on(grade_timeline(book, zero), as_of) == grade_at(book, as_of, zero)


@given(gradebooks(), dates)
def test_weekly_last_value_is_grade_at_last_complete_sunday(
    book: Gradebook, as_of: dt.date
) -> None:
    weekly = weekly_grades(grade_timeline(book), as_of)
    if weekly:
        sunday = last_complete_sunday(as_of)
        assert weekly[-1] == (sunday, grade_at(book, sunday))
        assert all(d.weekday() == 6 for d, _ in weekly)
        assert all((b - a).days == 7 for (a, _), (b, _) in pairwise(weekly))
        for d, g in weekly:
            assert g == grade_at(book, d)


@given(gradebooks(), st.lists(st.integers(0, 200), min_size=1, max_size=5), st.booleans())
def test_materialized_weekly_series_agrees_with_weekly_grades(
    book: Gradebook, offsets: list[int], zero: bool
) -> None:
    tl = grade_timeline(book, zero)
    series = weekly_series(tl)  # computed once, read at many as-of dates
    final = tl[-1][1] if tl else None
    for off in offsets:
        as_of = START + dt.timedelta(days=off)
        assert weekly_as_of(series, final, as_of) == weekly_grades(tl, as_of)


@settings(max_examples=60, deadline=None)
@given(gradebooks(), dates)
def test_what_if_is_minimal(book: Gradebook, as_of: dt.date) -> None:
    w = what_if(book, as_of)
    if w.fewest_to_70 is None or not w.fewest_to_70:
        return
    ids = [i for i, _ in book.missing(as_of)]
    chosen = set(w.fewest_to_70)

    def turned_in(subset: set[str]) -> float | None:
        results = tuple(
            Result(
                r.sourced_id,
                r.line_item_id,
                r.student_id,
                book.items[r.line_item_id].max_points,
                ScoreStatus.FULLY_GRADED,
                r.score_date,
            )
            if r.line_item_id in subset
            else r
            for r in book.result_by_item.values()
        )
        return grade_at(Gradebook(book.line_items, results, book.categories, book.policy), as_of)

    g = turned_in(chosen)
    assert g is not None and at_least(g, 70.0)
    for size in range(len(chosen)):
        for combo in combinations(ids, size):
            g = turned_in(set(combo))
            assert g is None or not at_least(g, 70.0)


# --- Attendance -----------------------------------------------------------------------------

CATEGORIES = list(AttendanceCategory)


@st.composite
def attendance(draw: st.DrawFn) -> tuple[list[dt.date], list[AttendanceEvent], dict[dt.date, int]]:
    days = [START + dt.timedelta(days=i) for i in range(60)]
    school = [d for d in days if d.weekday() < 5 and draw(st.integers(0, 9)) > 0]
    events = []
    for i in range(draw(st.integers(0, 80))):
        d = draw(st.sampled_from(days))
        cls = draw(st.sampled_from([None, None, "c1", "c2", "c3", "c4"]))
        cat = draw(st.sampled_from(CATEGORIES))
        events.append(AttendanceEvent(f"a{i}", "s", d, cat, class_id=cls))
    classes = {d: draw(st.integers(0, 4)) for d in days}
    return school, events, classes


@given(attendance(), st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30)))
def test_series_counts_match_brute_force(
    data: tuple[list[dt.date], list[AttendanceEvent], dict[dt.date, int]],
    as_of_i: int,
    begin_i: int | None,
) -> None:
    school, events, classes = data
    as_of = START + dt.timedelta(days=as_of_i)
    begin = START + dt.timedelta(days=begin_i) if begin_i is not None else None
    statuses = day_statuses(events, school, classes)
    assert statuses == day_statuses(events, school, lambda d: classes.get(d, 0))
    series = AttendanceSeries.from_statuses(school, statuses, begin)
    enrolled = [d for d in sorted(statuses) if d <= as_of and (begin is None or d >= begin)]
    assert list(series.enrolled_days(as_of, None)) == enrolled
    absent = [d for d in enrolled if statuses[d] in (DayStatus.EXCUSED, DayStatus.UNEXCUSED)]
    assert series.count_absent(begin, as_of) == len(absent)
    window = as_of - dt.timedelta(days=29)
    unx = [d for d in enrolled if statuses[d] is DayStatus.UNEXCUSED and d >= window]
    start = max(window, begin) if begin else window
    assert list(series.unexcused_between(start, as_of)) == unx
    streak = 0
    for d in reversed(enrolled):
        if statuses[d] not in (DayStatus.EXCUSED, DayStatus.UNEXCUSED):
            break
        streak += 1
    assert len(series.current_streak(as_of, None)) == streak
    for d in enrolled:
        assert series.status(d) is statuses[d]
    # Tardy and partial records alone never make an absence.
    at_school = [e for e in events if not e.category.is_absence]
    assert all(
        s in (DayStatus.PRESENT, DayStatus.TARDY)
        for s in day_statuses(at_school, school, classes).values()
    )


# --- the report's shortcut past the grade rules ------------------------------------------------

_grades = st.floats(min_value=0, max_value=130, allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(
    series=st.lists(_grades, max_size=12),
    grade=st.none() | _grades,
    weeks_back=st.integers(min_value=0, max_value=12),
    failing=st.sampled_from([60.0, 65.0, 70.0]),
    drop_high=st.sampled_from([70.0, 80.0, 90.0]),
    drop_points=st.sampled_from([5.0, 15.0]),
    failing_weeks=st.integers(min_value=1, max_value=4),
    window=st.integers(min_value=1, max_value=8),
)
def test_skipping_the_grade_rules_never_hides_a_flag(
    series, grade, weeks_back, failing, drop_high, drop_points, failing_weeks, window
):
    """When the report skips ``grade_flags`` (``_grade_flags_possible`` is False), the rules
    would have returned nothing, for any weekly series, grade and thresholds."""
    from caseload.domain import flags as rules
    from caseload.domain.analysis import ClassFacts, _grade_flags_possible
    from caseload.domain.settings import Thresholds

    sundays = [dt.date(2026, 9, 6) + dt.timedelta(weeks=i) for i in range(len(series))]
    weekly_all = tuple(zip(sundays, series, strict=True))
    cf = ClassFacts("c1", "Algebra", None, None, None, None, (), (), weekly_all, (), (), ())
    # the as-of view is a prefix of the series (weekly_as_of), the grade any value
    weekly = weekly_all[: max(0, len(weekly_all) - weeks_back)]
    th = Thresholds(
        failing_grade=failing, drop_high=drop_high, drop_points=drop_points,
        failing_weeks=failing_weeks, drop_window_weeks=window,
    )
    if not _grade_flags_possible(cf, weekly, grade, th):
        assert rules.grade_flags("c1", "Algebra", weekly, grade, th) == []


@given(gradebooks(), st.lists(st.tuples(st.integers(0, 9), st.integers(-1, 80)), max_size=6),
       st.booleans(), st.randoms(use_true_random=False))
def test_timeline_of_graded_rows_equals_the_gradebooks(
    book: Gradebook, extra: list[tuple[int, int]], zero: bool, rnd: Any
) -> None:
    """The facts refresh's path (results as GradedRows, the class's items and policy made once:
    ``grading.timeline_facts_of_rows``) gives the gradebook's timeline, scored and missing
    dates, to the bit: also with several results for one line item (the one with the latest
    score date, then sourced id, is kept), results of unknown line items, in any order."""
    results = list(book.results)
    for k, (i, day) in enumerate(extra):  # more results for items (i9 is no line item)
        when = None if day < 0 else START + dt.timedelta(days=day)
        graded = ScoreStatus.FULLY_GRADED
        results.append(Result(f"r-extra-{k}", f"i{i}", "s", float(k), graded, when))
    rnd.shuffle(results)
    full = Gradebook(book.line_items, tuple(results), book.categories, book.policy)
    rows = [
        (r.sourced_id, r.line_item_id, r.score, r.status, r.score_date, r.missing)
        for r in results
    ]
    shared = class_book(book.line_items, book.categories, book.policy)
    assert timeline_facts_of_rows(shared, rows, zero) == timeline_facts(full, zero)
