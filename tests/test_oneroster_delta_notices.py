"""OneRoster delta exports: what a delta does not say is kept, and what it deletes is said.

A users.csv row of a delta without a demographics.csv row keeps the cached birth date. Every
``tobedeleted`` row is applied and counted, or counted in the summary as not applied and why:
demographics.csv (the birth date cleared), roles.csv (one role per user is kept, not the rows),
ids the cache does not hold (nothing to delete). A 1.2 users.csv row with no roles.csv row keeps
the role the cache holds; a user new to the cache with no role is refused (file, line, field).
Runs on SQLite (staged load) and PostgreSQL (one transaction): the ``engine`` fixture; a REST
sync reads the same way.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.config import Config
from caseload.services import importing
from caseload.services.context import Workspace
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.sources.sync import sync
from tests import templates as tpl
from tests.paths import MIN_DATA, REPO
from tests.sync.oneroster_server import OneRosterServer

V12_ZIP = REPO / "tests" / "data" / "oneroster_v12_zip" / "oneroster-1.2-bulk.zip"
V12_DELTA = REPO / "tests" / "data" / "oneroster_v12_delta"

# The files of a OneRoster export, by manifest key.
_KEYS = ("orgs", "academicSessions", "demographics", "roles", "users", "courses", "classes",
         "enrollments", "categories", "lineItems", "results")


def _header(key: str) -> str:
    return (MIN_DATA / f"{key}.csv").read_text(encoding="utf-8").splitlines()[0]


def _row(key: str, sid: str) -> str:
    """``MIN_DATA``'s row of ``sid`` in ``key``.csv (change it with :func:`_swap`)."""
    for line in (MIN_DATA / f"{key}.csv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith(f"{sid},"):
            return line
    raise AssertionError(f"{sid} not in {key}.csv")


def _swap(line: str, old: str, new: str) -> str:
    assert old in line, old
    return line.replace(old, new, 1)


def _deleted(line: str) -> str:
    return _swap(line, ",active,", ",tobedeleted,")


def _delta(root: Path, version: str = "1.2", **files: list[str]) -> Path:
    """A delta export in ``root/delta``: each file given (manifest key -> rows, header from
    ``MIN_DATA``) marked delta, every other file absent."""
    delta = root / "delta"
    delta.mkdir()
    manifest = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}"]
    for key in _KEYS:
        manifest.append(f"file.{key},{'delta' if key in files else 'absent'}")
    (delta / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    for key, rows in files.items():
        (delta / f"{key}.csv").write_text(
            "\n".join([_header(key), *rows]) + "\n", encoding="utf-8"
        )
    return delta


def _user(engine, sid: str) -> tuple:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT role, given_name, email, birth_date FROM users WHERE sourced_id = :sid"
        ), {"sid": sid}).one_or_none()
    return tuple(None if v is None else str(v) for v in row) if row is not None else ()


