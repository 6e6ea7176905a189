"""Dates as a counselor types them: caseload.domain.notes.parse_date and notes add --date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload.domain.notes import (
    ImpossibleDate,
    days_after_words,
    impossible_date,
    next_one_words,
    parse_date,
)

THU = dt.date(2026, 12, 3)  # a Thursday
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", THU), ("Today ", THU), ("yesterday", dt.date(2026, 12, 2)),
        ("tomorrow", dt.date(2026, 12, 4)), ("+3d", dt.date(2026, 12, 6)),
        ("+2w", dt.date(2026, 12, 17)), ("-1d", dt.date(2026, 12, 2)), ("+0d", THU),
        ("-2w", dt.date(2026, 11, 19)),
        ("friday", dt.date(2026, 12, 4)), ("fri", dt.date(2026, 12, 4)),
        ("thursday", dt.date(2026, 12, 10)),  # the next one after today, not today
        ("Mon", dt.date(2026, 12, 7)), ("wed", dt.date(2026, 12, 9)),
        ("12/3", THU),  # today has not passed
        ("12/25", dt.date(2026, 12, 25)), ("1/5", dt.date(2027, 1, 5)),  # passed: next year
        ("11/30", dt.date(2027, 11, 30)), ("2/29", dt.date(2028, 2, 29)),
        ("2026-10-01", dt.date(2026, 10, 1)),
    ],
)
def test_examples(text, expected):
    assert parse_date(text, THU) == expected


@pytest.mark.parametrize("text", ["", "soon", "+3", "3d", "+3m", "2026-1-1", "+99999d",
                                  "next friday", "2026-02-30T10:00", "x" * 500])
def test_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_date(text, THU)
    assert not isinstance(caught.value, ImpossibleDate)
    assert "+3d" in str(caught.value) and len(str(caught.value)) < 160


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "2026-02-30 is not a real date: February 2026 has 28 days"),
        ("2026-02-29", "2026-02-29 is not a real date: February 2026 has 28 days"),
        ("2028-02-30", "2028-02-30 is not a real date: February 2028 has 29 days"),
        ("2100-02-29", "2100-02-29 is not a real date: February 2100 has 28 days"),
        ("2026-04-31", "2026-04-31 is not a real date: April 2026 has 30 days"),
        ("2026-13-01", "2026-13-01 is not a real date: month 13 does not exist"),
        ("2026-00-10", "2026-00-10 is not a real date: month 0 does not exist"),
        ("2026-05-00", "2026-05-00 is not a real date: day 0 does not exist"),
        ("0000-05-01", "0000-05-01 is not a real date: year 0 does not exist"),
        (" 2026-02-30 ", "2026-02-30 is not a real date: February 2026 has 28 days"),
        ("2/30", "2/30 is not a real date: February has at most 29 days"),
        ("4/31", "4/31 is not a real date: April has 30 days"),
        ("13/1", "13/1 is not a real date: month 13 does not exist"),
        ("0/1", "0/1 is not a real date: month 0 does not exist"),
        ("1/0", "1/0 is not a real date: day 0 does not exist"),
    ],
)
def test_a_day_no_calendar_has_is_said_for_what_it_is(text, message):
    """The right shape (M/D, YYYY-MM-DD) but no such day: said plainly, not with the forms
    (which the counselor already used)."""
    with pytest.raises(ImpossibleDate) as caught:
        parse_date(text, THU)
    assert str(caught.value) == message
    assert impossible_date(text) == message


@pytest.mark.parametrize("text", ["2026-02-28", "2028-02-29", "2/29", "12/31", "soon", "+3d",
                                  "2026-1-1", ""])
def test_impossible_date_says_nothing_of_real_days_or_other_shapes(text):
    assert impossible_date(text) is None


@given(DAYS, st.integers(0, 9999))
def test_offsets_are_exact(today, n):
    assert parse_date(f"+{n}d", today) == today + dt.timedelta(days=n)
    assert parse_date(f"-{n}d", today) == today - dt.timedelta(days=n)
    assert parse_date(f"+{n}w", today) == today + dt.timedelta(weeks=n)


@given(DAYS, st.sampled_from(["monday", "tue", "wednesday", "thu", "friday", "sat", "sun"]))
def test_weekday_is_the_next_one_within_a_week(today, name):
    day = parse_date(name, today)
    assert 1 <= (day - today).days <= 7
    assert day.strftime("%a").lower() == name[:3]


@given(DAYS, DAYS)
def test_month_day_is_the_next_occurrence(today, target):
    got = parse_date(f"{target.month}/{target.day}", today)
    assert (got.month, got.day) == (target.month, target.day)
    assert got >= today
    assert got.year == today.year or (got - dt.timedelta(days=1)).year >= today.year
    # nothing earlier on or after today matches
    for year in range(today.year, got.year):
        try:
            earlier = dt.date(year, target.month, target.day)
        except ValueError:
            continue
        assert earlier < today


@given(DAYS, DAYS)
def test_iso_is_taken_as_is(today, day):
    assert parse_date(day.isoformat(), today) == day


# --- past=True: a field that asks for a past day (changes since, as-of, export from/to) ------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", THU), ("yesterday", dt.date(2026, 12, 2)), ("-7d", dt.date(2026, 11, 26)),
        ("-2w", dt.date(2026, 11, 19)), ("+3d", dt.date(2026, 12, 6)),  # offsets as ever
        ("thu", THU), ("Thursday", THU),  # the reference day itself: on or before
        ("fri", dt.date(2026, 11, 27)), ("mon", dt.date(2026, 11, 30)),
        ("wed", dt.date(2026, 12, 2)),
        ("12/3", THU), ("11/13", dt.date(2026, 11, 13)), ("1/5", dt.date(2026, 1, 5)),
        ("12/25", dt.date(2025, 12, 25)),  # not yet this year: last year's
        ("2/29", dt.date(2024, 2, 29)),  # the last year that had one
        ("2027-01-01", dt.date(2027, 1, 1)),  # ISO is taken as is, even ahead
    ],
)
def test_past_reads_weekdays_and_month_days_backwards(text, expected):
    assert parse_date(text, THU, past=True) == expected


def test_past_refuses_with_the_past_forms():
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_date("someday", THU, past=True)
    assert "on or before the as-of date" in str(caught.value)
    with pytest.raises(ImpossibleDate, match="February has at most 29 days"):
        parse_date("2/30", THU, past=True)


@given(DAYS, st.sampled_from(["monday", "tue", "wednesday", "thu", "friday", "sat", "sun"]))
def test_past_weekday_is_the_last_one_on_or_before(today, name):
    day = parse_date(name, today, past=True)
    assert 0 <= (today - day).days <= 6
    assert day.strftime("%a").lower() == name[:3]


@given(DAYS, DAYS)
def test_past_month_day_is_the_last_occurrence(today, target):
    got = parse_date(f"{target.month}/{target.day}", today, past=True)
    assert (got.month, got.day) == (target.month, target.day)
    assert got <= today
    for year in range(got.year + 1, today.year + 1):  # nothing later on or before today
        try:
            later = dt.date(year, target.month, target.day)
        except ValueError:
            continue
        assert later > today


def test_the_forward_reading_in_words():
    assert next_one_words("12/1") == "the next 12/1"
    assert next_one_words(" Fri ") == "the next Friday"
    assert next_one_words("+3d") is None and next_one_words("2026-12-01") is None
    assert days_after_words(dt.date(2027, 12, 1), dt.date(2026, 12, 5)) == (
        "2027-12-01, 361 days after today (2026-12-05)")
    assert days_after_words(dt.date(2026, 11, 21), dt.date(2026, 11, 20),
                            "the as-of date") == (
        "2026-11-21, 1 day after the as-of date (2026-11-20)")


def test_cli_accepts_the_syntax_and_documents_negative_offsets(capsys):
    from tests.test_notes_cli import parse

    today = dt.date.today()
    args = parse(["notes", "add", "--student", "s", "--type", "other", "--text", "x",
                  "--date=-1d", "--follow-up", "+2w"])
    assert args.date == today - dt.timedelta(days=1)
    assert args.follow_up == today + dt.timedelta(weeks=2)
    with pytest.raises(SystemExit):
        parse(["notes", "add", "--student", "s", "--type", "other", "--text", "x",
               "--date", "someday"])
    assert "'someday' is not a date" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["notes", "add", "--student", "s", "--type", "other", "--text", "x",
               "--follow-up", "2026-02-30"])
    err = " ".join(capsys.readouterr().err.split())
    assert ("argument --follow-up: 2026-02-30 is not a real date: February 2026 has 28 days"
            in err)
    with pytest.raises(SystemExit):
        parse(["notes", "add", "--help"])
    assert "--date=-1d" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "argument --as-of: 2026-02-30 is not a real date: February 2026 has 28 "
                       "days"),
        ("2026-13-01", "argument --as-of: 2026-13-01 is not a real date: month 13 does not "
                       "exist"),
        ("soon", "argument --as-of: 'soon' is not a date (use YYYY-MM-DD, today, yesterday, "
                 "-7d, -2w, or a weekday name or M/D (the last one, on or before today))"),
    ],
)
def test_the_clis_iso_dates_say_what_is_wrong_the_same_way(capsys, value, message):
    """``caseload flags --as-of`` (a past day) says an impossible day in the notes' words."""
    from caseload.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["flags", "--as-of", value])
    assert message in " ".join(capsys.readouterr().err.split())
