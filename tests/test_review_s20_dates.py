"""Review of session 20: the words for an impossible day in the CLI's date options.

(Session 22: the options that name a past day take ``M/D`` too, read back from today, so a
month/day that no calendar has is judged as one: "2/30" says what is wrong with it.)"""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from caseload.cli_types import past_date


@pytest.mark.parametrize(("typed", "why"), [("2/30", "February has at most 29 days"),
                                            ("13/1", "month 13 does not exist")])
def test_a_month_day_no_calendar_has_says_what_is_wrong(typed: str, why: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=why):
        past_date(typed)
    assert past_date("2/28") <= dt.date.today()  # a real one reads as the last 2/28


def test_an_impossible_iso_day_still_says_what_is_wrong() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="February 2026 has 28 days"):
        past_date("2026-02-30")
