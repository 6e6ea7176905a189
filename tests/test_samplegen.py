"""The synthetic school: deterministic, well-formed OneRoster 1.2 CSV that exercises the flags.

Most checks run twice: on a small school generated into a temp dir (60 students) and on the
committed ``sample_data/`` (600 students), which must also be exactly what the generator
writes with its defaults.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseload import samplegen
from tests.paths import SAMPLE_DATA

D = dt.date.fromisoformat
AS_OF = samplegen.DEFAULT_AS_OF
ONEROSTER = (
    "academicSessions", "categories", "classes", "courses", "demographics", "enrollments",
    "lineItems", "orgs", "results", "roles", "users",
)


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def stream(folder: Path, name: str) -> Iterator[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


class School:
    """The small files of one generated folder, read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for name in samplegen.HEADERS:
            if name != "results.csv":
                setattr(self, name.removesuffix(".csv"), read(folder, name))
        self.as_of = D(
            next(r["value"] for r in self.manifest if r["propertyName"] == "caseload.asOfDate")
        )
        self.students = [
            r["userSourcedId"] for r in self.roles if r["role"] == "student"
        ]
        self.holidays = {D(r["date"]) for r in self.calendar if r["instructional"] == "false"}
        self.makeups = {D(r["date"]) for r in self.calendar if r["instructional"] == "true"}
        self.items = {r["sourcedId"]: r for r in self.lineItems}
        self.teacher_of = {
            r["classSourcedId"]: r["userSourcedId"]
            for r in self.enrollments
            if r["role"] == "teacher"
        }
        self.begin: dict[str, dt.date] = {}
        for r in self.enrollments:
            if r["role"] == "student":
                b = D(r["beginDate"])
                self.begin[r["userSourcedId"]] = min(b, self.begin.get(r["userSourcedId"], b))

    def school_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        out, d = [], first
        while d <= last:
            if (d.weekday() < 5 and d not in self.holidays) or d in self.makeups:
                out.append(d)
            d += dt.timedelta(1)
        return out

    def results(self) -> Iterator[dict[str, str]]:
        return stream(self.folder, "results.csv")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> School:
    out = samplegen.generate(tmp_path_factory.mktemp("small"), students=60)
    return School(out)


@pytest.fixture(scope="module")
def committed() -> School:
    if not (SAMPLE_DATA / "manifest.csv").exists():
        pytest.fail("sample_data/ is missing: run `python -m caseload.samplegen sample_data`")
    return School(SAMPLE_DATA)


@pytest.fixture(params=["small", "committed"])
def school(request: pytest.FixtureRequest) -> School:
    return request.getfixturevalue(request.param)


# --- determinism and format ----------------------------------------------------------------


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    a = samplegen.generate(tmp_path / "a", students=60)
    b = samplegen.generate(tmp_path / "b", students=60)
    c = samplegen.generate(tmp_path / "c", students=60, seed=7)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(samplegen.HEADERS)
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "results.csv").read_bytes() != (c / "results.csv").read_bytes()


def test_committed_sample_data_is_the_generator_output(tmp_path: Path) -> None:
    fresh = samplegen.generate(tmp_path / "fresh")
    for name in samplegen.HEADERS:
        assert (fresh / name).read_bytes() == (SAMPLE_DATA / name).read_bytes(), (
            f"sample_data/{name} is stale: run `python -m caseload.samplegen sample_data`"
        )


def test_files_have_headers_utf8_lf_and_parse_back_identically(school: School) -> None:
    for name, header in samplegen.HEADERS.items():
        raw = (school.folder / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), name
        assert b"\r" not in raw, name
        text = raw.decode("utf-8")
        assert text.partition("\n")[0] == ",".join(header), name  # no \r (above)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert all(len(r) == len(header) for r in rows), name
        again = io.StringIO(newline="")
        csv.writer(again, lineterminator="\n").writerows(rows)
        assert again.getvalue() == text, f"{name}: quoting differs from csv.writer"


