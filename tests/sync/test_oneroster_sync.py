"""OneRoster REST sync against a real HTTP server on 127.0.0.1 (tests/sync/oneroster_server.py).

Equality with `caseload import`: the caseload extension files (attendance, calendar,
caseloads, gradingPolicies) are not OneRoster REST resources, so the sync side imports them
from CSV after the sync and then EVERY cache table is compared (except the run log
``import_runs`` and ``sync_state``).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.http import ApiClient, Credentials, SyncError, parse_retry_after
from caseload.sources.loader import load
from caseload.sources.secrets import SecretMissing
from caseload.sources.sync import last_mark, sync
from caseload.store.engine import make_engine
from caseload.store.notes import NotesStore
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import MIN_DATA, SAMPLE_DATA
from tests.sync.oneroster_server import Fault, OneRosterServer, generated_results

NAME = "district"
EXTENSIONS = ("attendance.csv", "calendar.csv", "caseloads.csv", "gradingPolicies.csv",
              "incidents.csv")
SKIP_TABLES = {"import_runs", "sync_state", "mat_pending"}  # run bookkeeping (run ids)


def snapshot(engine, skip=SKIP_TABLES) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in METADATA.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def extension_folder(src: Path, dst: Path) -> Path:
    dst.mkdir()
    (dst / "manifest.csv").write_text("propertyName,value\n", encoding="utf-8")
    for name in EXTENSIONS:
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    return dst


def runs(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT source, kind, outcome, message FROM import_runs ORDER BY id")
        ).all()


@pytest.fixture
def server():
    srv = OneRosterServer.from_folder(MIN_DATA).start()
    yield srv
    srv.stop()


@pytest.fixture
def secret_env(server, monkeypatch):
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", server.secret)
    return server.secret


def run(engine, srv: OneRosterServer, **kw):
    cfg = srv.source_config(**kw.pop("cfg", {}))
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return sync(engine, NAME, cfg, **kw)


@pytest.fixture(scope="module")
def min_template(tmp_path_factory, migrated_template) -> Path:
    """The min data (CSV) and a note in a cache, made once for this module (read-only: copy)."""
    path = tmp_path_factory.mktemp("min") / "min.db"
    eng = tpl.migrated_engine(migrated_template, path)
    load(eng, read_path(MIN_DATA))
    NotesStore(eng).add(student_id="stu-1", author_id="cns-1", type="student_meeting",
                        text="Talked about Algebra.", contact_date=dt.date(2026, 9, 20))
    eng.dispose()
    return path


@pytest.fixture
def cache(tmp_path, server, secret_env, min_template):
    """A cache that already holds the min data (CSV), a note (a copy of ``min_template``) and
    a first full sync from this test's server."""
    eng = tpl.migrated_engine(min_template, tmp_path / "cache.db")
    run(eng, server)
    yield eng
    eng.dispose()


def assert_unchanged(engine, before, secret=None, server=None):
    assert snapshot(engine) == before
    last = runs(engine)[-1]
    assert last[2] == "failed" and last[0] == NAME
    if secret:
        assert secret not in (last[3] or "")
    if server:
        for tok in server.issued:
            assert tok not in (last[3] or "")


# --- equality with `caseload import` ---------------------------------------------------------


# what the sample template adds to `load(read_path(SAMPLE_DATA))`: the materialized facts (its
# import_runs row is pinned too, but the comparison skips import_runs anyway)
MATERIALIZED = {"mat_student", "mat_class", "mat_class_facts", "mat_state"}


def _differs(conn, table: str, columns: list[str]) -> bool:
    """Whether ``table`` holds a different multiset of rows (over ``columns``) in the main
    database than in the attached ``other``: every distinct row with its count, both ways.
    SQLite compares the stored values, so this is at least as strict as comparing decoded rows."""
    cols = ", ".join(f'"{c}"' for c in columns)
    counted = f'SELECT {cols}, count(*) FROM {{db}}."{table}" GROUP BY {cols}'
    main, other = counted.format(db="main"), counted.format(db="other")
    return conn.exec_driver_sql(
        f"SELECT EXISTS ({main} EXCEPT {other}) OR EXISTS ({other} EXCEPT {main})"
    ).scalar_one() == 1


