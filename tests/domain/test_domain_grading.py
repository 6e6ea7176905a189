"""Grades under each policy, weekly grades, the drill-down views and the what-if."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from caseload.domain.grading import (
    UNDATED,
    Gradebook,
    assignment_views,
    category_breakdown,
    effective_date,
    format_percent,
    grade_at,
    grade_on,
    grade_timeline,
    last_complete_sunday,
    policy_text,
    resolve_policy,
    timeline_facts,
    week_end,
    weekly_grades,
    what_if,
)
from caseload.domain.records import (
    Category,
    GradingMethod,
    GradingPolicy,
    LineItem,
    PolicyCategory,
    Result,
)
from caseload.domain.records import ScoreStatus as SS
from caseload.domain.report import AssignmentStatus as AS

D = dt.date.fromisoformat
AS_OF = D("2026-11-20")  # a Friday
_ids = itertools.count()

HW = Category("hw", "Homework", 30)
TEST = Category("test", "Tests", 50)
CW = Category("cw", "Classwork", 20)


def item(
    iid: str,
    cat: str | None,
    max_points: float | None,
    due: str | None = "2026-11-02",
    title: str | None = None,
    assign: str | None = None,
) -> LineItem:
    return LineItem(
        iid,
        "c1",
        title or iid,
        cat,
        due_date=D(due) if due else None,
        max_points=max_points,
        assign_date=D(assign) if assign else None,
    )


def res(
    iid: str,
    score: float | None,
    status: SS = SS.FULLY_GRADED,
    on: str | None = None,
    late: bool = False,
    missing: bool = False,
) -> Result:
    return Result(
        f"r{next(_ids)}",
        iid,
        "stu",
        score,
        status,
        score_date=D(on) if on else None,
        late=late,
        missing=missing,
    )


def missing(iid: str) -> Result:
    return res(iid, None, SS.NOT_SUBMITTED)


def weighted(*cats: tuple[str, float | None, int]) -> GradingPolicy:
    return GradingPolicy(
        "c1", GradingMethod.WEIGHTED, tuple(PolicyCategory(c, w, d) for c, w, d in cats)
    )


def points(*drops: tuple[str, int]) -> GradingPolicy:
    return GradingPolicy(
        "c1", GradingMethod.POINTS, tuple(PolicyCategory(c, None, d) for c, d in drops)
    )


# --- Points and weighted --------------------------------------------------------------------


def test_points_grade() -> None:
    book = Gradebook(
        (item("a", "hw", 10), item("b", "test", 90)),
        (res("a", 8), res("b", 72)),
        (HW, TEST),
        points(),
    )
    assert grade_at(book, AS_OF) == pytest.approx(80.0)


def test_weighted_grade_uses_policy_weights_over_category_weights() -> None:
    items = (item("a", "hw", 10), item("b", "test", 100))
    results = (res("a", 10), res("b", 50))
    book = Gradebook(items, results, (HW, TEST), weighted(("hw", 1, 0), ("test", 1, 0)))
    assert grade_at(book, AS_OF) == pytest.approx(75.0)  # (100 + 50) / 2
    book = Gradebook(items, results, (HW, TEST), weighted(("hw", None, 0), ("test", None, 0)))
    assert grade_at(book, AS_OF) == pytest.approx((30 * 100 + 50 * 50) / 80)


def test_weighted_with_an_empty_category_renormalizes() -> None:
    # Classwork has no counted result yet: Tests and Homework share 100%.
    items = (item("a", "hw", 10), item("b", "test", 100), item("c", "cw", 10))
    results = (res("a", 6), res("b", 90))  # no result for classwork
    book = Gradebook(items, results, (HW, TEST, CW), None)
    assert book.resolved.method is GradingMethod.WEIGHTED
    assert grade_at(book, AS_OF) == pytest.approx((30 * 60 + 50 * 90) / 80)
    cats = {c.category_id: c for c in category_breakdown(book, AS_OF)}
    assert cats["test"].weight == pytest.approx(62.5)
    assert cats["hw"].weight == pytest.approx(37.5)
    assert cats["cw"].weight == 0.0 and cats["cw"].percent is None and cats["cw"].counted == 0


def test_exempt_is_excluded_and_missing_counts_as_zero() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 10), item("c", "hw", 10), item("d", "hw", 10))
    results = (
        res("a", 9),
        res("b", None, SS.EXEMPT),
        missing("c"),
        res("d", None, SS.SUBMITTED),
    )  # submitted, not graded: excluded
    book = Gradebook(items, results, (HW,), points())
    assert grade_at(book, AS_OF) == pytest.approx(45.0)  # 9 / 20
    # A result flagged missing with another status counts as missing too.
    flagged = Gradebook(
        items[:2], (res("a", 9), res("b", None, SS.SUBMITTED, missing=True)), (HW,), points()
    )
    assert grade_at(flagged, AS_OF) == pytest.approx(45.0)


def test_missing_counts_as_zero_off_leaves_missing_work_out() -> None:
    items = (item("a", "hw", 10), item("c", "hw", 10))
    book = Gradebook(items, (res("a", 9), missing("c")), (HW,), points())
    assert grade_at(book, AS_OF, missing_counts_as_zero=False) == pytest.approx(90.0)
    assert grade_at(book, AS_OF, missing_counts_as_zero=True) == pytest.approx(45.0)


def test_extra_credit_counts_as_is() -> None:
    book = Gradebook(
        (item("a", "hw", 10), item("x", "hw", 0, title="Bonus")),
        (res("a", 10), res("x", 2)),
        (HW,),
        points(),
    )
    assert grade_at(book, AS_OF) == pytest.approx(120.0)
    over = Gradebook((item("a", "hw", 10),), (res("a", 11),), (HW,), points())
    assert grade_at(over, AS_OF) == pytest.approx(110.0)


def test_a_line_item_without_a_maximum_counts_toward_no_grade() -> None:
    """8 of 10 and a 5 out of an unknown maximum: 80%, not 130% (the empty maximum read as 0
    made every such score extra credit); the score is listed, with no percent, and is the
    class's activity; missing work of such an item adds nothing, not 0 of something."""
    items = (item("a", "hw", 10), item("b", "hw", None), item("c", "test", None))
    results = (res("a", 8, on="2026-10-01"), res("b", 5, on="2026-10-05"), missing("c"))
    for policy in (points(), weighted(("hw", 50, 0), ("test", 50, 0)), None):
        book = Gradebook(items, results, (HW, TEST), policy)
        assert grade_at(book, AS_OF) == pytest.approx(80.0)
        assert grade_at(book, AS_OF, missing_counts_as_zero=False) == pytest.approx(80.0)
        grades = [g for _day, g in grade_timeline(book)]
        assert grades == [pytest.approx(80.0)] * len(grades) and grades
        facts = timeline_facts(book)
        assert [g for _day, g in facts[0]] == grades
        assert D("2026-10-05") in facts[1]  # scored: the gradebook's activity
        assert D("2026-11-02") in facts[2]  # missing, and listed as such
    views = {v.line_item_id: v for v in assignment_views(book, AS_OF)}
    assert (views["b"].score, views["b"].max_points, views["b"].percent) == (5.0, None, None)
    only = Gradebook((item("b", "hw", None),), (res("b", 5),), (HW,), points())
    assert grade_at(only, AS_OF) is None  # nothing counted: no grade, never 0% or 100%


