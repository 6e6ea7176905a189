"""Thresholds: defaults from issue 3 and config validation."""

from __future__ import annotations

import dataclasses

import pytest

from caseload.domain import settings
from caseload.domain.settings import Thresholds


def test_defaults_are_the_issue_values() -> None:
    t = Thresholds()
    assert t.failing_grade == 70
    assert (t.failing_weeks, t.drop_window_weeks, t.drop_high, t.drop_points) == (3, 6, 80, 15)
    assert (t.unexcused_window_days, t.unexcused_count) == (30, 5)
    assert (t.chronic_rate, t.chronic_min_days, t.streak_days) == (0.10, 10, 3)
    assert (t.truancy_grading_period, t.truancy_term, t.truancy_year) == (8, 15, 20)
    assert (t.stale_days, t.behavior_incidents, t.missing_counts_as_zero) == (14, 2, True)


def test_every_field_has_a_kind() -> None:
    assert {f.name for f in dataclasses.fields(Thresholds)} == set(settings._KINDS)


def test_from_mapping_overrides_and_keeps_defaults() -> None:
    t = Thresholds.from_mapping(
        {"failing_grade": 65, "unexcused_count": 4, "missing_counts_as_zero": False}
    )
    assert t.failing_grade == 65.0 and isinstance(t.failing_grade, float)
    assert t.unexcused_count == 4
    assert t.missing_counts_as_zero is False
    assert t.truancy_year == 20
    assert Thresholds.from_mapping({}) == Thresholds()


def test_from_mapping_names_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown thresholds bogus, failing_grad") as e:
        Thresholds.from_mapping({"failing_grad": 60, "bogus": 1})
    assert "failing_grade" in str(e.value)  # the known names are listed


@pytest.mark.parametrize(
    ("key", "value", "msg"),
    [
        ("unexcused_count", 4.5, "whole number"),
        ("unexcused_count", True, "whole number"),
        ("unexcused_count", "5", "whole number"),
        ("failing_grade", "70", "a number"),
        ("failing_grade", False, "a number"),
        ("missing_counts_as_zero", 1, "true or false"),
        ("chronic_rate", 10, "between 0 and 1"),
        ("stale_days", 0, "at least 1"),
        ("drop_points", -1, ">= 0"),
        ("unexcused_count", -1, "at least 0"),
        ("failing_grade", float("inf"), ">= 0"),  # (JSON would carry Infinity)
        ("unexcused_window_days", 1_000_000, "at most 3660"),  # (a date overflow)
    ],
)
def test_from_mapping_rejects_bad_values(key: str, value: object, msg: str) -> None:
    with pytest.raises(ValueError, match=msg) as e:
        Thresholds.from_mapping({key: value})
    assert key in str(e.value)


def test_round_trip() -> None:
    t = Thresholds(failing_grade=60.0, streak_days=4)
    assert Thresholds.from_mapping(t.to_mapping()) == t