def test_sync_of_the_sample_equals_its_csv_import(tmp_path, monkeypatch, sample_cache,
                                                  migrated_template):
    srv = OneRosterServer.from_folder(SAMPLE_DATA).start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        # the CSV import: the session's sample template is `load(read_path(SAMPLE_DATA))` into
        # a migrated cache, then facts materialized (tests/templates.py: import_sample); the
        # materialized tables are compared apart below, as a bare import leaves them empty
        synced_path = tmp_path / "synced.db"
        synced = tpl.migrated_engine(migrated_template, synced_path)
        seen: dict[str, tuple[int, int | None]] = {}
        report = run(synced, srv, progress=lambda r, d, t: seen.__setitem__(r, (d, t)))
        load(synced, read_path(extension_folder(SAMPLE_DATA, tmp_path / "ext")))
        synced.dispose()
        # every table compared in SQLite itself (the imported cache with the synced one
        # attached), and read row by row into Python only to show a table that differs
        imported = make_engine(f"sqlite:///{sample_cache}")
        with imported.connect() as conn:
            conn.exec_driver_sql(f"ATTACH DATABASE '{synced_path}' AS other")
            for name in MATERIALIZED:
                assert conn.exec_driver_sql(
                    f'SELECT count(*) FROM other."{name}"'
                ).scalar_one() == 0, f"the sync wrote {name}"
            # guardians name the kind of source they came from (oneroster-csv, oneroster-rest)
            for db, kind in (("main", "oneroster-csv"), ("other", "oneroster-rest")):
                assert conn.exec_driver_sql(
                    f"SELECT DISTINCT source FROM {db}.guardians"
                ).scalars().all() == [kind]
            differ = []
            for table in METADATA.sorted_tables:
                if table.name in SKIP_TABLES | MATERIALIZED:
                    continue
                columns = [c.name for c in table.columns if c.name != "source"
                           or table.name != "guardians"]
                if _differs(conn, table.name, columns):
                    differ.append(table.name)
            assert conn.exec_driver_sql("SELECT count(*) FROM other.results").scalar_one() > 100_000
        if differ:  # the rows of the first table that differs, as a readable diff
            a = snapshot(imported, SKIP_TABLES | MATERIALIZED)
            b = snapshot(make_engine(f"sqlite:///{synced_path}"))
            a["guardians"] = [r[:-1] for r in a["guardians"]]
            b["guardians"] = [r[:-1] for r in b["guardians"]]
            for name in differ:
                assert a[name] == b[name], f"table {name} differs"
            raise AssertionError(f"tables {differ} differ as stored")
        imported.dispose()
        assert report.mode == "full" and report.kind == "oneroster-rest"
        assert seen["results"][0] == seen["results"][1] == report.fetched["results"]
        assert last_mark(synced, NAME)[1] == "time"
    finally:
        srv.stop()


# --- incremental -----------------------------------------------------------------------------