def _summary(engine, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    return importing.import_into(engine, path, config=Config()).lines()


# --- a delta keeps what it does not say -----------------------------------------------------


def test_delta_user_row_without_demographics_row_keeps_the_birth_date(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    delta = _delta(
        tmp_path,
        users=[_swap(_row("users", "stu-1"), ",S001,,", ",S001,ada@example.org,"),
               _row("users", "stu-2")],
        roles=[_row("roles", "r1"), _row("roles", "r2")],
        demographics=[_swap(_row("demographics", "stu-2"), "2012-05-06", "2012-05-07")],
    )
    load(engine, read_path(delta))
    assert _user(engine, "stu-1") == ("student", "Ada", "ada@example.org", "2012-03-04")
    assert _user(engine, "stu-2")[3] == "2012-05-07"  # its demographics row: applied


def test_delta_without_demographics_file_keeps_the_birth_date(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    delta = _delta(tmp_path, users=[_row("users", "stu-3")], roles=[_row("roles", "r3")])
    load(engine, read_path(delta))
    assert _user(engine, "stu-3")[3] == "2011-07-08"


def test_bulk_demographics_without_a_row_still_clears_the_birth_date(engine, data):
    """A bulk demographics.csv is the whole truth: no row, no birth date."""
    load(engine, read_path(data))
    body = (data / "demographics.csv").read_text(encoding="utf-8")
    (data / "demographics.csv").write_text(
        "\n".join(line for line in body.splitlines() if not line.startswith("stu-3,")) + "\n",
        encoding="utf-8",
    )
    load(engine, read_path(data))
    assert _user(engine, "stu-3")[3] is None


# --- 1: tobedeleted rows of demographics.csv and roles.csv ------------------------------------


def test_demographics_tobedeleted_clears_the_birth_date_and_says_so(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    delta = _delta(
        tmp_path,
        users=[_row("users", "stu-1")],  # stu-1 with its row; stu-2 without
        roles=[_row("roles", "r1")],
        demographics=[_deleted(_row("demographics", "stu-1")),
                      _deleted(_row("demographics", "stu-2"))],
    )
    lines = _summary(engine, delta)
    assert _user(engine, "stu-1")[3] is None
    assert _user(engine, "stu-2") == ("student", "Ben", None, None)
    assert _user(engine, "stu-3")[3] == "2011-07-08"  # not named: kept
    assert "  demographics.csv: 2 rows marked tobedeleted: birth date cleared" in lines


def test_demographics_and_roles_tobedeleted_go_with_their_user(engine, tmp_path):
    load(engine, read_path(V12_ZIP))
    delta = tmp_path / "delta"
    shutil.copytree(V12_DELTA, delta)
    with (delta / "demographics.csv").open("a", newline="") as fh:
        fh.write('"usr-s3","tobedeleted","2024-10-01T06:00:00.000Z","2007-01-25","female"\r\n')
    report = load(engine, read_path(delta))
    assert report.deleted == {"users": 1, "enrollments": 1, "results": 1}
    assert "roles.csv: 1 row marked tobedeleted: deleted with its user (users.csv)" \
        in report.notices
    assert "demographics.csv: 1 row marked tobedeleted: deleted with its user (users.csv)" \
        in report.notices


def test_roles_tobedeleted_is_counted_as_not_applied(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    delta = _delta(tmp_path, roles=[_deleted(_row("roles", "r4"))])
    lines = _summary(engine, delta)
    assert _user(engine, "tch-1")[0] == "teacher"
    assert [line for line in lines if line.startswith("  roles.csv")] == [
        "  roles.csv: 1 row marked tobedeleted: not applied (caseload keeps one role per user, "
        "not each roles.csv row: a user's role changes with an active roles.csv row and goes "
        "with the user's own deletion in users.csv)"
    ]


def test_rest_sync_demographics_tobedeleted_clears_the_birth_date(
    tmp_path, migrated_template, monkeypatch
):
    """The same over REST: an incremental sync's deleted /demographics record."""
    server = OneRosterServer.from_folder(MIN_DATA).start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", server.secret)
        cache = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
        sync(cache, "district", server.source_config(), backoff=0.01, timeout=5.0)
        assert _user(cache, "stu-3")[3] == "2011-07-08"
        server.touch("demographics", "stu-3", status="tobedeleted")
        report = sync(cache, "district", server.source_config(), backoff=0.01, timeout=5.0)
        assert report.mode == "incremental"
        assert _user(cache, "stu-3") == ("student", "Cy", None, None)
        assert "demographics: 1 row marked tobedeleted: birth date cleared" in report.notices
        cache.dispose()
    finally:
        server.stop()


# --- 2: tobedeleted rows naming records the cache does not hold -------------------------------


def test_tobedeleted_ids_the_cache_does_not_hold_are_counted(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    res5 = _deleted(_row("results", "res-5"))
    delta = _delta(
        tmp_path,
        results=[res5, _swap(res5, "res-5,", "res-404,"), _swap(res5, "res-5,", "res-405,")],
        enrollments=[_swap(_deleted(_row("enrollments", "e1")), "e1,", "e-404,")],
        demographics=[_swap(_deleted(_row("demographics", "stu-1")), "stu-1,", "stu-404,")],
    )
    check = importing.check_path(Workspace(engine, Config()), delta)
    assert check.deletions == {"results": 1, "enrollments": 0}
    assert "  results.csv: 2 tobedeleted rows name records the cache does not hold " \
        "(nothing to delete)" in check.lines()
    lines = _summary(engine, delta)
    assert "  deleted from results: 1" in lines
    assert "  deleted from enrollments: 0" in lines
    for line in (
        "  results.csv: 2 tobedeleted rows name records the cache does not hold "
        "(nothing to delete)",
        "  enrollments.csv: 1 tobedeleted row names a record the cache does not hold "
        "(nothing to delete)",
        "  demographics.csv: 1 tobedeleted row names a record the cache does not hold "
        "(nothing to delete)",
    ):
        assert line in lines
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM results")).scalar() == 4


def test_rest_sync_deletions_the_cache_does_not_hold_are_counted(
    tmp_path, migrated_template, monkeypatch
):
    server = OneRosterServer.from_folder(MIN_DATA).start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", server.secret)
        cache = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
        sync(cache, "district", server.source_config(), backoff=0.01, timeout=5.0)
        server.touch("enrollments", "e5", status="tobedeleted")
        server.touch("enrollments", "e-404", status="tobedeleted")
        report = sync(cache, "district", server.source_config(), backoff=0.01, timeout=5.0)
        assert report.deleted == {"enrollments": 1}
        assert "enrollments: 1 tobedeleted row names a record the cache does not hold " \
            "(nothing to delete)" in report.notices
        cache.dispose()
    finally:
        server.stop()


# --- 3: a 1.2 delta whose roles.csv has no row for a user --------------------------------------


def _changed_users() -> list[str]:
    """stu-1's email and tch-1's name changed (tch-1's school left blank: roles.csv's gave it)."""
    return [_swap(_row("users", "stu-1"), ",S001,,", ",S001,ada@example.org,"),
            _swap(_swap(_row("users", "tch-1"), ",Tina,", ",Tine,"), ",sch-1,", ",,")]


@pytest.mark.parametrize("roles", ["absent", "no row"])
def test_v12_delta_user_without_roles_row_keeps_the_cached_role(engine, tmp_path, roles):
    load(engine, read_path(MIN_DATA))
    files = {"users": _changed_users()}
    if roles == "no row":
        files["roles"] = [_row("roles", "r2")]
    lines = _summary(engine, _delta(tmp_path, **files))
    assert _user(engine, "stu-1") == ("student", "Ada", "ada@example.org", "2012-03-04")
    assert _user(engine, "tch-1")[:2] == ("teacher", "Tine")
    with engine.connect() as conn:
        school = conn.execute(text("SELECT school_id FROM users WHERE sourced_id = 'tch-1'"))
        assert school.scalar() == "sch-1"  # kept, as the role
    assert "  users.csv: 2 users with no roles.csv row in this import keep the role the " \
        "cache holds" in lines


def test_v12_delta_new_user_without_role_is_refused(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    new = _swap(_swap(_row("users", "stu-2"), "stu-2,", "stu-9,"), "{stateId:MD002}", "")
    delta = _delta(tmp_path, users=[*_changed_users(), new])
    with pytest.raises(SourceError) as info:
        load(engine, read_path(delta))
    err = info.value
    assert (err.file, err.line, err.field) == ("users.csv", 4, "role")
    assert err.reason == (
        "user 'stu-9' has no role: no roles.csv row in this import, and the cache does not "
        "hold the user"
    )
    assert _user(engine, "stu-1")[2] is None and _user(engine, "stu-9") == ()  # as it was

    report = load(engine, read_path(delta, skip_invalid=True), skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in report.rejects] == [("users.csv", 4, "role")]
    assert _user(engine, "stu-1")[2] == "ada@example.org" and _user(engine, "stu-9") == ()


def test_v12_delta_guardian_links_of_a_row_without_role_are_counted(engine, tmp_path):
    load(engine, read_path(MIN_DATA))
    agents = _swap(_row("users", "stu-1"), ",S001,,,,,", ',S001,,,,"g-1,g-2",')
    lines = _summary(engine, _delta(tmp_path, users=[agents]))
    assert "  users.csv: 1 of them is a guardian or parent or lists agentSourcedIds: its " \
        "guardian links kept as cached, with the names, phones and emails they show " \
        "(caseload reads links with the row's role)" in lines


def test_v12_delta_guardian_without_roles_row_keeps_role_and_links(engine, data, tmp_path):
    guardian = ("g-1,active,2026-09-01T00:00:00Z,true,g-1,,Rosa,Able,,,,,{phone},stu-1,,,,,,,,"
                "sch-1,")
    with (data / "users.csv").open("a", encoding="utf-8") as fh:
        fh.write(guardian.format(phone="555-0101") + "\n")
    with (data / "roles.csv").open("a", encoding="utf-8") as fh:
        fh.write("r-g-1,active,2026-09-01T00:00:00Z,g-1,primary,parent,,,sch-1,\n")
    load(engine, read_path(data))
    delta = _delta(tmp_path, users=[])
    (delta / "users.csv").write_text(
        f"{_header('users')}\n{guardian.format(phone='555-0202')}\n".replace(",Rosa,", ",Rose,"),
        encoding="utf-8",
    )
    lines = _summary(engine, delta)
    assert _user(engine, "g-1")[:2] == ("parent", "Rose")
    with engine.connect() as conn:
        link = conn.execute(text("SELECT given_name, phone FROM guardians "
                                 "WHERE guardian_id = 'g-1' AND student_id = 'stu-1'")).one()
    assert tuple(link) == ("Rosa", "555-0101")  # as cached, and the summary says so
    assert "  users.csv: 1 user with no roles.csv row in this import keeps the role the cache " \
        "holds" in lines
    assert "  users.csv: 1 of them is a guardian or parent or lists agentSourcedIds: its " \
        "guardian links kept as cached, with the names, phones and emails they show " \
        "(caseload reads links with the row's role)" in lines


def test_v12_user_without_a_row_in_a_bulk_roles_csv_is_still_refused(tmp_path):
    delta = _delta(tmp_path, users=_changed_users(), roles=[_row("roles", "r2")])
    manifest = delta / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "file.roles,delta", "file.roles,bulk"), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        read_path(delta)
    assert str(info.value) == (
        "users.csv:2: field 'role': user 'stu-1' has no role (in users.csv or roles.csv)"
    )


def test_v11_users_without_role_column_are_still_refused(tmp_path):
    delta = _delta(tmp_path, version="1.1", users=[])
    (delta / "users.csv").write_text(
        "sourcedId,status,dateLastModified,givenName,familyName\n"
        "stu-1,active,2026-10-01T00:00:00Z,Ada,Able\n", encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        read_path(delta)
    assert str(info.value) == "users.csv:1: field 'role': no role column and no roles.csv"