def test_line_item_with_no_result_is_excluded_and_nothing_counted_is_none() -> None:
    book = Gradebook((item("a", "hw", 10), item("b", "hw", 10)), (res("a", 7),), (HW,), points())
    assert grade_at(book, AS_OF) == pytest.approx(70.0)
    assert grade_at(Gradebook((item("a", "hw", 10),), (), (HW,), None), AS_OF) is None


def test_results_of_other_classes_are_ignored_and_the_latest_result_wins() -> None:
    book = Gradebook(
        (item("a", "hw", 10),),
        (res("a", 2, on="2026-11-01"), res("a", 8, on="2026-11-05"), res("zz", 0)),
        (HW,),
        points(),
    )
    assert grade_at(book, AS_OF) == pytest.approx(80.0)


# --- Drop lowest ----------------------------------------------------------------------------


def test_drop_lowest_drops_by_percentage() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 100), item("c", "hw", 10))
    results = (res("a", 5), res("b", 60), res("c", 10))  # 50%, 60%, 100%
    book = Gradebook(items, results, (HW,), points(("hw", 1)))
    assert grade_at(book, AS_OF) == pytest.approx(100 * 70 / 110)  # the 50% is dropped
    views = {v.line_item_id: v for v in assignment_views(book, AS_OF)}
    assert views["a"].status == (AS.SCORED, AS.DROPPED)
    assert category_breakdown(book, AS_OF)[0].dropped == 1