def test_manifest(school: School) -> None:
    props = {r["propertyName"]: r["value"] for r in school.manifest}
    assert props["manifest.version"] == "1.0"
    assert props["oneroster.version"] == "1.2"
    assert props["caseload.asOfDate"] == AS_OF.isoformat()
    for name in ONEROSTER:
        assert props[f"file.{name}"] == "bulk"
        assert (school.folder / f"{name}.csv").exists()
    for key, value in props.items():
        if key.startswith("file.") and value == "absent":
            assert not (school.folder / f"{key[5:]}.csv").exists()


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert samplegen.main([str(tmp_path / "cli"), "--students", "12", "--seed", "3"]) == 0
    assert len(read(tmp_path / "cli", "demographics.csv")) == 12
    with pytest.raises(SystemExit):
        samplegen.main([str(tmp_path / "bad"), "--as-of", "2027-05-01"])
    assert "as_of" in capsys.readouterr().err


# --- referential integrity -----------------------------------------------------------------


def test_every_foreign_id_exists(school: School) -> None:
    s = school
    orgs = {r["sourcedId"] for r in s.orgs}
    sessions = {r["sourcedId"]: r for r in s.academicSessions}
    users = {r["sourcedId"] for r in s.users}
    courses = {r["sourcedId"] for r in s.courses}
    classes = {r["sourcedId"] for r in s.classes}
    cats = {r["sourcedId"] for r in s.categories}
    students = set(s.students)

    assert all(r["parentSourcedId"] in orgs | {""} for r in s.orgs)
    for r in s.academicSessions:
        assert r["parentSourcedId"] == "" or r["parentSourcedId"] in sessions
        assert r["schoolYear"] == "2027"
    assert all(r["orgSourcedId"] in orgs and r["schoolYearSourcedId"] in sessions
               for r in s.courses)
    for r in s.classes:
        assert r["courseSourcedId"] in courses and r["schoolSourcedId"] in orgs
        assert all(t in sessions for t in r["termSourcedIds"].split(","))
    assert all(r["primaryOrgSourcedId"] in orgs for r in s.users)
    assert {r["userSourcedId"] for r in s.roles} == users
    assert len(s.roles) == len(users)
    assert {r["sourcedId"] for r in s.demographics} == students
    for r in s.enrollments:
        assert r["classSourcedId"] in classes and r["userSourcedId"] in users
        assert r["schoolSourcedId"] in orgs
    assert set(s.teacher_of) == classes
    for r in s.lineItems:
        assert r["classSourcedId"] in classes and r["categorySourcedId"] in cats
        assert r["categorySourcedId"].startswith(f"cat-{r['classSourcedId']}-")
        assert sessions[r["gradingPeriodSourcedId"]]["type"] == "gradingPeriod"
        assert sessions[r["academicSessionSourcedId"]]["type"] == "semester"
    enrolled = {(r["userSourcedId"], r["classSourcedId"]) for r in s.enrollments}
    for r in s.results():
        item = s.items[r["lineItemSourcedId"]]
        assert (r["studentSourcedId"], item["classSourcedId"]) in enrolled
    for r in s.attendance:
        assert r["studentSourcedId"] in students
        if r["classSourcedId"]:
            assert (r["studentSourcedId"], r["classSourcedId"]) in enrolled
    assert {r["studentSourcedId"] for r in s.caseloads} == students
    assert {r["counselorSourcedId"] for r in s.caseloads} <= users
    for r in s.gradingPolicies:
        assert r["classSourcedId"] in classes
        assert r["categorySourcedId"] == "" or r["categorySourcedId"] in cats


def test_ids_are_unique(school: School) -> None:
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "roles",
                 "demographics", "enrollments", "categories", "lineItems", "attendance"):
        ids = [r["sourcedId"] for r in getattr(school, name)]
        assert len(ids) == len(set(ids)), name
    ids = [r["sourcedId"] for r in school.results()]
    assert len(ids) == len(set(ids))


# --- shape of the school -------------------------------------------------------------------


