"""``caseload import PATH --check`` and the import service (issues 11 §3 and 15).

--check reads everything and writes nothing: no cache change (rows and import_runs the same, the
SQLite file byte-identical), no rejects file; it prints what would be loaded, rejected (per file
and reason, with examples) and what is missing. Exit 0 when the export would import, 1 when it
would be refused.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from caseload.cli import main
from caseload.config import Config
from caseload.services import importing
from caseload.services.context import Workspace
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.min_export import edit
from tests.paths import MIN_DATA, REPO

EDFI_SMALL = REPO / "tests" / "data" / "edfi_small"


def _snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            name: sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
            for name, table in METADATA.tables.items()
        }


def _damage(data: Path) -> None:
    """An enrollment in an unknown class and a negative score."""
    edit(data / "enrollments.csv", "e2,active,2026-09-01T00:00:00Z,cls-eng,",
          "e2,active,2026-09-01T00:00:00Z,cls-nowhere,")
    edit(data / "results.csv", ",fully graded,62,", ",fully graded,-5,")


def test_check_writes_nothing_and_reports(engine, data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load(engine, read_path(MIN_DATA))
    before = _snapshot(engine)
    _damage(data)
    files_before = sorted(p.name for p in data.iterdir())
    report = importing.check_path(Workspace(engine, Config()), data, skip_invalid=True)
    assert report.would_import
    assert report.counts["users"] == 5
    assert report.counts["enrollments"] == 6
    groups = {(g.file, g.count) for g in report.groups()}
    assert ("enrollments.csv", 1) in groups and ("results.csv", 1) in groups
    examples = [e for g in report.groups() for e in g.examples]
    assert "enrollments.csv:3" in examples and "results.csv:2" in examples
    text = "\n".join(report.lines())
    assert "would load:" in text and "would reject: 2 rows" in text
    assert "missing: nothing" in text
    assert _snapshot(engine) == before  # rows and import_runs unchanged
    assert sorted(p.name for p in data.iterdir()) == files_before
    assert not list(tmp_path.glob("caseload-rejects-*"))


def test_check_strict_reports_the_refusal(engine, data):
    _damage(data)
    report = importing.check_path(Workspace(engine, Config()), data)
    assert not report.would_import
    assert report.refusal is not None
    text = "\n".join(report.lines())
    assert "REFUSED" in text and "results.csv:2" in text and "'score'" in text


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def test_cli_check_leaves_the_sqlite_file_byte_identical(tmp_path, data, capsys, monkeypatch, new_cache):
    monkeypatch.chdir(tmp_path)
    db = new_cache
    assert main(["--db", str(db), "import", str(MIN_DATA)]) == 0
    with sqlite3.connect(db) as conn:  # fold the WAL into the file before hashing
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        runs = conn.execute("SELECT count(*) FROM import_runs").fetchone()[0]
    conn.close()
    sums = {p: _sha(Path(f"{db}{p}")) for p in ("", "-wal")}
    _damage(data)
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(data), "--check", "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "would reject: 2 rows" in out
    assert re.search(r"enrollments\.csv: 1 x field 'classSourcedId'", out)
    assert "e.g. enrollments.csv:3" in out
    assert main(["--db", str(db), "import", str(data), "--check"]) == 1  # strict: refused
    out = capsys.readouterr().out
    assert "REFUSED" in out and "results.csv:2" in out
    assert {p: _sha(Path(f"{db}{p}")) for p in ("", "-wal")} == sums
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM import_runs").fetchone()[0] == runs
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 5
    conn.close()
    assert not list(tmp_path.glob("caseload-rejects-*"))


def test_check_names_what_is_missing(tmp_path, data, capsys, new_cache):
    for name in ("attendance.csv", "caseloads.csv", "lineItems.csv", "results.csv",
                 "categories.csv", "gradingPolicies.csv"):
        (data / name).unlink()
    for key in ("lineItems", "results", "categories"):
        edit(data / "manifest.csv", f"file.{key},bulk", f"file.{key},absent")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(data), "--check"]) == 0
    out = capsys.readouterr().out
    assert "no attendance" in out
    assert "no gradebook" in out
    assert "no counselor assignments" in out


def test_import_service_returns_a_typed_summary_with_notices(tmp_path, data, capsys,
                                                             monkeypatch, new_cache):
    import caseload.sources.detect as detect

    real = detect.read_path

    def with_notice(path, *, skip_invalid=False):
        ds = real(path, skip_invalid=skip_invalid)
        ds.notices.append("not shown: 1 result for a student not enrolled in their class")
        return ds

    monkeypatch.setattr(detect, "read_path", with_notice)
    monkeypatch.chdir(tmp_path)
    edit(data / "results.csv", ",fully graded,62,", ",fully graded,-5,")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(data), "--skip-invalid"]) == 0
    lines = capsys.readouterr().out.splitlines()
    notice = lines.index("  not shown: 1 result for a student not enrolled in their class")
    assert lines[notice - 1].startswith("  grading_policies")  # after the counts
    assert lines[notice + 1].startswith("  rejected rows: 1 (see caseload-rejects-")


# What `caseload import sample_data` printed on the starting commit (e057ca6) for today's
# sample_data: the service must print exactly this (the README's block keeps this shape).
# Since issue 12 the sample school has 969 guardians (users 640 -> 1,609 and a guardians line);
# since issue 14, behavior incidents (incidents.csv: two more lines, the name column wider).
TODAY = """\
Imported OneRoster CSV from sample_data:
  orgs                          2
  academic_sessions             7
  calendar_days                25
  users                     1,609
  guardians                   969
  courses                      35
  classes                     162
  enrollments               4,068
  categories                  590
  line_items                6,023
  results                 132,877
  attendance_events         2,959
  discipline_incidents         78
  student_incidents            85
  caseloads                   600
  grading_policies            162
