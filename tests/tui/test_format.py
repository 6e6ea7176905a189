import datetime as dt

from caseload.domain.report import SourceFreshness
from caseload.tui.format import ago, freshness_text, num, pct, sparkline
from caseload.tui.screens.caseload import change_text
from caseload.tui.widgets.grade_chart import y_scale

NOW = dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)


def test_ago():
    assert ago(NOW - dt.timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - dt.timedelta(minutes=12), NOW) == "12 min ago"
    assert ago(NOW - dt.timedelta(hours=2, minutes=5), NOW) == "2 h ago"
    assert ago(NOW - dt.timedelta(days=3), NOW) == "3 d ago"
    # naive timestamps from the cache are UTC
    assert ago(dt.datetime(2026, 1, 15, 12, 0), NOW) == "2 h ago"


def test_freshness_text():
    sources = [
        SourceFreshness("grades", "api", NOW - dt.timedelta(hours=2)),
        SourceFreshness("grades", "csv", NOW - dt.timedelta(days=9)),  # older: ignored
        SourceFreshness("roster", "csv", None),
    ]
    assert freshness_text(sources, NOW) == "grades synced 2 h ago · roster never synced"
    assert freshness_text([], NOW) == "no data synced yet"


def test_pct_and_sparkline():
    assert pct(None) == "—"
    assert pct(91.25) == "91.3%"  # ties round half up (domain/rounding.py)
    assert pct(85.35) == "85.4%"  # (stored as 85.3499...)
    assert pct(92.5, 0) == "93%"
    assert num(46.25) == "46.3"
    assert num(46) == "46"
    assert change_text(-12.25) == "\u221212.3 pts"
    assert change_text(-0.04) == "±0.0 pts"
    assert sparkline([]) == ""
    assert sparkline([90, 90, 90]) == "▇▇▇"
    line = sparkline([100, 80, 60, 40, 0])
    assert line == "█▇▅▄▁"


def test_sparklines_share_one_0_100_scale():
    # a 68 to 70 blip stays flat; the same grade draws the same bar in every row
    assert sparkline([68, 70, 68]) == "▆▆▆"
    assert sparkline([70]) == sparkline([40, 70])[-1] == sparkline([70, 100])[0]
    assert sparkline([120, -5]) == "█▁"


def test_y_scale_puts_70_and_100_on_rows():
    for rows in range(3, 20):
        for lowest in (0, 25, 48, 69, 70, 85, 99):
            low, unit = y_scale(min(lowest, 70), rows)
            assert low + (rows - 1) * unit == 100
            assert (70 - low) % unit == 0
            assert low <= min(lowest, 70) or unit == 30


def test_date_fields_take_the_clis_range_only():
    """The app's date fields used to take any year Python does (0001 to 9999; ``+9999w``):
    now the CLI's range, with the same words, from the same constants."""
    import pytest

    from caseload.domain.schooldays import FIRST_DATE, LAST_DATE
    from caseload.tui.format import DateOutOfRange, date_error, parse_date

    today = dt.date(2026, 11, 20)
    assert parse_date("1900-01-01", today) == FIRST_DATE
    assert parse_date("2100-12-31", today) == LAST_DATE
    for typed in ("1899-12-31", "2101-01-01", "0001-01-01", "9999-12-31", "+9999w", "-9999w"):
        with pytest.raises(DateOutOfRange) as refused:
            parse_date(typed, today)
        assert str(refused.value).endswith(
            "is outside the dates caseload works with (1900-01-01 to 2100-12-31)"), typed
        assert date_error(refused.value, "The as-of date", "Type a date") == (
            f"The as-of date {refused.value}.")
    with pytest.raises(ValueError) as unreadable:
        parse_date("someday", today)
    assert not isinstance(unreadable.value, DateOutOfRange)
    assert date_error(unreadable.value, "The as-of date", "Type a date") == "Type a date"


def test_a_date_field_says_what_is_wrong_with_a_day_no_calendar_has() -> None:
    """``2026-02-30`` in any date field (note editor, done dialog, export, as-of) says what is
    wrong, in the domain's words, not the forms a date is typed in."""
    import pytest

    from caseload.domain.notes import ImpossibleDate
    from caseload.tui.format import date_error, parse_date

    today = dt.date(2026, 11, 20)
    for typed, why in (("2026-02-30", "February 2026 has 28 days"),
                       ("2026-13-01", "month 13 does not exist"),
                       ("2/30", "February has at most 29 days")):
        with pytest.raises(ImpossibleDate) as refused:
            parse_date(typed, today)
        assert date_error(refused.value, "The as-of date", "Type a date") == (
            f"The as-of date {typed} is not a real date: {why}.")