def test_sessions_and_calendar(school: School) -> None:
    by_id = {r["sourcedId"]: r for r in school.academicSessions}
    types = Counter(r["type"] for r in school.academicSessions)
    assert types == {"schoolYear": 1, "semester": 2, "gradingPeriod": 4}
    fall = by_id[samplegen.FALL_ID]
    assert (fall["startDate"], fall["endDate"]) == ("2026-08-31", "2027-01-22")
    for r in school.academicSessions:
        if r["type"] == "gradingPeriod":
            assert by_id[r["parentSourcedId"]]["type"] == "semester"
    q1 = by_id[samplegen.Q1_ID]
    assert (q1["startDate"], q1["endDate"]) == ("2026-08-31", "2026-11-06")
    for day in ("2026-09-07", "2026-09-21", "2026-10-12", "2026-11-03", "2026-11-25",
                "2026-12-21", "2027-01-01", "2027-01-18"):
        assert D(day) in school.holidays
    assert all(d.weekday() < 5 for d in school.holidays)
    assert all(d.weekday() >= 5 for d in school.makeups)


def test_counts_for_600(committed: School) -> None:
    s = committed
    roles = Counter(r["role"] for r in s.roles)
    assert roles["student"] == 600
    assert roles["counselor"] == 3
    assert 30 <= roles["teacher"] <= 40
    assert Counter(r["type"] for r in s.orgs) == {"district": 1, "school": 1}
    assert 130 <= len(s.classes) <= 190
    weeks = (AS_OF - samplegen.FALL_START).days / 7
    per_week = len([r for r in s.lineItems if D(r["dueDate"]) <= AS_OF]) / len(s.classes) / weeks
    assert 2.0 <= per_week <= 4.0
    n_results = sum(1 for _ in s.results())
    assert 100_000 <= n_results <= 160_000
    assert 1_000 <= len(s.attendance) <= 6_000
    grades = Counter(r["grades"] for r in s.users if r["sourcedId"].startswith("stu-"))
    assert set(grades) == {"09", "10", "11", "12"}
    assert min(grades.values()) >= 100


def test_every_student_has_six_or_seven_classes_in_distinct_periods(school: School) -> None:
    period = {r["sourcedId"]: r["periods"] for r in school.classes}
    classes: dict[str, list[str]] = defaultdict(list)
    for r in school.enrollments:
        if r["role"] == "student":
            classes[r["userSourcedId"]].append(r["classSourcedId"])
    assert set(classes) == set(school.students)
    for cls in classes.values():
        assert 6 <= len(cls) <= 7
        assert len({period[c] for c in cls}) == len(cls)
    teachers = Counter(r["classSourcedId"] for r in school.enrollments if r["role"] == "teacher")
    assert set(teachers.values()) == {1}


def test_three_counselors_split_by_last_name(school: School) -> None:
    family = {r["sourcedId"]: r["familyName"] for r in school.users}
    letters: dict[str, set[str]] = defaultdict(set)
    for r in school.caseloads:
        letters[r["counselorSourcedId"]].add(samplegen._ascii(family[r["studentSourcedId"]])[0])
    assert set(letters) == {"cns-1", "cns-2", "cns-3"}
    assert letters["cns-1"] <= set("ABCDEFG")
    assert letters["cns-2"] <= set("HIJKLMNO")
    assert letters["cns-3"] <= set("PQRSTUVWXYZ")
    assert len(school.caseloads) == len(school.students)


def test_users_look_right(committed: School) -> None:
    students = [r for r in committed.users if r["sourcedId"].startswith("stu-")]
    staff = [r for r in committed.users if not r["sourcedId"].startswith("stu-")]
    for r in students:
        assert r["identifier"].startswith("S") and r["identifier"][1:].isdigit()
        assert r["userIds"].startswith("{stateId:MD") and r["userIds"].endswith("}")
        assert r["grades"] in {"09", "10", "11", "12"}
    assert all(r["grades"] == "" for r in staff)
    names = [r["givenName"] + " " + r["familyName"] for r in committed.users]
    assert not any("[" in n or "]" in n for n in names)
    assert any("'" in n for n in names)
    assert any(not n.isascii() for n in names)
    assert any("-" in n for n in names)
    grade = {r["sourcedId"]: int(r["grades"]) for r in students}
    for r in committed.demographics:
        born = D(r["birthDate"])
        age = 2026 - born.year - ((born.month, born.day) > (9, 1))
        assert age - grade[r["sourcedId"]] in (5, 6), r


