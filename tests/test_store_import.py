"""Import into the cache: round trip, idempotence, delta/tobedeleted, atomicity, bad input.

Runs on SQLite and on PostgreSQL (the ``engine`` fixture is parametrized).
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA
from tests.min_export import edit, write_delta
from tests.paths import MIN_DATA


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(METADATA.tables[table])).scalar_one()


def _snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for name, table in METADATA.tables.items():
            if name in ("import_runs", "mat_pending"):  # run bookkeeping
                continue
            out[name] = sorted(tuple(map(str, r)) for r in conn.execute(select(table)))
    return out


def test_round_trip_and_counts(engine, data):
    report = load(engine, read_path(data))
    assert report.counts["users"] == 5
    assert report.counts["results"] == 5
    assert _count(engine, "attendance_events") == 4
    assert _count(engine, "policy_categories") == 2
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT given_name, family_name, state_id, grade_level, birth_date, school_id "
            "FROM users WHERE sourced_id='stu-3'")).one()
        assert row[0:4] == ("Cy", "O'Connor", "MD003", "10")
        assert str(row[4]) == "2011-07-08" and row[5] == "sch-1"
        cat = conn.execute(text(
            "SELECT category FROM attendance_events WHERE sourced_id='att-3'")).scalar_one()
        assert cat == "excused_absence"
        comment = conn.execute(text("SELECT comment FROM results WHERE sourced_id='res-1'")).scalar_one()
        assert comment == "[bold]see me[/bold]"
        runs = conn.execute(text("SELECT outcome, kind FROM import_runs")).all()
        assert runs == [("ok", "oneroster-csv")]


def test_reimport_is_idempotent(engine, data):
    load(engine, read_path(data))
    before = _snapshot(engine)
    load(engine, read_path(data))
    assert _snapshot(engine) == before


def test_delta_and_tobedeleted(engine, data, tmp_path):
    load(engine, read_path(data))
    delta = write_delta(tmp_path)
    report = load(engine, read_path(delta))
    assert report.deleted == {"results": 1}
    with engine.connect() as conn:
        scores = dict(conn.execute(text("SELECT sourced_id, score FROM results")).all())
    assert scores["res-1"] == 77
    assert "res-5" not in scores
    assert scores["res-9"] == 40
    assert _count(engine, "users") == 5  # untouched by the delta


def test_failure_mid_import_leaves_cache_intact(engine, data):
    load(engine, read_path(data))
    before = _snapshot(engine)
    edit(data / "results.csv", ",62,", ",12,")
    with pytest.raises(RuntimeError, match="injected"):
        load(engine, read_path(data), fail_after="line_items")
    assert _snapshot(engine) == before
    with engine.connect() as conn:
        outcomes = [r[0] for r in conn.execute(text("SELECT outcome FROM import_runs ORDER BY id"))]
    assert outcomes == ["ok", "failed"]


def test_zip_with_bom_and_crlf(engine, data, tmp_path):
    for p in data.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", data)
    report = load(engine, read_path(Path(archive)))
    assert report.counts["users"] == 5


def test_sqlite_file_is_owner_only(tmp_path):
    from caseload.store.engine import make_engine, migrate

    path = tmp_path / "sub" / "cache.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    load(eng, read_path(MIN_DATA))
    for p in path.parent.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


# --- bad input: each names file, line and field, and loads nothing -------------------------


BAD_CASES = [
    ("results.csv", ",62,", ",-5,", "results.csv:2: field 'score'", "below 0"),
    ("results.csv", ",62,", ",sixty,", "results.csv:2: field 'score'", "not a number"),
    ("attendance.csv", "2026-09-16", "2026-09-31", "attendance.csv:3: field 'date'",
     "2026-09-31 is not a real date: September 2026 has 30 days"),
    # forms Python's fromisoformat takes but YYYY-MM-DD does not allow
    ("attendance.csv", "2026-09-16", "20260916", "attendance.csv:3: field 'date'",
     "'20260916' is not a date (expected YYYY-MM-DD)"),
    ("results.csv", ",2026-09-14,", ",2026-W38-1,", "results.csv:2: field 'scoreDate'",
     "'2026-W38-1' is not a date (expected YYYY-MM-DD)"),
    ("attendance.csv", ",tardy,", ",sleepy,", "attendance.csv:5: field 'category'", "unknown attendance category"),
    ("users.csv", "stu-2,active", "stu-1,active", "users.csv:3: field 'sourcedId'", "duplicate id 'stu-1'"),
    ("enrollments.csv", "e3,active,2026-09-01T00:00:00Z,cls-alg", "e3,active,2026-09-01T00:00:00Z,cls-nope",
     "enrollments.csv:4: field 'classSourcedId'", "unknown classSourcedId 'cls-nope'"),
    ("results.csv", ",fully graded,91,", ",graded-ish,91,", "results.csv:4: field 'scoreStatus'", "unknown scoreStatus"),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "why"), BAD_CASES)
def test_bad_input_is_named_and_loads_nothing(engine, data, file, old, new, where, why):
    load(engine, read_path(data))
    before = _snapshot(engine)
    edit(data / file, old, new)
    with pytest.raises(SourceError) as info:
        load(engine, read_path(data))
    message = str(info.value)
    assert where in message and why in message, message
    assert _snapshot(engine) == before


def test_missing_required_column_is_named(data):
    edit(data / "attendance.csv", "studentSourcedId", "student")
    with pytest.raises(SourceError, match=r"attendance.csv:1: field 'studentSourcedId': missing required column"):
        read_path(data)


def test_skip_invalid_lands_valid_rows_and_reports_rejects(engine, data):
    edit(data / "results.csv", ",62,", ",-5,")
    edit(data / "enrollments.csv", "e3,active,2026-09-01T00:00:00Z,cls-alg", "e3,active,2026-09-01T00:00:00Z,cls-nope")
    ds = read_path(data, skip_invalid=True)
    report = load(engine, ds, skip_invalid=True)
    reasons = sorted((r.file, r.line, r.field) for r in report.rejects)
    # without its enrollment (e3, rejected) stu-2 is not on cls-alg's roster: its results there
    # are rejected as "not enrolled" (issue 11 §1), not shown as a class with a grade
    assert reasons == [
        ("enrollments.csv", 4, "classSourcedId"),
        ("results.csv", 2, "score"),
        ("results.csv", 4, "studentSourcedId"),
        ("results.csv", 5, "studentSourcedId"),
    ]
    assert report.counts["results"] == 2
    assert report.counts["enrollments"] == 6


def test_unknown_format_is_explained(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(SourceError, match="not a recognized export"):
        read_path(tmp_path)


def test_oneroster_11_users_with_role_column(engine, data):
    (data / "roles.csv").unlink()
    edit(data / "manifest.csv", "file.roles,bulk\n", "")
    users = data / "users.csv"
    lines = users.read_text().splitlines()
    header = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
    rows = [header]
    roles = {"stu": "student", "tch": "teacher", "cns": "counselor"}
    for line in lines[1:]:
        f = line.split(",")
        rows.append(",".join([f[0], f[1], f[2], f[3], "sch-1", roles[f[0][:3]], f[4], f[5], f[6], f[7], f[8], f[9], "", "", "", "", f[14], ""]))
    users.write_text("\n".join(rows) + "\n")
    load(engine, read_path(data))
    with engine.connect() as conn:
        roles_in_db = dict(conn.execute(text("SELECT sourced_id, role FROM users")).all())
    assert roles_in_db["cns-1"] == "counselor" and roles_in_db["stu-1"] == "student"


def test_schema_head_matches_migrations():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from caseload.store.engine import Path as _P  # noqa: F401
    from caseload.store.schema_version import HEAD

    cfg = Config()
    import caseload.store.engine as eng_mod

    cfg.set_main_option("script_location", str(Path(eng_mod.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD


def test_a_file_named_zip_that_is_no_zip_says_so(tmp_path):
    """(audit s20) It said "not a recognized export: expected a OneRoster folder or .zip",
    which sends one looking for a manifest, not for a broken download."""
    path = tmp_path / "export.zip"
    path.write_text("hello")
    with pytest.raises(SourceError) as exc:
        read_path(path)
    assert exc.value.file == "export.zip"
    assert "not a zip archive" in exc.value.reason
    assert "not a recognized export" not in exc.value.reason
