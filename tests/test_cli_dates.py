"""The command line's date options that name a past day (``notes list/export --since/--until/
--as-of``, ``flags --as-of``, ``changes --since/--as-of``, ``notes effects --as-of``, ``open/serve
--as-of``) read as the app's past-day fields do (``parse_date(..., past=True)`` against today);
``notes add --date/--follow-up`` keep issue 12's forward reading. ISO reads as before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from caseload.cli import build_parser, main
from caseload.domain.notes import parse_date


def _md(day: dt.date) -> str:
    return f"{day.month}/{day.day}"


EXPORT = ["notes", "export", "--format", "md", "-o", "x.md"]
PAST_OPTIONS = [
    ["flags", "--as-of"], ["changes", "--since"], ["changes", "--since", "2026-01-01", "--as-of"],
    ["notes", "effects", "--student", "s", "--as-of"], ["open", "--as-of"], ["serve", "--as-of"],
    ["notes", "list", "--since"], ["notes", "list", "--until"], [*EXPORT, "--since"],
    [*EXPORT, "--until"], [*EXPORT, "--as-of"],
]


@pytest.mark.parametrize("option", PAST_OPTIONS, ids=lambda o: f"{o[0]} {o[1]} {o[-1]}")
def test_every_past_day_option_reads_the_same_past_forms(option: list[str]) -> None:
    today = dt.date.today()
    name = option[-1].lstrip("-").replace("-", "_")
    for text, expected in (
        ("today", today),
        ("yesterday", today - dt.timedelta(days=1)),
        ("-7d", today - dt.timedelta(days=7)),
        ("mon", today - dt.timedelta(days=today.weekday())),
        (_md(today), today),  # today's M/D is today, not next year
        (_md(today + dt.timedelta(days=1)), parse_date(_md(today + dt.timedelta(days=1)), today,
                                                       past=True)),
        ("2026-11-13", dt.date(2026, 11, 13)),  # ISO exactly as before
        ("20261113", dt.date(2026, 11, 13)),  # (fromisoformat's basic form, as before)
    ):
        args = build_parser().parse_args([*option[:-1], f"{option[-1]}={text}"])
        assert getattr(args, name) == expected, (text, option)
        assert getattr(args, name) <= today or text.startswith("20")


def test_an_m_d_not_yet_reached_this_year_is_last_year() -> None:
    today = dt.date.today()
    ahead = today + dt.timedelta(days=3)
    if ahead.year != today.year:
        pytest.skip("the end of December: 3 days on is next year")
    args = build_parser().parse_args(["changes", "--since", _md(ahead)])
    assert args.since == ahead.replace(year=today.year - 1)


def test_notes_add_keeps_the_forward_reading() -> None:
    today = dt.date.today()
    args = build_parser().parse_args(["notes", "add", "--student", "s", "--type", "other",
                                      "--text", "x", "--date", "mon", "--follow-up", "mon"])
    assert args.date == args.follow_up == parse_date("mon", today) > today


def test_a_value_that_is_no_date_names_the_past_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        build_parser().parse_args(["flags", "--as-of", "soon"])
    assert ended.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert ("argument --as-of: 'soon' is not a date (use YYYY-MM-DD, today, yesterday, -7d, "
            "-2w, or a weekday name or M/D (the last one, on or before today))") in err


def test_notes_list_since_a_month_day_finds_this_years_notes(
    min_cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--since 11/1`` on 12/5 read forward was next year's 11/1: "No notes." (review item 4)."""
    today = dt.date.today()
    day = today - dt.timedelta(days=3)
    assert main(["--db", min_cli_db, "notes", "add", "--student", "stu-1", "--type", "other",
                 "--text", "x", "--date", day.isoformat(), "--author", "cns-1"]) == 0
    capsys.readouterr()
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    for since in (_md(day), "-3d", weekday, day.isoformat()):
        assert main(["--db", min_cli_db, "notes", "list", "--counselor", "all", f"--since={since}",
                     "--format", "json"]) == 0
        notes = json.loads(capsys.readouterr().out)
        assert [n["contact_date"] for n in notes] == [day.isoformat()], since


def test_notes_export_since_reads_back_and_is_audited_with_that_day(
    min_cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.date.today()
    out = tmp_path / "e.json"
    assert main(["--db", min_cli_db, "notes", "export", "--counselor", "all", "--since", _md(today),
                 "--as-of", "today", "--format", "json", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["as_of"] == today.isoformat()
    capsys.readouterr()
    assert main(["--db", min_cli_db, "audit", "--format", "json"]) == 0
    assert f"since:{today.isoformat()}" in json.loads(capsys.readouterr().out)[0]["scope"]


def test_notes_export_refuses_a_since_after_the_default_as_of(
    min_cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As an explicit ``--as-of`` before ``--since`` is refused (review item 4's last point)."""
    today = dt.date.today()
    out = tmp_path / "e.json"
    assert main(["--db", min_cli_db, "notes", "export", "--since", "+3d", "--format", "json",
                 "-o", str(out)]) == 1
    later = today + dt.timedelta(days=3)
    assert (f"--as-of {today} (the default: today) is before --since {later}"
            in capsys.readouterr().err)
    assert not out.exists()
    # with an --until the range is the one given, as with an explicit --as-of
    assert main(["--db", min_cli_db, "notes", "export", "--since", "+3d", "--until", "+5d",
                 "--format", "json", "-o", str(out)]) == 0


def test_flags_and_changes_take_the_past_forms(
    min_cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    today = dt.date.today()
    assert main(["--db", min_cli_db, "flags", "--as-of", "today", "--format", "json",
                 "--counselor", "all"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == today.isoformat()
    assert main(["--db", min_cli_db, "changes", "--since=-7d", "--as-of", "today", "--counselor",
                 "all", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_notes_list_refuses_until_before_since_as_export_does(
    min_cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """Review item 14: ``notes list`` printed ``[]`` (and audited the listing) for an inverted
    range that ``notes export`` refuses; now both refuse it in the same words, exit 1."""
    said = "caseload: error: --until 2026-12-01 is before --since 2026-12-10\n"
    assert main(["--db", min_cli_db, "notes", "list", "--since", "2026-12-10", "--until",
                 "2026-12-01", "--format", fmt]) == 1
    captured = capsys.readouterr()
    assert captured.err == said and captured.out == ""
    assert main(["--db", min_cli_db, "notes", "export", "--since", "2026-12-10", "--until",
                 "2026-12-01", "--format", "json", "-o", str(tmp_path / "z.json")]) == 1
    assert capsys.readouterr().err == said
    assert main(["--db", min_cli_db, "audit", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing listed, nothing audited