def test_grading_policies(school: School) -> None:
    methods: dict[str, str] = {}
    weights: dict[str, float] = defaultdict(float)
    for r in school.gradingPolicies:
        if r["categorySourcedId"] == "":
            assert r["classSourcedId"] not in methods
            assert r["weight"] == r["dropLowest"] == ""
            methods[r["classSourcedId"]] = r["method"]
        elif r["weight"]:
            weights[r["classSourcedId"]] += float(r["weight"])
    assert set(methods) == {r["sourcedId"] for r in school.classes}
    assert set(methods.values()) == {"points", "weighted"}
    for cls, method in methods.items():
        if method == "weighted":
            assert weights[cls] == pytest.approx(1.0)
        else:
            assert cls not in weights
    assert any(int(r["dropLowest"] or 0) > 0 for r in school.gradingPolicies)


def test_line_items_on_school_days(school: School) -> None:
    days = set(school.school_days(samplegen.FALL_START, samplegen.FALL_END))
    for r in school.lineItems:
        assign, due = D(r["assignDate"]), D(r["dueDate"])
        assert assign in days and due in days and assign <= due <= AS_OF + dt.timedelta(7)
        assert assign <= AS_OF


# --- results -------------------------------------------------------------------------------


def test_results_timing_and_kinds(school: School) -> None:
    kinds: Counter[str] = Counter()
    for r in school.results():
        item = school.items[r["lineItemSourcedId"]]
        due, status = D(item["dueDate"]), r["scoreStatus"]
        assert status in {"exempt", "fully graded", "not submitted", "submitted"}
        assert due <= AS_OF
        if status == "submitted":  # turned in, not graded yet: dated when submitted
            assert r["score"] == "" and D(r["scoreDate"]) == due
            assert (AS_OF - due).days < 3  # scores come 1 to 3 days after the due date
            kinds["pending"] += 1
            continue
        delta = (D(r["scoreDate"]) - due).days
        assert 1 <= delta <= 3, r
        assert D(r["scoreDate"]) <= AS_OF
        if status == "not submitted":
            assert r["score"] == "" and r["missing"] == "true"
            kinds["missing"] += 1
        elif status == "exempt":
            assert r["score"] == ""
            kinds["exempt"] += 1
        else:
            score = float(r["score"])
            assert score >= 0
            if score > float(item["resultValueMax"]):
                kinds["extra credit"] += 1
            if r["late"] == "true":
                kinds["late"] += 1
        if r["comment"]:
            kinds["comment"] += 1
        if "," in r["comment"] or '"' in r["comment"]:
            kinds["quoted comment"] += 1
    for kind in ("missing", "late", "exempt", "extra credit", "comment", "pending"):
        assert kinds[kind] > 0, kind
    if school.folder == SAMPLE_DATA:
        assert kinds["quoted comment"] > 0


def test_items_due_in_the_last_days_have_no_score_yet(school: School) -> None:
    scored = {r["lineItemSourcedId"] for r in school.results() if r["score"]}
    recent = [k for k, r in school.items.items() if D(r["dueDate"]) == AS_OF]
    assert recent and not scored.intersection(recent)