Refreshed facts for 600 students
"""


def test_sample_import_prints_what_it_printed_before(sample_cli_import):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n\$ caseload import sample_data\n(.*?)```", readme, re.S)
    assert block is not None
    shape = re.compile(
        r"^(Imported OneRoster CSV from sample_data:|  [a-z_]+ +[\d,]+"
        r"|Refreshed facts for [\d,]+ students?)$"
    )
    assert all(shape.match(line) for line in block.group(1).splitlines())
    _, out = sample_cli_import  # `caseload import sample_data` into a fresh db (conftest.py)
    assert out == TODAY


def test_check_creates_no_cache_where_there_was_none(tmp_path: Path) -> None:
    """--check writes nothing: a cache that does not exist yet is not created."""
    db = tmp_path / "never.db"
    assert main(["--db", str(db), "import", str(MIN_DATA), "--check"]) == 0
    assert not db.exists()
    assert not list(tmp_path.iterdir())


def test_check_finds_the_results_an_import_would_not_show(tmp_path, data, capsys, new_cache):
    """A result for a student not on the class's roster: the import stores it but does not
    show it (with --skip-invalid: rejects it). --check runs the same check and says so."""
    results = data / "results.csv"
    lines = results.read_text(encoding="utf-8").splitlines()
    stray = next(line for line in lines if line.startswith("res-5,"))
    assert ",stu-2," in stray
    lines.append(stray.replace("res-5,", "res-9,", 1).replace(",stu-2,", ",stu-3,", 1))
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(data), "--check"]) == 0
    out = capsys.readouterr().out
    assert "not shown: 1 result for a student not enrolled in their class" in out
    assert main(["--db", str(new_cache), "import", str(data), "--check", "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "would reject: 1 row\n" in out and "is not enrolled in class" in out
    # --check writes no rejects file: it says where the row is counted instead
    assert "see the rejects file" not in out
    assert ('in their class (would be rejected: counted under "would reject" below; --check '
            'writes no rejects file)\n') in out


# --- the --skip-invalid hint: only for a refusal the option would turn into a reject ----------


def _append(path: Path, line: bytes) -> None:
    path.write_bytes(path.read_bytes() + line)


COURSE = "crs-eng,active,2026-09-01T00:00:00Z,y-2027,English 9,ENG9,09,sch-1,,"
COURSES_HEADER = ("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
                  "orgSourcedId,subjects,subjectCodes")

# a bad row or record: --skip-invalid rejects it, and the rest would import
ROW_REFUSALS = {
    "a bad value": lambda d: edit(d / "results.csv", ",fully graded,62,", ",fully graded,-5,"),
    "an unknown reference": lambda d: edit(d / "enrollments.csv", "cls-eng,sch-1,stu-1,",
                                           "cls-nowhere,sch-1,stu-1,"),
    "a row of the wrong width": lambda d: edit(d / "courses.csv", COURSE, COURSE + ","),
    "a line that is not UTF-8": lambda d: _append(
        d / "courses.csv", b"crs-x,active,2026-09-01T00:00:00Z,y-2027,\xe9t\xe9,X,09,sch-1,,\n"),
    "an id given twice": lambda d: _append(d / "courses.csv", (COURSE + "\n").encode()),
    "a user's row without the user": lambda d: _append(
        d / "demographics.csv", b"stu-nobody,active,2026-09-01T00:00:00Z,2012-03-04,female\n"),
}
# the file itself: --skip-invalid refuses it just the same
FILE_REFUSALS = {
    "a missing column": lambda d: edit(d / "courses.csv", COURSES_HEADER,
                                       COURSES_HEADER.replace(",title,", ",titel,")),
    "a column given twice": lambda d: edit(d / "courses.csv", COURSES_HEADER,
                                           COURSES_HEADER.replace("subjectCodes", "title")),
    "an empty file": lambda d: (d / "courses.csv").write_text(""),
    "a header that is not UTF-8": lambda d: (d / "courses.csv").write_bytes(
        (d / "courses.csv").read_bytes().replace(b",courseCode,", b",course\xe7ode,", 1)),
}

HINT = "--skip-invalid would reject bad rows instead"


@pytest.mark.parametrize("case", sorted(ROW_REFUSALS) + sorted(FILE_REFUSALS))
def test_check_suggests_skip_invalid_only_when_it_would_skip_the_refused_rows(
    sqlite_engine, data, case: str
) -> None:
    """--check suggested --skip-invalid after every refusal, a damaged zip's or a bad
    header's too, where skipping rows cannot help: now only after a bad row or record, and
    the suggestion holds (checked with the option, that refusal is gone)."""
    {**ROW_REFUSALS, **FILE_REFUSALS}[case](data)
    _hint_only_if_it_helps(Workspace(sqlite_engine, Config()), data, row=case in ROW_REFUSALS)


def test_check_suggests_skip_invalid_after_a_bad_ed_fi_record(sqlite_engine, tmp_path) -> None:
    data = tmp_path / "edfi"
    shutil.copytree(EDFI_SMALL, data)
    edit(data / "enrollment.xml", "<EntryDate>2021-08-16<", "<EntryDate>2021-13-45<")
    _hint_only_if_it_helps(Workspace(sqlite_engine, Config()), data, row=True)


def _hint_only_if_it_helps(ws: Workspace, data: Path, *, row: bool) -> None:
    report = importing.check_path(ws, data)
    assert report.refusal is not None
    text = "\n".join(report.lines())
    assert (HINT in text) == row, text
    with_option = importing.check_path(ws, data, skip_invalid=True)
    if row:
        assert with_option.would_import, with_option.lines()
        assert with_option.rejects
    else:
        assert with_option.refusal is not None
        assert with_option.refusal.describe() == report.refusal.describe()
        assert HINT not in "\n".join(with_option.lines())


def test_a_rejects_file_that_cannot_be_written_after_the_import_counts_one_row(
    engine, data, tmp_path, monkeypatch
):
    """The import committed but its rejects file could not be written: the message counts
    the rows in the singular for one ("its 1 rejected row was not written")."""
    def full_disk(path, rejects):
        raise importing.RejectsFileError(f"cannot write the rejects file {path}: disk full")

    monkeypatch.setattr(importing, "write_rejects", full_disk)
    edit(data / "results.csv", ",fully graded,62,", ",fully graded,-5,")
    with pytest.raises(importing.RejectsFileError) as info:
        importing.import_into(engine, data, skip_invalid=True,
                              rejects_path=tmp_path / "rej.csv")
    assert "its 1 rejected row was not written (run it again with --rejects FILE)" in str(
        info.value)


def test_a_plain_refusal_points_at_skip_invalid_and_rejects_alone_is_noted(
    tmp_path, data, capsys, new_cache, monkeypatch
):
    """A refused row says --skip-invalid would reject it (as --check does); --rejects
    without --skip-invalid is said not to be used, never ignored in silence."""
    monkeypatch.chdir(tmp_path)  # (the last import writes its default rejects file here)
    edit(data / "users.csv", "stu-3,active,", "stu-3,weird,")
    assert main(["--db", str(new_cache), "import", str(data), "--rejects",
                 str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert "caseload: note: --rejects is not used (it goes with --skip-invalid)" in err
    assert err.rstrip().endswith(
        "Nothing was imported; the cache is unchanged.\n"
        "(--skip-invalid would reject bad rows instead: try it with --check first)")
    assert not (tmp_path / "r.csv").exists()
    assert main(["--db", str(new_cache), "import", str(data), "--skip-invalid"]) == 0
    assert "--skip-invalid would" not in capsys.readouterr().err