def test_drop_lowest_with_one_item_keeps_it() -> None:
    book = Gradebook((item("a", "hw", 10),), (res("a", 3),), (HW,), points(("hw", 1)))
    assert grade_at(book, AS_OF) == pytest.approx(30.0)


def test_drop_lowest_n_at_least_count_keeps_one() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 10), item("c", "hw", 10))
    book = Gradebook(items, (res("a", 3), res("b", 9), res("c", 6)), (HW,), points(("hw", 5)))
    assert grade_at(book, AS_OF) == pytest.approx(90.0)  # only the best is kept


def test_drop_lowest_is_per_category_in_weighted() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 10), item("t", "test", 100))
    book = Gradebook(
        items,
        (res("a", 0), res("b", 10), res("t", 80)),
        (HW, TEST),
        weighted(("hw", 50, 1), ("test", 50, 0)),
    )
    assert grade_at(book, AS_OF) == pytest.approx(90.0)  # hw 100% after the drop, tests 80%


def test_missing_zero_can_be_dropped() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 10))
    book = Gradebook(items, (res("a", 8), missing("b")), (HW,), points(("hw", 1)))
    assert grade_at(book, AS_OF) == pytest.approx(80.0)
    views = {v.line_item_id: v for v in assignment_views(book, AS_OF)}
    assert views["b"].status == (AS.MISSING, AS.DROPPED)


def test_missing_with_nothing_entered_is_told_apart_from_marked_missing() -> None:
    """The class screen's missing work = what the teacher marked missing or not submitted
    (the student screen's Missing count) + past-due work with nothing entered: each view says
    which (``unrecorded``), so the two screens' numbers can be reconciled."""
    items = (item("a", "hw", 10), item("b", "hw", 10), item("c", "hw", 10))
    book = Gradebook(items, (res("a", 8), missing("b")), (HW,), points(("hw", 0)))
    views = {v.line_item_id: v for v in assignment_views(book, AS_OF)}
    assert AS.MISSING in views["b"].status and not views["b"].unrecorded
    assert AS.MISSING in views["c"].status and views["c"].unrecorded
    assert not views["a"].unrecorded


# --- Default policy -------------------------------------------------------------------------


def test_default_policy_weighted_when_every_used_category_has_a_weight() -> None:
    items = (item("a", "hw", 10), item("b", "test", 10))
    assert resolve_policy(None, (HW, TEST), items).method is GradingMethod.WEIGHTED
    # An unused category without weight does not matter.
    extra = Category("x", "Extra", None)
    assert resolve_policy(None, (HW, TEST, extra), items).method is GradingMethod.WEIGHTED


def test_default_policy_points_when_a_used_category_has_no_weight() -> None:
    nohw = Category("hw", "Homework", None)
    items = (item("a", "hw", 10), item("b", "test", 10))
    assert resolve_policy(None, (nohw, TEST), items).method is GradingMethod.POINTS
    # A line item with no category: a category without weight.
    items2 = (item("a", None, 10), item("b", "test", 10))
    assert resolve_policy(None, (TEST,), items2).method is GradingMethod.POINTS
    assert resolve_policy(None, (), ()).method is GradingMethod.POINTS
    assert resolve_policy(None, (), ()).explicit is False


