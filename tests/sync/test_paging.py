"""Paging runs to the end, whatever page size the server picks (issue 11 §4).

Real local servers (tests/sync/oneroster_server.py, tests/sync/edfi_server.py) that clamp
``limit`` to a small odd page size, whatever the client asks for: every record still lands.
A server whose total count promises more records than it sends fails the sync: exit 1 and
the cache unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from caseload.cli import main
from caseload.sources.http import SyncError
from caseload.sources.sync import sync
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import GRAND_BEND, MIN_DATA
from tests.sync.edfi_server import EdfiServer
from tests.sync.oneroster_server import OneRosterServer

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"




def _snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in METADATA.sorted_tables:
            if table.name == "import_runs":
                continue
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
    return out


def _gradebook(server: OneRosterServer, per_class: int = 40) -> None:
    """``per_class`` more line items in each class, a result for each enrolled student."""
    stamp = "2026-09-01T00:00:00Z"
    students: dict[str, list[str]] = {}
    for e in server.data["enrollments"]:
        if e["role"] == "student":
            students.setdefault(e["class"]["sourcedId"], []).append(e["user"]["sourcedId"])
    for klass, who in sorted(students.items()):
        for i in range(per_class):
            li = f"li-{klass}-{i}"
            server.data["lineItems"].append({
                "sourcedId": li, "status": "active", "dateLastModified": stamp,
                "title": f"Quiz {i}", "class": {"sourcedId": klass},
                "category": {"sourcedId": "cat-hw"}, "gradingPeriod": {"sourcedId": "gp-1"},
                "assignDate": "2026-09-08", "dueDate": "2026-09-10",
                "resultValueMin": 0.0, "resultValueMax": 10.0,
            })
            for s in who:
                server.data["results"].append({
                    "sourcedId": f"res-{li}-{s}", "status": "active",
                    "dateLastModified": stamp, "lineItem": {"sourcedId": li},
                    "student": {"sourcedId": s}, "scoreStatus": "fully graded",
                    "score": float(i % 10), "scoreDate": "2026-09-10",
                })


def _served_results_per_class(server: OneRosterServer) -> Counter[str]:
    klass = {li["sourcedId"]: li["class"]["sourcedId"] for li in server.data["lineItems"]}
    return Counter(klass[r["lineItem"]["sourcedId"]] for r in server.data["results"])


def _stored_results_per_class(engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT li.class_id, count(*) FROM results r "
            "JOIN line_items li ON li.sourced_id = r.line_item_id GROUP BY li.class_id"
        )).all()
    return Counter({k: n for k, n in rows})


@pytest.fixture
def oneroster(monkeypatch):
    srv = OneRosterServer.from_folder(MIN_DATA)
    _gradebook(srv)
    srv.start()
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
    yield srv
    srv.stop()


@pytest.mark.parametrize("clamp", [7, 97])
def test_oneroster_sync_keeps_every_result_of_every_class(oneroster, tmp_path, clamp,
                                                         migrated_template):
    oneroster.max_limit = clamp  # the client asks for 1000 a page; the server sends `clamp`
    engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
    report = sync(engine, "district", oneroster.source_config(page_size=1000))
    expected = _served_results_per_class(oneroster)
    assert sum(expected.values()) > 2 * clamp  # several pages per collection
    assert report.fetched["results"] == sum(expected.values())
    assert _stored_results_per_class(engine) == expected
    assert report.fetched["lineItems"] == len(oneroster.data["lineItems"])
    # paging went on past the short pages, to an empty one
    offsets = [int(a["offset"]) for a in oneroster.paths("results")]
    assert max(offsets) == sum(expected.values())


def test_oneroster_without_a_total_still_pages_to_the_end(oneroster, tmp_path,
                                                         migrated_template):
    oneroster.max_limit = 7
    oneroster.total_header = False
    engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
    sync(engine, "district", oneroster.source_config(page_size=50))
    assert _stored_results_per_class(engine) == _served_results_per_class(oneroster)


def test_a_oneroster_total_larger_than_what_came_fails_and_changes_nothing(
    oneroster, tmp_path, capsys, migrated_template
):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[sources.district]\n"
        + "".join(f'{k} = "{v}"\n' for k, v in oneroster.source_config().items()),
        encoding="utf-8",
    )
    db = tpl.copy_sqlite(migrated_template, tmp_path / "cache.db")
    args = ["--db", str(db), "--config", str(cfg)]
    oneroster.max_limit = 7
    assert main([*args, "sync"]) == 0
    engine = make_engine(f"sqlite:///{db}")
    before = _snapshot(engine)
    oneroster.touch("results", "res-1", score=99.0)
    oneroster.total_lie = 3  # X-Total-Count says 3 more than the server has
    capsys.readouterr()
    assert main([*args, "sync", "--full"]) == 1
    err = capsys.readouterr().err
    assert "promised" in err and "Nothing was synced from district" in err
    assert _snapshot(engine) == before
    with engine.connect() as conn:
        outcome, message = conn.execute(
            text("SELECT outcome, message FROM import_runs ORDER BY id DESC")
        ).first()
    assert outcome == "failed" and "promised" in message


# --- Ed-Fi -----------------------------------------------------------------------------------


def _edfi_sync(srv: EdfiServer, tmp_path: Path, migrated: Path, monkeypatch, **cfg: Any):
    monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
    engine = tpl.migrated_engine(migrated, tmp_path / f"edfi-{dt.datetime.now().timestamp()}.db")
    return engine, sync(engine, "edfi", srv.source_config(**cfg))


def _stored_students(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM users WHERE role = 'student'")).scalar()


def _more_students(srv: EdfiServer, n: int) -> None:
    model = srv.data["students"][0]
    for i in range(n):
        srv.add("students", {**model, "id": f"gen{i:030d}", "studentUniqueId": f"GEN{i}"})


def test_edfi_sync_keeps_every_student_when_pages_are_clamped_to_7(tmp_path, monkeypatch,
                                                                   migrated_template):
    with EdfiServer.from_folder(SMALL, clamp=7) as srv:
        _more_students(srv, 20)
        students = len(srv.data["students"])
        engine, report = _edfi_sync(srv, tmp_path, migrated_template, monkeypatch)
        assert report.fetched["students"] == students
        assert _stored_students(engine) == students
        offsets = [int(a["offset"]) for a in srv.paths("students")]
        assert max(offsets) == students  # the empty page that ends it


@pytest.mark.grandbend
def test_edfi_grand_bend_with_pages_of_97_keeps_all_960_students(tmp_path, monkeypatch,
                                                                  migrated_template):
    if not GRAND_BEND.is_dir():
        pytest.skip(f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}")
    with EdfiServer.from_folder(GRAND_BEND, clamp=97) as srv:
        engine, report = _edfi_sync(srv, tmp_path, migrated_template, monkeypatch)
        assert report.fetched["students"] == 960
        assert _stored_students(engine) == 960
        assert report.fetched["studentSchoolAttendanceEvents"] == len(
            srv.data["studentSchoolAttendanceEvents"]
        )


def test_an_edfi_total_count_larger_than_what_came_fails(tmp_path, monkeypatch,
                                                         migrated_template):
    with EdfiServer.from_folder(SMALL, clamp=7, total_lie=1) as srv:
        _more_students(srv, 20)
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        before = _snapshot(engine)
        with pytest.raises(SyncError, match="promised"):
            sync(engine, "edfi", srv.source_config())
        assert all(srv.paths(r) and "totalCount" in srv.paths(r)[0] for r in ("students",))
    assert _snapshot(engine) == before