def test_incremental_sync_asks_for_changes_and_applies_deletions(cache, server):
    first_mark = last_mark(cache, NAME)[2]
    server.requests.clear()
    server.touch("results", "res-1", score=55.0)
    server.touch("enrollments", "e5", status="tobedeleted")
    server.touch("results", "res-new", lineItem={"sourcedId": "li-3"},
                 student={"sourcedId": "stu-1"}, scoreStatus="fully graded", score=40.0,
                 scoreDate="2026-09-25")
    server.touch("users", "stu-2", givenName="Benjamin")  # demographics unchanged
    server.touch("demographics", "stu-3", birthDate="2011-07-09")  # user unchanged
    report = run(cache, server)
    assert report.mode == "incremental"
    for resource in ("orgs", "users", "enrollments", "results", "lineItems"):
        asked = server.paths(resource)
        assert asked and all(
            a["filter"] == f"dateLastModified>'{first_mark}'" for a in asked
        ), resource
    assert report.fetched["results"] == 2 and report.fetched["orgs"] == 0
    with cache.connect() as conn:
        score = conn.execute(text("SELECT score FROM results WHERE sourced_id='res-1'")).scalar()
        new = conn.execute(text("SELECT score FROM results WHERE sourced_id='res-new'")).scalar()
        e5 = conn.execute(text("SELECT count(*) FROM enrollments WHERE sourced_id='e5'")).scalar()
        stu2 = conn.execute(
            text("SELECT given_name, birth_date FROM users WHERE sourced_id='stu-2'")
        ).one()
        stu3 = conn.execute(
            text("SELECT given_name, birth_date FROM users WHERE sourced_id='stu-3'")
        ).one()
        notes = conn.execute(text("SELECT count(*) FROM notes")).scalar()
    assert score == 55.0 and new == 40.0 and e5 == 0
    assert tuple(stu2) == ("Benjamin", "2012-05-06")  # kept the cached birth date
    assert tuple(stu3) == ("Cy", "2011-07-09")  # demographics-only change applied
    assert notes == 1
    assert report.deleted == {"enrollments": 1}
    assert last_mark(cache, NAME)[2] >= first_mark


def test_full_flag_ignores_the_mark(cache, server):
    server.requests.clear()
    report = run(cache, server, full=True)
    assert report.mode == "full"
    assert all("filter" not in a for _, a in server.requests)


# --- faults ----------------------------------------------------------------------------------


def test_429_with_retry_after_is_honoured(cache, server):
    server.faults.append(Fault("users", "429", retry_after="1"))
    t0 = time.monotonic()
    report = run(cache, server, full=True)
    assert time.monotonic() - t0 >= 1.0
    assert server.faults[0].hits == 1 and report.fetched["users"] == 5


def test_500_then_success(cache, server):
    server.faults.append(Fault("results", "500", times=2))
    report = run(cache, server, full=True)
    assert report.fetched["results"] == 5


def test_slow_response_past_the_timeout_is_retried(cache, server):
    server.faults.append(Fault("classes", "slow", delay=1.0))
    report = run(cache, server, full=True, timeout=0.4)
    assert report.fetched["classes"] == 2


def test_slow_every_time_gives_a_clear_error(cache, server):
    before = snapshot(cache)
    server.faults.append(Fault("classes", "slow", times=10, delay=0.6))
    with pytest.raises(SyncError, match=r"classes: no answer within 0.3 s .*gave up after 2"):
        run(cache, server, full=True, timeout=0.3, max_attempts=2)
    assert_unchanged(cache, before)


def test_truncated_json_is_an_error_naming_path_and_offset(cache, server):
    before = snapshot(cache)
    server.faults.append(Fault("lineItems", "truncate"))
    with pytest.raises(SyncError) as info:
        run(cache, server, full=True)
    msg = str(info.value)
    assert "/ims/oneroster/gradebook/v1p2/lineItems" in msg and "invalid JSON" in msg
    assert "at offset" in msg and "limit=" not in msg
    assert_unchanged(cache, before, server.secret, server)


def test_expired_token_is_renewed_once(cache, server):
    server.expire_tokens()  # the cached token is no longer valid: 401 → new token → ok
    n = len(server.issued)
    report = run(cache, server, full=True)
    assert report.fetched["orgs"] == 2 and len(server.issued) == n + 1


def test_expired_token_renewal_within_one_client():
    """One ApiClient: its cached token expires server-side mid-sync; one renewal follows."""
    import asyncio

    srv = OneRosterServer.from_folder(MIN_DATA).start()
    try:
        async def go():
            creds = Credentials(srv.root + "/oauth/token", srv.client_id, srv.secret)
            async with ApiClient(srv.root + "/district-x/api", creds) as api:
                path = "/ims/oneroster/rostering/v1p2/orgs"
                await api.get_json(path)
                srv.expire_tokens()
                data, _ = await api.get_json(path)
                return data

        data = asyncio.run(go())
        assert len(data["orgs"]) == 2 and len(srv.issued) == 2
    finally:
        srv.stop()