def test_a_new_line_item_in_an_unweighted_category_switches_the_default_to_points() -> None:
    # The default depends on the categories the class's line items use, so even an exempt
    # item in a category without weight turns a default-weighted class into points.
    nocat = Category("x", "Extra", None)
    items = (item("a", "hw", 10), item("b", "test", 10))
    results = (res("a", 10), res("b", 0))
    book = Gradebook(items, results, (HW, TEST, nocat), None)
    assert grade_at(book, AS_OF) == pytest.approx(30 * 100 / 80)
    more = Gradebook(
        (*items, item("x1", "x", 10)),
        (*results, res("x1", None, SS.EXEMPT)),
        (HW, TEST, nocat),
        None,
    )
    assert more.resolved.method is GradingMethod.POINTS
    assert grade_at(more, AS_OF) == pytest.approx(50.0)


def test_explicit_policy_wins_over_default() -> None:
    items = (item("a", "hw", 10),)
    pol = resolve_policy(points(), (HW,), items)
    assert pol.method is GradingMethod.POINTS and pol.explicit


def test_weighted_without_any_weight_falls_back_to_points() -> None:
    nohw = Category("hw", "Homework", None)
    items = (item("a", "hw", 10), item("b", "hw", 30))
    book = Gradebook(items, (res("a", 10), res("b", 10)), (nohw,), weighted())
    assert grade_at(book, AS_OF) == pytest.approx(50.0)


# --- Effective dates and weekly grades ------------------------------------------------------


def test_effective_date_score_date_else_due_date_else_assign_date() -> None:
    li = item("a", "hw", 10, due="2026-11-02", assign="2026-10-26")
    assert effective_date(res("a", 1, on="2026-11-05"), li) == D("2026-11-05")
    assert effective_date(res("a", 1), li) == D("2026-11-02")
    assert effective_date(res("a", 1), item("a", "hw", 10, due=None, assign="2026-10-26")) == D(
        "2026-10-26"
    )
    assert effective_date(None, item("a", "hw", 10, due=None)) is None


def test_a_result_counts_from_its_effective_date() -> None:
    book = Gradebook(
        (item("a", "hw", 10), item("b", "hw", 10, due="2026-11-18")),
        (res("a", 10), res("b", 0)),
        (HW,),
        points(),
    )
    assert grade_at(book, D("2026-11-17")) == pytest.approx(100.0)
    assert grade_at(book, D("2026-11-18")) == pytest.approx(50.0)
    assert grade_at(book, D("2026-11-01")) is None


def test_week_helpers() -> None:
    assert week_end(D("2026-11-16")) == D("2026-11-22")  # Monday -> Sunday
    assert week_end(D("2026-11-22")) == D("2026-11-22")
    assert last_complete_sunday(D("2026-11-20")) == D("2026-11-15")
    assert last_complete_sunday(D("2026-11-22")) == D("2026-11-22")
    assert last_complete_sunday(D("2026-11-23")) == D("2026-11-22")


def test_weekly_grades_repeat_in_weeks_with_no_scores_and_skip_the_current_week() -> None:
    items = (
        item("a", "hw", 10, due="2026-10-14"),  # week ending 10-18
        item("b", "hw", 10, due="2026-10-28"),  # week ending 11-01 (10-25 has no new score)
        item("c", "hw", 10, due="2026-11-18"),  # the current, incomplete week
    )
    book = Gradebook(items, (res("a", 10), res("b", 5), res("c", 0)), (HW,), points())
    tl = grade_timeline(book)
    assert weekly_grades(tl, AS_OF) == (
        (D("2026-10-18"), 100.0),
        (D("2026-10-25"), 100.0),  # no new results: repeats
        (D("2026-11-01"), 75.0),
        (D("2026-11-08"), 75.0),
        (D("2026-11-15"), 75.0),
    )
    assert grade_on(tl, AS_OF) == pytest.approx(50.0)  # the grade at D includes this week
    # On the Sunday itself the week is complete.
    assert weekly_grades(tl, D("2026-11-22"))[-1] == (D("2026-11-22"), 50.0)
    # Before the end of the first week there is no complete week.
    assert weekly_grades(tl, D("2026-10-17")) == ()