def test_two_teachers_stopped_posting(school: School) -> None:
    window = (AS_OF - dt.timedelta(20), AS_OF)  # 2026-10-31 .. 2026-11-20
    posting: set[str] = set()
    results_in_window = set()
    for r in school.results():
        if window[0] <= D(r["scoreDate"]) <= window[1]:
            cls = school.items[r["lineItemSourcedId"]]["classSourcedId"]
            results_in_window.add(cls)
            if r["scoreStatus"] != "submitted":
                posting.add(school.teacher_of[cls])
    quiet = sorted(set(school.teacher_of.values()) - posting)
    assert len(quiet) == 2, quiet
    for cls, teacher in school.teacher_of.items():
        if teacher in quiet:
            assert cls not in results_in_window  # no result row at all, submitted included
            due = [r for r in school.lineItems
                   if r["classSourcedId"] == cls and window[0] <= D(r["dueDate"]) <= AS_OF]
            assert due, f"{cls}: line items should keep coming due"


# --- attendance ----------------------------------------------------------------------------


def test_attendance_only_on_enrolled_school_days(school: School) -> None:
    days = set(school.school_days(samplegen.FALL_START, AS_OF))
    period = {r["sourcedId"]: r["periods"] for r in school.classes}
    whole_days = set()
    for r in school.attendance:
        d = D(r["date"])
        assert d in days, r
        assert d >= school.begin[r["studentSourcedId"]], r
        assert r["category"] in {"present", "tardy", "excused_absence", "unexcused_absence",
                                 "early_departure"}
        if r["classSourcedId"]:
            assert r["period"] == period[r["classSourcedId"]]
        else:
            assert r["period"] == ""
            key = (r["studentSourcedId"], d)
            assert key not in whole_days
            whole_days.add(key)
    kinds = Counter((r["category"], bool(r["classSourcedId"])) for r in school.attendance)
    assert kinds[("tardy", True)] > 0
    period_absences = kinds[("unexcused_absence", True)] + kinds[("excused_absence", True)]
    whole_absences = kinds[("unexcused_absence", False)] + kinds[("excused_absence", False)]
    assert 0 < period_absences < whole_absences  # whole-day records are the majority


def test_a_day_of_period_absences_in_half_the_classes(school: School) -> None:
    """The rule's edge: no whole-day record, absent from at least half the classes."""
    classes = Counter(r["userSourcedId"] for r in school.enrollments if r["role"] == "student")
    absent: Counter[tuple[str, str]] = Counter()
    whole = set()
    for r in school.attendance:
        key = (r["studentSourcedId"], r["date"])
        if not r["classSourcedId"]:
            whole.add(key)
        elif r["category"].endswith("absence"):
            absent[key] += 1
    assert any(n * 2 >= classes[key[0]] and key not in whole for key, n in absent.items())


def _absences(school: School) -> dict[str, dict[dt.date, str]]:
    out: dict[str, dict[dt.date, str]] = defaultdict(dict)
    for r in school.attendance:
        if not r["classSourcedId"] and r["category"].endswith("absence"):
            out[r["studentSourcedId"]][D(r["date"])] = r["category"]
    return out


def test_unexcused_runs_and_streaks(school: School) -> None:
    absences = _absences(school)
    since = AS_OF - dt.timedelta(29)  # the 30 days ending on the as-of date
    counts = {
        s: sum(1 for d, c in days.items() if c == "unexcused_absence" and since <= d <= AS_OF)
        for s, days in absences.items()
    }
    assert sum(1 for n in counts.values() if n >= 5) >= 2
    assert 5 in counts.values()  # the edge: exactly five
    days = school.school_days(samplegen.FALL_START, AS_OF)
    streaks = {}
    for s, absent in absences.items():
        run = []
        for d in reversed(days):
            if d not in absent:
                break
            run.append(d)
        streaks[s] = run
    long = [run for run in streaks.values() if len(run) >= 3]
    assert long
    assert any((run[0] - run[-1]).days >= len(run) for run in long)  # spans a weekend


def test_chronic_absence_share(committed: School) -> None:
    absences = _absences(committed)
    chronic = 0
    for s in committed.students:
        enrolled = committed.school_days(committed.begin[s], AS_OF)
        if len(absences.get(s, {})) >= 0.1 * len(enrolled):
            chronic += 1
    assert 0.06 * 600 <= chronic <= 0.16 * 600


