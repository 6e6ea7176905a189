"""`caseload flags` end to end over the sample school and the Grand Bend sample.

The expected figures are hand counts: read straight from the source files with the standard
library, independently of caseload's readers and rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from caseload.cli import main
from tests import templates as tpl
from tests.paths import SAMPLE_DATA

AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory,
              sample_cli_import: tuple[Path, str]) -> str:
    """This module's copy (0600) of `caseload import sample_data`'s database (conftest.py)."""
    db = tmp_path_factory.mktemp("flags") / "cache.db"
    return str(tpl.copy_sqlite(sample_cli_import[0], db))


def _flags_json(capsys, db: str, *args: str) -> dict:
    capsys.readouterr()
    assert main(["--db", db, "flags", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _csv(name: str) -> list[dict[str, str]]:
    with (SAMPLE_DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _csv_where(name: str, column: str, value: str) -> list[dict[str, str]]:
    """``[r for r in _csv(name) if r[column] == value]``, without making a dict of every row
    (the sample's results.csv has 130,000)."""
    with (SAMPLE_DATA / name).open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        i = header.index(column)
        return [dict(zip(header, r, strict=True)) for r in rows if r[i] == value]


def test_json_contract_shape_and_triage_order(sample_db, capsys):
    data = _flags_json(capsys, sample_db, "--as-of", AS_OF, "--counselor", "cns-1")
    assert data["as_of"] == AS_OF
    students = data["students"]
    caseload = {r["studentSourcedId"] for r in _csv("caseloads.csv") if r["counselorSourcedId"] == "cns-1"}
    assert {s["id"] for s in students} == caseload
    first = students[0]
    assert set(first) == {"id", "name", "grade_level", "counselor_ids", "risk", "flags", "metrics",
                          "attendance_through"}
    assert set(first["metrics"]) == {
        "school_days", "days_absent", "attendance_rate", "unexcused_30d", "absence_streak",
        "unexcused_grading_period", "unexcused_term", "unexcused_year", "incidents_year", "classes",
        "attendance_through", "school_days_all_weekdays",
    }
    assert set(first["metrics"]["classes"][0]) == {
        "id", "title", "teacher", "grade", "weekly", "last_score_date", "missing", "gradebook",
    }
    assert set(first["flags"][0]) == {"code", "severity", "class_id", "message", "evidence"}
    risks = [s["risk"] for s in students]
    assert risks == sorted(risks, reverse=True)
    sev = {"high": 3, "medium": 2, "low": 1}
    for s in students:
        # STALE_GRADEBOOK adds its points once per student, however many classes are stale
        once = {f["code"]: f for f in s["flags"] if f["code"] == "STALE_GRADEBOOK"}
        others = [f for f in s["flags"] if f["code"] != "STALE_GRADEBOOK"]
        assert s["risk"] == sum(sev[f["severity"]] for f in [*others, *once.values()])
    # no notes yet: ties on risk are broken by name
    for a, b in itertools.pairwise(students):
        if a["risk"] == b["risk"]:
            assert a["name"].casefold() <= b["name"].casefold()


def _school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    holidays = {dt.date.fromisoformat(r["date"]) for r in _csv("calendar.csv") if r["instructional"] == "false"}
    out, d = [], start
    while d <= end:
        if d.weekday() < 5 and d not in holidays:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def test_hand_count_attendance_for_a_student(sample_db, capsys):
    sid = "stu-00342"  # Allen, Aria: a current unexcused run
    data = _flags_json(capsys, sample_db, "--as-of", AS_OF, "--student", sid)
    (student,) = data["students"]
    whole_day = {
        dt.date.fromisoformat(r["date"]): r["category"]
        for r in _csv("attendance.csv")
        if r["studentSourcedId"] == sid and not r["classSourcedId"]
    }
    as_of = dt.date.fromisoformat(AS_OF)
    window = as_of - dt.timedelta(days=29)
    unexcused_30 = sum(1 for d, c in whole_day.items() if window <= d <= as_of and c == "unexcused_absence")
    days = _school_days(dt.date(2026, 8, 31), as_of)
    streak = 0
    for d in reversed(days):
        if whole_day.get(d) in ("unexcused_absence", "excused_absence"):
            streak += 1
        else:
            break
    absent = sum(1 for d in days if whole_day.get(d) in ("unexcused_absence", "excused_absence"))
    m = student["metrics"]
    assert (m["unexcused_30d"], m["absence_streak"], m["days_absent"], m["school_days"]) == (
        unexcused_30, streak, absent, len(days),
    )
    assert (unexcused_30, streak) == (9, 8)  # counted by hand: 2026-11-11 to 11-20 spans a weekend
    codes = {f["code"] for f in student["flags"]}
    assert {"UNEXCUSED_ABSENCES", "ABSENCE_STREAK", "CHRONIC_ABSENCE"} <= codes
    assert m["attendance_rate"] == _half_up(Fraction(100 * (len(days) - absent), len(days)))


def _points_grade(mine: list[dict[str, str]], items: dict[str, dict[str, str]],
                  day: dt.date) -> Fraction:
    """A points class's grade at ``day``, exactly (issue 3: scores and maxima as written)."""
    earned = possible = Fraction(0)
    for r in mine:
        li = items[r["lineItemSourcedId"]]
        eff = dt.date.fromisoformat(r["scoreDate"] or li["dueDate"])
        if eff > day or r["scoreStatus"] == "exempt":
            continue
        if r["score"]:
            earned += Fraction(r["score"])
        elif r["scoreStatus"] != "not submitted":
            continue
        possible += Fraction(li["resultValueMax"])
    return 100 * earned / possible


def _half_up(exact: Fraction) -> float:
    """One decimal, half up, as a teacher's gradebook (46.25 -> 46.3)."""
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(value.quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_hand_count_failing_streak_in_a_points_class(sample_db, capsys):
    sid, cls = "stu-00168", None
    data = _flags_json(capsys, sample_db, "--as-of", AS_OF, "--student", sid)
    (student,) = data["students"]
    streaks = [f for f in student["flags"] if f["code"] == "FAILING_STREAK"]
    assert streaks, student["flags"]
    cls = streaks[0]["class_id"]
    policy = [r for r in _csv("gradingPolicies.csv") if r["classSourcedId"] == cls]
    assert any(r["method"] == "points" for r in policy)
    assert not any((r["dropLowest"] or "0") not in ("", "0") for r in policy)
    items = {r["sourcedId"]: r for r in _csv("lineItems.csv") if r["classSourcedId"] == cls}
    mine = [r for r in _csv_where("results.csv", "studentSourcedId", sid)
            if r["lineItemSourcedId"] in items]

    def grade_at(day: dt.date) -> float:
        return _half_up(_points_grade(mine, items, day))

    sundays = [dt.date(2026, 11, 1), dt.date(2026, 11, 8), dt.date(2026, 11, 15)]
    by_hand = [grade_at(d) for d in sundays]
    assert all(g < 70 for g in by_hand)
    klass = next(c for c in student["metrics"]["classes"] if c["id"] == cls)
    assert klass["weekly"][-3:] == [[d.isoformat(), g] for d, g in zip(sundays, by_hand)]
    assert klass["grade"] == grade_at(dt.date.fromisoformat(AS_OF))
    assert streaks[0]["evidence"]
    assert "at the end of the last three weeks" in streaks[0]["message"]


def test_tied_grades_round_half_up(sample_db, capsys):
    """Grades exactly at a .x5 tie are shown rounded up, as a gradebook does (audit s21a D3:
    they went either way with float noise and half-even rounding). stu-00026's Computer
    Science Principles is a points class at 370/800 = 46.25, checked here by hand."""
    ties = {("stu-00026", "cls-CSP-02"): 46.3,  # 46.25 (round() gave 46.2)
            ("stu-00296", "cls-ENG12-06"): 85.4,  # 85.35 (float noise gave 85.3)
            ("stu-00097", "cls-ENG11-05"): 92.5}  # 92.45
    for (sid, cls), want in ties.items():
        (student,) = _flags_json(capsys, sample_db, "--as-of", AS_OF, "--student", sid)["students"]
        (klass,) = [c for c in student["metrics"]["classes"] if c["id"] == cls]
        assert klass["grade"] == want, (sid, cls)
    items = {r["sourcedId"]: r for r in _csv("lineItems.csv") if r["classSourcedId"] == "cls-CSP-02"}
    mine = [r for r in _csv_where("results.csv", "studentSourcedId", "stu-00026")
            if r["lineItemSourcedId"] in items]
    exact = _points_grade(mine, items, dt.date.fromisoformat(AS_OF))
    assert exact == Fraction(4625, 100)
    assert _half_up(exact) == 46.3


def test_table_and_csv_formats(sample_db, capsys):
    capsys.readouterr()
    assert main(["--db", sample_db, "flags", "--as-of", AS_OF, "--counselor", "cns-2"]) == 0
    table = capsys.readouterr().out
    assert table.startswith(f"Early-warning flags as of {AS_OF}")
    assert "\x1b[" not in table  # no colour when not a terminal
    assert main(["--db", sample_db, "flags", "--as-of", AS_OF, "--counselor", "cns-2", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and rows[0]["student_id"].startswith("stu-")


def test_unknown_student_is_an_error(sample_db, capsys):
    assert main(["--db", sample_db, "flags", "--student", "nobody"]) == 1
    assert "no student with id 'nobody'" in capsys.readouterr().err


# --- Grand Bend (real Ed-Fi sample) -----------------------------------------------------

NS = "{http://ed-fi.org/5.2.0}"


@pytest.mark.grandbend
def test_grand_bend_flags_match_hand_counts(grand_bend: Path, tmp_path, capsys,
                                            migrated_template):
    # a copy of the session's migrated empty cache: the import, not the migrations, is tested
    db = str(tpl.copy_sqlite(migrated_template, tmp_path / "gb.db"))
    assert main(["--db", db, "import", str(grand_bend)]) == 0
    data = _flags_json(capsys, db, "--as-of", "2022-05-27", "--counselor", "all")
    assert data["as_of"] == "2022-05-27"
    by_id = {s["id"]: s for s in data["students"]}
    assert len(by_id) == 960

    events: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    root = ET.parse(grand_bend / "StudentSchoolAttendance.xml").getroot()
    for ev in root.iter(f"{NS}StudentSchoolAttendanceEvent"):
        sid = ev.find(f"{NS}StudentReference/{NS}StudentIdentity/{NS}StudentUniqueId").text
        day = dt.date.fromisoformat(ev.find(f"{NS}AttendanceEvent/{NS}EventDate").text)
        cat = ev.find(f"{NS}AttendanceEvent/{NS}AttendanceEventCategory").text.rsplit("#", 1)[1]
        events[sid].append((day, cat))

    # Grand Bend's year: fall 2021-08-23..12-17 and spring 2022-01-04..05-27, weekdays, no
    # calendar exceptions: 85 + 104 = 189 school days.
    as_of = dt.date(2022, 5, 27)
    for sid in ("604941", "605575", "605638"):
        mine = [(d, c) for d, c in events[sid] if d <= as_of and d.weekday() < 5]
        unexcused = [d for d, c in mine if c == "Unexcused Absence"]
        absent = {d for d, c in mine if c in ("Unexcused Absence", "Excused Absence")}
        spring = [d for d in unexcused if d >= dt.date(2022, 1, 4)]
        last30 = [d for d in unexcused if d >= as_of - dt.timedelta(days=29)]
        m = by_id[sid]["metrics"]
        assert m["school_days"] == 189
        assert m["unexcused_year"] == len(unexcused)
        assert m["unexcused_term"] == len(spring)
        assert m["unexcused_30d"] == len(last30)
        assert m["days_absent"] == len(absent)
        chronic = len(absent) / 189 >= 0.10
        assert ("CHRONIC_ABSENCE" in {f["code"] for f in by_id[sid]["flags"]}) == chronic
    assert by_id["604941"]["metrics"]["unexcused_year"] == 19  # hand count
    truant = [s for s in by_id.values() if any(f["code"] == "TRUANCY" for f in s["flags"])]
    assert all(s["metrics"]["unexcused_year"] > 20 or s["metrics"]["unexcused_term"] > 15
               or s["metrics"]["unexcused_grading_period"] > 8 for s in truant)


def test_a_counselor_with_no_students_is_said_not_silently_empty(sample_db, capsys):
    """A mistyped counselor id read as "nobody flagged": the (empty) report still comes, with
    a note on stderr saying the counselor has no students; exit 0. A real counselor's gets
    no such note."""
    capsys.readouterr()
    assert main(["--db", sample_db, "flags", "--as-of", AS_OF, "--counselor", "cns-nobody",
                 "--format", "json"]) == 0
    got = capsys.readouterr()
    assert json.loads(got.out)["students"] == []
    assert "counselor 'cns-nobody' has no students in the cache: check the id" in got.err
    assert main(["--db", sample_db, "flags", "--as-of", AS_OF, "--counselor", "cns-2",
                 "--format", "json"]) == 0
    assert "note" not in capsys.readouterr().err