def test_weekly_starts_at_the_first_counted_result_not_a_missing_item_left_out() -> None:
    items = (item("m", "hw", 10, due="2026-10-01"), item("a", "hw", 10, due="2026-10-14"))
    book = Gradebook(items, (missing("m"), res("a", 10)), (HW,), points())
    assert weekly_grades(grade_timeline(book, False), AS_OF)[0] == (D("2026-10-18"), 100.0)
    assert weekly_grades(grade_timeline(book, True), AS_OF)[0] == (D("2026-10-04"), 0.0)


def test_undated_results_count_always_but_do_not_start_the_weekly_series() -> None:
    items = (item("u", "hw", 10, due=None), item("a", "hw", 10, due="2026-11-11"))
    book = Gradebook(items, (res("u", 4), res("a", 10)), (HW,), points())
    tl = grade_timeline(book)
    assert tl[0][0] == UNDATED
    assert grade_at(book, D("2026-01-01")) == pytest.approx(40.0)
    assert weekly_grades(tl, AS_OF) == ((D("2026-11-15"), 70.0),)


# --- Views ----------------------------------------------------------------------------------


def test_assignment_statuses() -> None:
    items = (
        item("s", "hw", 10, due="2026-11-02", title="Scored"),
        item("l", "hw", 10, due="2026-11-03", title="Late"),
        item("m", "hw", 10, due="2026-11-04", title="Missing"),
        item("e", "hw", 10, due="2026-11-05", title="Exempt"),
        item("p", "hw", 10, due="2026-11-06", title="Pending"),
        item("n", "hw", 10, due="2026-11-07", title="No result"),
        item("f", "hw", 10, due="2026-12-01", title="Future"),
    )
    results = (
        res("s", 9),
        res("l", 7, late=True),
        missing("m"),
        res("e", None, SS.EXEMPT),
        res("p", None, SS.SUBMITTED),
        res("f", 10),
    )
    book = Gradebook(items, results, (HW,), points())
    views = assignment_views(book, AS_OF)
    assert [v.title for v in views] == [
        "Scored",
        "Late",
        "Missing",
        "Exempt",
        "Pending",
        "No result",
        "Future",
    ]
    got = {v.line_item_id: v.status for v in views}
    assert got == {
        "s": (AS.SCORED,),
        "l": (AS.LATE,),
        "m": (AS.MISSING,),
        "e": (AS.EXEMPT,),
        "p": (AS.PENDING,),
        "n": (AS.MISSING,),  # past due, nothing turned in: missing, never "not yet due"
        "f": (AS.NOT_DUE,),
    }
    v = {v.line_item_id: v for v in views}
    assert v["s"].percent == pytest.approx(90.0) and v["s"].score == 9
    assert v["m"].percent == 0.0 and v["m"].score is None
    assert v["f"].score is None  # not yet effective at D
    assert v["s"].category == "Homework"


def test_format_percent() -> None:
    assert format_percent(50.0) == "50%"
    assert format_percent(100 / 3) == "33.3%"
    assert format_percent(64.96) == "65%"
    assert format_percent(-0.0) == "0%"


def test_policy_text() -> None:
    book = Gradebook(
        (item("a", "hw", 10), item("b", "test", 10), item("c", "cw", 10)),
        (),
        (HW, TEST, CW),
        weighted(("test", 5, 0), ("hw", 3, 1), ("cw", 2, 0)),
    )
    assert policy_text(book) == (
        "weighted: Tests 50%, Homework 30%, Classwork 20%; drop lowest 1 homework"
    )
    thirds = Gradebook(
        (item("a", "hw", 10),),
        (),
        (HW, TEST, CW),
        weighted(("test", 1, 0), ("hw", 1, 0), ("cw", 1, 0)),
    )
    assert policy_text(thirds) == "weighted: Classwork 33.3%, Homework 33.3%, Tests 33.3%"
    assert policy_text(Gradebook((item("a", "hw", 10),), (), (HW,), points(("hw", 2)))) == (
        "points; drop lowest 2 homework"
    )
    assert policy_text(Gradebook((item("a", None, 10),), (), (), None)) == "points"


