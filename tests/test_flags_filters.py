"""`caseload flags --search TEXT --flag CODE` (issue 12, "Finding students"): the caseload
screen's filters on the command line, combined with --counselor and --as-of.

Expected sets are read from the sample's CSV files with the standard library, independently of
the matcher: an accent-free, case-free comparison of names written out by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from caseload.cli import main
from tests import templates as tpl
from tests.paths import SAMPLE_DATA

AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory,
              sample_cli_import: tuple[Path, str]) -> str:
    """This module's copy (0600) of `caseload import sample_data`'s database, imported once
    per session through the CLI (conftest.py's ``sample_cli_import``)."""
    db = tmp_path_factory.mktemp("flags-filters") / "cache.db"
    return str(tpl.copy_sqlite(sample_cli_import[0], db))


def _students(capsys, db: str, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["--db", db, "flags", "--as-of", AS_OF, *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["students"]


def _csv(name: str) -> list[dict[str, str]]:
    with (SAMPLE_DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_search_folds_accents_and_case(sample_db, capsys):
    # "nunez" must find every Nuñez (and a plain Nunez, if any); the sample has Nuñez students
    users = [u for u in _csv("users.csv") if u["sourcedId"].startswith("stu-")]
    plain = str.maketrans("ñÑ", "nN")
    by_hand = {u["sourcedId"] for u in users
               if "nunez" in u["familyName"].translate(plain).casefold()
               or "nunez" in u["givenName"].translate(plain).casefold()}
    assert len(by_hand) >= 2
    got = _students(capsys, sample_db, "--counselor", "all", "--search", "NUNEZ")
    assert {s["id"] for s in got} == by_hand
    # names in either order, and the student number
    josefina = next(u for u in users if u["givenName"] == "Josefina" and u["familyName"] == "Nuñez")
    for query in ("josefina nunez", "Nuñez, Josefina", josefina["identifier"],
                  josefina["sourcedId"]):
        got = _students(capsys, sample_db, "--counselor", "all", "--search", query)
        assert [s["id"] for s in got] == [josefina["sourcedId"]], query


def test_flag_filter_is_any_of_the_codes_within_the_counselor(sample_db, capsys):
    everyone = _students(capsys, sample_db, "--counselor", "cns-1")
    truant = {s["id"] for s in everyone if any(f["code"] == "TRUANCY" for f in s["flags"])}
    low = {s["id"] for s in everyone if any(f["code"] == "LOW_GRADE" for f in s["flags"])}
    assert truant and low and truant != low
    got = _students(capsys, sample_db, "--counselor", "cns-1", "--flag", "TRUANCY")
    assert {s["id"] for s in got} == truant
    got = _students(capsys, sample_db, "--counselor", "cns-1", "--flag", "TRUANCY",
                    "--flag", "LOW_GRADE")
    assert {s["id"] for s in got} == truant | low
    # the triage order is kept
    order = [s["id"] for s in everyone]
    assert [s["id"] for s in got] == [i for i in order if i in truant | low]


def test_search_and_flag_combine(sample_db, capsys):
    everyone = _students(capsys, sample_db, "--counselor", "all")
    flagged = [s for s in everyone if any(f["code"] == "LOW_GRADE" for f in s["flags"])]
    family = flagged[0]["name"].split(", ")[0]
    got = _students(capsys, sample_db, "--counselor", "all", "--search", family,
                    "--flag", "LOW_GRADE")
    assert got and all(family.casefold() in s["name"].casefold() for s in got)
    assert all(any(f["code"] == "LOW_GRADE" for f in s["flags"]) for s in got)
    assert flagged[0]["id"] in {s["id"] for s in got}


def test_unknown_flag_code_is_refused(sample_db, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--db", sample_db, "flags", "--flag", "NOPE"])
    assert info.value.code == 2
    assert "'NOPE' is not a flag code" in capsys.readouterr().err
