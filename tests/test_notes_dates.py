"""Dates as a counselor types them: caseload.domain.notes.parse_date and notes add --date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload.domain.notes import parse_date

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


@pytest.mark.parametrize("text", ["", "soon", "+3", "3d", "+3m", "13/1", "2/30", "0/1",
                                  "2026-13-01", "2026-1-1", "+99999d", "next friday",
                                  "x" * 500])
def test_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="is not a date") as caught:
        parse_date(text, THU)
    assert "+3d" in str(caught.value) and len(str(caught.value)) < 160


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
        parse(["notes", "add", "--help"])
    assert "--date=-1d" in " ".join(capsys.readouterr().out.split())