def test_401_twice_is_credentials_rejected(cache, server):
    before = snapshot(cache)
    server.reject_all_tokens = True
    with pytest.raises(SyncError, match="credentials rejected"):
        run(cache, server, full=True)
    assert_unchanged(cache, before, server.secret, server)


def test_wrong_secret_is_rejected_at_the_token_endpoint(cache, server, monkeypatch):
    before = snapshot(cache)
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", "not-the-secret-123")
    with pytest.raises(SyncError) as info:
        run(cache, server, full=True)
    msg = str(info.value)
    assert "credentials rejected by the token endpoint" in msg and "invalid_client" in msg
    assert "not-the-secret-123" not in msg
    assert_unchanged(cache, before, "not-the-secret-123")


def test_a_page_that_repeats_is_an_error_not_a_loop(cache, server):
    before = snapshot(cache)
    server.faults.append(Fault("results", "repeat", times=100))
    with pytest.raises(SyncError, match="same page again"):
        run(cache, server, full=True, cfg={"page_size": 2})
    assert_unchanged(cache, before)


def test_a_record_with_a_bad_field_names_resource_id_and_field(cache, server):
    before = snapshot(cache)
    server.touch("results", "res-3", score=-5.0)
    with pytest.raises(SourceError) as info:
        run(cache, server, full=True)
    assert str(info.value) == "results (sourcedId 'res-3'): field 'score': '-5.0' is below 0"
    assert_unchanged(cache, before)


def test_bad_field_with_skip_invalid_lands_the_rest(cache, server):
    server.touch("results", "res-3", score="lots")
    server.touch("results", "res-1", score=63.0)
    report = run(cache, server, full=True, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in report.rejects] == [
        ("results", "sourcedId 'res-3'", "score")
    ]
    with cache.connect() as conn:
        assert conn.execute(
            text("SELECT score FROM results WHERE sourced_id='res-1'")
        ).scalar() == 63.0


def test_unknown_reference_names_the_record(cache, server):
    before = snapshot(cache)
    server.touch("enrollments", "e-x", **{"class": {"sourcedId": "cls-nope"}},
                 user={"sourcedId": "stu-1"}, role="student")
    with pytest.raises(SourceError, match=r"enrollments \(record 'e-x'\): field 'classSourcedId'"):
        run(cache, server, full=True)
    assert_unchanged(cache, before)


@pytest.mark.parametrize(
    ("fault", "pattern"),
    [
        (Fault("courses", "403"), r"access denied \(HTTP 403\).*scope.*Insufficient scope"),
        (Fault("categories", "imsx"), r"HTTP 400.*failure: Sort field not supported"),
        (Fault("token", "404"), r"token endpoint not found \(HTTP 404\)"),
    ],
)
def test_actionable_errors(cache, server, fault, pattern):
    before = snapshot(cache)
    server.faults.append(fault)
    with pytest.raises(SyncError, match=pattern):
        run(cache, server, full=True)
    assert_unchanged(cache, before)


def test_wrong_base_url_is_a_404_with_a_hint(cache, server):
    before = snapshot(cache)
    with pytest.raises(SyncError, match=r"not found \(HTTP 404\).*check base_url and version"):
        run(cache, server, full=True, cfg={"base_url": server.root + "/nope", "version": "1.1"})
    assert_unchanged(cache, before)


