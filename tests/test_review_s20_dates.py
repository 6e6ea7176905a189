"""Review of session 20: the CLI's ISO-only date options and the words for an impossible day."""

from __future__ import annotations

import argparse

import pytest

from caseload.cli import _date


@pytest.mark.parametrize("typed", ["2/30", "13/1", "02/30"])
def test_an_iso_only_option_does_not_judge_a_month_day_as_a_calendar_day(typed: str) -> None:
    """``--as-of 2/30`` said "2/30 is not a real date: February has at most 29 days", as if
    ``2/28`` would do; these options take only YYYY-MM-DD ("2/28": "not a date")."""
    with pytest.raises(argparse.ArgumentTypeError) as impossible:
        _date(typed)
    with pytest.raises(argparse.ArgumentTypeError) as possible:
        _date("2/28")
    assert "YYYY-MM-DD" in str(possible.value)
    assert "YYYY-MM-DD" in str(impossible.value), str(impossible.value)


def test_an_impossible_iso_day_still_says_what_is_wrong() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="February 2026 has 28 days"):
        _date("2026-02-30")
