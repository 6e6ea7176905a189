"""The one output rounding (domain/rounding.py): half up on the decimal value, float noise
removed; the float fast path equals the Decimal definition for every float."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from caseload.domain.grading import format_percent
from caseload.domain.rounding import round_half_up, round_half_up_exact

DIGITS = st.integers(min_value=0, max_value=3)


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (46.25, 46.3),  # 370/800: round() gave 46.2 (half even)
        (85.35, 85.4),  # stored as 85.34999...: round() gave 85.3
        (92.45, 92.5),
        (100 * 370 / 800, 46.3),
        (64.2, 64.2),
        (64.24999, 64.2),
        (69.95, 70.0),
        (99.95, 100.0),
        (0.05, 0.1),
        (0.04, 0.0),
        (-12.25, -12.3),  # away from zero, as a gradebook (a change in points)
        (-0.04, 0.0),
        (0.0, 0.0),
        (123.45, 123.5),
        (1e7 + 0.25, 1e7 + 0.3),  # beyond the fast path
    ],
)
def test_half_up_to_one_decimal(value: float, want: float) -> None:
    assert round_half_up(value) == want
    assert round_half_up_exact(value) == want


def test_whole_and_more_digits() -> None:
    assert round_half_up(92.5, 0) == 93.0
    assert round_half_up(2.5, 0) == 3.0  # round() gives 2
    assert round_half_up(-2.5, 0) == -3.0
    assert round_half_up(1.005, 2) == 1.01  # stored as 1.00499...
    assert round_half_up(2.0005, 3) == 2.001


def test_no_minus_zero_and_non_finite_kept() -> None:
    assert math.copysign(1.0, round_half_up(-0.04)) == 1.0
    assert math.copysign(1.0, round_half_up(-0.0)) == 1.0
    assert math.isnan(round_half_up(math.nan))
    assert round_half_up(math.inf) == math.inf
    assert round_half_up(-math.inf) == -math.inf


def test_output_prints_the_decimal() -> None:
    assert repr(round_half_up(46.25)) == "46.3"
    assert f"{round_half_up(85.35):.1f}" == "85.4"
    assert format_percent(46.25) == "46.3%"
    assert format_percent(69.95) == "70%"


def test_digits_outside_zero_to_three_are_refused() -> None:
    with pytest.raises(KeyError):
        round_half_up(1.0, -1)
    with pytest.raises(KeyError):
        round_half_up(1.0, 4)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


@given(st.floats(allow_nan=True, allow_infinity=True), DIGITS)
@example(46.25, 1)
@example(85.35, 1)
@example(-92.45, 1)
@example(999999.95, 1)
@example(99999.95, 1)
@example(0.5, 0)
def test_fast_path_equals_the_decimal_definition(x: float, digits: int) -> None:
    assert _same(round_half_up(x, digits), round_half_up_exact(x, digits))


@st.composite
def near_ties(draw: st.DrawFn) -> tuple[float, int]:
    """Values at and around a tie (k + 0.5) / 10**digits: the exact float nearest it, a few
    ulps either side, and offsets of the size the nine-place step removes or keeps."""
    digits = draw(DIGITS)
    k = draw(st.integers(min_value=-(10**7), max_value=10**7))
    tie = (k + 0.5) / 10**digits
    how = draw(st.sampled_from(["ulps", "offset"]))
    if how == "ulps":
        x = tie
        for _ in range(draw(st.integers(min_value=0, max_value=8))):
            x = math.nextafter(x, draw(st.sampled_from([math.inf, -math.inf])))
    else:
        x = tie + draw(st.sampled_from([-1, 1])) * draw(
            st.sampled_from([1e-12, 1e-10, 4.9e-10, 5e-10, 5.1e-10, 1e-9, 5e-9, 1e-7, 1e-6]))
    return x, digits


@given(near_ties())
def test_fast_path_equals_the_definition_near_ties(case: tuple[float, int]) -> None:
    x, digits = case
    assert _same(round_half_up(x, digits), round_half_up_exact(x, digits))


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**4))
def test_grades_as_exact_fractions_round_half_up(num: int, den: int) -> None:
    """A grade 100 x num / den, computed in floats as the app does, rounds as its exact value
    rounded half up (unless the exact value is within 1e-9 of a tie without being one: such
    a value is not told apart from the tie by design, and no gradebook has one)."""
    exact = Fraction(100 * num, den)
    scaled = exact * 10
    gap = abs(scaled - math.floor(scaled) - Fraction(1, 2))
    if 0 < gap < Fraction(1, 10**8):
        return
    want = float((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), ROUND_HALF_UP))
    assert round_half_up(100 * num / den) == want