def test_connection_refused_is_clear(cache, server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = snapshot(cache)
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(SyncError, match=r"cannot connect .*gave up after 2 attempts"):
        run(cache, server, full=True, max_attempts=2,
            cfg={"base_url": url + "/api", "token_url": url + "/oauth/token"})
    assert_unchanged(cache, before)


def test_extra_header_values_are_secret_and_sent(cache, server, monkeypatch):
    server.require_header = ("x-vendor-authorization", "vendor-key-9876")
    before = snapshot(cache)
    with pytest.raises(SecretMissing, match="CASELOAD_SECRET_DISTRICT_X_VENDOR_AUTHORIZATION"):
        run(cache, server, full=True, cfg={"headers": ["x-vendor-authorization"]})
    assert snapshot(cache) == before
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT_X_VENDOR_AUTHORIZATION", "vendor-key-9876")
    report = run(cache, server, full=True, cfg={"headers": ["x-vendor-authorization"]})
    assert report.fetched["results"] == 5


def test_missing_secret_says_where_to_put_it(tmp_path, server, monkeypatch, migrated_template):
    monkeypatch.delenv("CASELOAD_SECRET_DISTRICT", raising=False)
    import keyring

    monkeypatch.setattr(keyring, "get_password", lambda *a: None)
    eng = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
    with pytest.raises(SecretMissing, match=r"\$CASELOAD_SECRET_DISTRICT.*caseload login district"):
        run(eng, server)


def test_secrets_and_tokens_never_reach_logs_errors_or_the_db(cache, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.faults += [Fault("users", "429", retry_after="0"), Fault("orgs", "500")]
    server.expire_tokens()
    run(cache, server, full=True)
    server.reject_all_tokens = True
    with pytest.raises(SyncError) as info:
        run(cache, server, full=True)
    texts = [caplog.text, str(info.value), repr(info.value)]
    with cache.connect() as conn:
        for table in METADATA.sorted_tables:
            texts.append(repr(conn.execute(select(table)).all()))
    blob = "\n".join(texts)
    assert server.issued
    for secret in [server.secret, *server.issued]:
        assert secret not in blob
    creds = Credentials("http://x/token", "id", server.secret)
    client = ApiClient("http://x", creds, headers={"x-h": "header-secret"})
    assert server.secret not in repr(creds) + repr(client)
    assert "header-secret" not in repr(client)


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    now = time.time()
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 5))
    assert 3.0 <= parse_retry_after(date, now) <= 5.5
    assert parse_retry_after("soon") is None


def test_retry_after_too_long_fails_fast(cache, server):
    server.faults.append(Fault("users", "503", retry_after="3600"))
    with pytest.raises(SyncError, match="retry after 3600 s"):
        run(cache, server, full=True)


# --- speed -----------------------------------------------------------------------------------


def test_requests_overlap_up_to_the_concurrency_bound_and_no_further():
    """Bounded concurrency without timing anything: with 50 ms per request the server sees
    exactly ``concurrency`` requests at once at its busiest, never more; one at a time for 1.
    (The rows/s figure against a sequential client is benchmarks/sync_bench.py's job.)"""
    import asyncio

    from caseload.sources.oneroster_fetch import fetch

    seen: dict[int, tuple[int, int]] = {}
    for n in (1, 4):
        srv = OneRosterServer.from_folder(MIN_DATA, latency=0.05)
        srv.data["results"] += generated_results(900)
        srv.start()
        try:
            creds = Credentials(srv.root + "/oauth/token", srv.client_id, srv.secret)

            async def go(n: int = n, srv: OneRosterServer = srv) -> int:
                async with ApiClient(srv.root + "/d/api", creds, concurrency=n) as api:
                    items = await fetch(api, "1.2", limit=100)
                return sum(len(v or []) for v in items.values())

            rows = asyncio.run(go())
            seen[n] = (srv.max_in_flight, rows)
        finally:
            srv.stop()
    assert seen[1][0] == 1
    assert seen[4][0] == 4
    assert seen[1][1] == seen[4][1] > 900


def test_line_breaks_inside_values_do_not_confuse_error_records(cache, server):
    server.touch("results", "res-1", comment="line 1\r\nline 2\nline 3\rline 4")
    server.touch("results", "res-2", score="x")
    with pytest.raises(SourceError, match=r"^results \(sourcedId 'res-2'\): field 'score'"):
        run(cache, server, full=True)


def test_migration_0004_matches_the_sync_state_table(sqlite_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with sqlite_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), METADATA)
    assert [d for d in diffs if "sync_state" in repr(d)] == []