# --- What-if --------------------------------------------------------------------------------


def test_what_if_all_missing_in_and_fewest_to_70() -> None:
    items = (
        item("a", "hw", 10),
        item("b", "hw", 10),
        item("c", "hw", 20),
        item("d", "hw", 10),
        item("e", "hw", 50),
    )
    results = (res("a", 10), missing("b"), missing("c"), missing("d"), res("e", 20))
    book = Gradebook(items, results, (HW,), points())
    w = what_if(book, AS_OF)
    assert w.grade_now == pytest.approx(30 / 100 * 100)
    assert w.grade_if_all_missing_in == pytest.approx(70.0)
    assert w.fewest_to_70 == ("c", "b", "d")  # all three needed, biggest first


def test_what_if_is_empty_at_70_and_none_when_unreachable() -> None:
    ok = Gradebook(
        (item("a", "hw", 10), item("b", "hw", 10)), (res("a", 10), missing("b")), (HW,), points()
    )
    assert what_if(ok, AS_OF, target=50).fewest_to_70 == ()
    hopeless = Gradebook(
        (item("a", "hw", 100), item("b", "hw", 10)), (res("a", 10), missing("b")), (HW,), points()
    )
    w = what_if(hopeless, AS_OF)
    assert w.grade_if_all_missing_in == pytest.approx(20 / 110 * 100)
    assert w.fewest_to_70 is None
    nothing = Gradebook((item("a", "hw", 10),), (res("a", 3),), (HW,), points())
    assert what_if(nothing, AS_OF).fewest_to_70 is None


def test_what_if_finds_the_exact_minimum_where_greedy_does_not() -> None:
    # Quizzes drop the lowest one. Turning in both missing quizzes drops the 10% quiz; the
    # single biggest lift is the project, but project + one quiz stays below the target.
    quiz = Category("q", "Quizzes", None)
    proj = Category("p", "Project", None)
    items = (
        item("q1", "q", 100, due="2026-11-02"),
        item("q2", "q", 50, due="2026-11-03"),
        item("q3", "q", 50, due="2026-11-04"),
        item("p", "p", 60, due="2026-11-05"),
    )
    results = (res("q1", 10), missing("q2"), missing("q3"), missing("p"))
    book = Gradebook(items, results, (quiz, proj), points(("q", 1)))
    assert what_if(book, AS_OF).grade_now == pytest.approx(100 * 10 / 210)
    greedy = what_if(book, AS_OF, target=60, max_evaluations=0)
    assert greedy.fewest_to_70 is not None and len(greedy.fewest_to_70) == 3
    exact = what_if(book, AS_OF, target=60)
    assert exact.fewest_to_70 is not None and set(exact.fewest_to_70) == {"q2", "q3"}
    assert grade_at(
        Gradebook(
            items,
            (res("q1", 10), res("q2", 50), res("q3", 50), missing("p")),
            (quiz, proj),
            points(("q", 1)),
        ),
        AS_OF,
    ) == pytest.approx(62.5)


def test_what_if_turns_in_work_left_out_when_missing_does_not_count() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 30))
    book = Gradebook(items, (res("a", 5), missing("b")), (HW,), points())
    w = what_if(book, AS_OF, missing_counts_as_zero=False)
    assert w.grade_now == pytest.approx(50.0)
    assert w.grade_if_all_missing_in == pytest.approx(87.5)
    assert w.fewest_to_70 == ("b",)


def test_what_if_ignores_missing_work_due_after_as_of() -> None:
    items = (item("a", "hw", 10), item("b", "hw", 10, due="2026-12-01"))
    book = Gradebook(items, (res("a", 5), missing("b")), (HW,), points())
    w = what_if(book, AS_OF)
    assert w.grade_now == pytest.approx(50.0) and w.grade_if_all_missing_in == w.grade_now
    assert w.fewest_to_70 is None