def test_late_enrollees(school: School) -> None:
    late = {s for s, b in school.begin.items() if b > samplegen.FALL_START}
    assert late
    for r in school.enrollments:
        if r["userSourcedId"] in late:
            assert D(r["beginDate"]) == school.begin[r["userSourcedId"]]


# --- the storylines the flags must find ----------------------------------------------------


def _grades(school: School) -> dict[tuple[str, str], list[float | None]]:
    """Weekly grades (six most recent complete weeks) and the grade at the as-of date, per
    student and class, by the rules of issue 3 (independent of the generator's own check)."""
    method: dict[str, str] = {}
    weight: dict[str, float] = {}
    drop: dict[str, int] = {}
    for r in school.gradingPolicies:
        if not r["categorySourcedId"]:
            method[r["classSourcedId"]] = r["method"]
        else:
            weight[r["categorySourcedId"]] = float(r["weight"] or 0)
            drop[r["categorySourcedId"]] = int(r["dropLowest"] or 0)
    scores: dict[tuple[str, str], list[tuple[dt.date, str, float, float]]] = defaultdict(list)
    for r in school.results():
        if r["scoreStatus"] == "exempt":
            continue
        if r["score"]:
            score = float(r["score"])
        elif r["scoreStatus"] == "not submitted":
            score = 0.0
        else:
            continue
        item = school.items[r["lineItemSourcedId"]]
        when = D(r["scoreDate"]) if r["scoreDate"] else D(item["dueDate"])
        scores[(r["studentSourcedId"], item["classSourcedId"])].append(
            (when, item["categorySourcedId"], score, float(item["resultValueMax"])))
    sunday = AS_OF - dt.timedelta((AS_OF.weekday() + 1) % 7)
    ends = [sunday - dt.timedelta(7 * k) for k in range(5, -1, -1)] + [AS_OF]

    def grade(cls: str, rows: list[tuple[dt.date, str, float, float]], t: dt.date):
        cats: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for when, cat, score, top in rows:
            if when <= t:
                cats[cat].append((score, top))
        if not cats:
            return None
        for cat, got in cats.items():
            got.sort(key=lambda p: p[0] / p[1])
            del got[: min(drop.get(cat, 0), len(got) - 1)]
        if method[cls] == "points":
            return 100 * sum(p[0] for g in cats.values() for p in g) / sum(
                p[1] for g in cats.values() for p in g)
        pct = {c: 100 * sum(p[0] for p in g) / sum(p[1] for p in g) for c, g in cats.items()}
        return sum(weight[c] * v for c, v in pct.items()) / sum(weight[c] for c in pct)

    return {key: [grade(key[1], rows, t) for t in ends] for key, rows in scores.items()}


def test_grade_storylines(committed: School) -> None:
    grades = _grades(committed)
    failing, dropping, current = set(), set(), []
    for (student, _cls), g in grades.items():
        weekly, now = g[:6], g[6]
        if now is None:
            continue
        current.append(now)
        if all(w is not None and w < 70 for w in weekly[-3:]):
            failing.add(student)
        peak = max((w for w in weekly if w is not None), default=0)
        if peak >= 80 and now <= peak - 15:
            dropping.add(student)
    n = len(committed.students)
    assert 0.06 * n <= len(failing) <= 0.12 * n  # FAILING_STREAK: ~6% on purpose, a few more
    assert 0.04 * n <= len(dropping) <= 0.08 * n  # GRADE_DROP: ~4% on purpose
    current.sort()
    assert 80 <= current[len(current) // 2] <= 90  # most students in the B/C range


def test_python_dash_m_runs_the_package(tmp_path: Path) -> None:
    """`python -m caseload.samplegen OUT_DIR` (make sample-data) still works on the package."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "caseload.samplegen", str(tmp_path / "out"), "--students", "3"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and "(3 students, seed 20261120)" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(samplegen.HEADERS)


def test_no_samplegen_module_passes_800_lines() -> None:
    package = Path(samplegen.__file__).parent
    for module in package.glob("*.py"):
        lines = module.read_text(encoding="utf-8").count("\n")
        assert lines <= 800, f"{module.name}: {lines} lines"
