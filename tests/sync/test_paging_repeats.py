"""A page that repeats records already sent, in the middle of a collection (issue 6: "a page
that repeats ... ends as specified, with nothing lost").

Under offset paging an unstable sort order makes the server send, at some offset, records it
already sent at another, and then never send the records that belonged there. Without a
total count nothing else can tell; with one, the total check would say only "promised N but
sent M". Either way the sync fails with the cache unchanged, and says why.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from caseload.cli import main
from caseload.sources.http import SyncError
from caseload.sources.sync import sync
from caseload.store.engine import make_engine
from tests import templates as tpl
from tests.paths import MIN_DATA
from tests.sync.edfi_server import EdfiServer
from tests.sync.oneroster_server import Fault, OneRosterServer
from tests.sync.test_paging import SMALL, _gradebook, _more_students, _snapshot

REPEATED = re.compile(
    r"the server sent 7 records at offset 21 that it had already sent: its paging order is "
    r"not stable, so records may be missing; nothing was applied"
)


@pytest.fixture
def oneroster(monkeypatch):
    srv = OneRosterServer.from_folder(MIN_DATA, max_limit=7)
    _gradebook(srv)
    srv.start()
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
    yield srv
    srv.stop()


def _last_run(engine) -> tuple[str, str]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT outcome, message FROM import_runs ORDER BY id DESC")
        ).first()


@pytest.mark.parametrize("total", [True, False], ids=["with-total", "no-total"])
def test_oneroster_page_repeating_earlier_records_fails_and_changes_nothing(
    oneroster, tmp_path, capsys, migrated_template, total
):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "[sources.district]\n"
        + "".join(f'{k} = "{v}"\n' for k, v in oneroster.source_config().items()),
        encoding="utf-8",
    )
    db = tpl.copy_sqlite(migrated_template, tmp_path / "cache.db")
    args = ["--db", str(db), "--config", str(cfg)]
    assert main([*args, "sync"]) == 0
    engine = make_engine(f"sqlite:///{db}")
    before = _snapshot(engine)
    oneroster.touch("results", "res-1", score=99.0)  # a change the failed sync must not apply
    oneroster.total_header = total
    # the page at offset 21 comes back as the page at offset 0: results 21-27 never come
    oneroster.faults.append(Fault("results", "repeat", offset=21))
    capsys.readouterr()
    assert main([*args, "sync", "--full"]) == 1
    assert oneroster.faults[0].hits == 1
    err = capsys.readouterr().err
    assert REPEATED.search(err), err
    assert "Nothing was synced from district" in err and "Traceback" not in err
    assert _snapshot(engine) == before
    outcome, message = _last_run(engine)
    assert outcome == "failed" and REPEATED.search(message)


@pytest.mark.parametrize("skip_invalid", [False, True], ids=["strict", "skip-invalid"])
@pytest.mark.parametrize("total", [True, False], ids=["with-total", "no-total"])
def test_oneroster_repeat_on_a_fresh_cache_leaves_it_empty(oneroster, tmp_path, monkeypatch,
                                                          migrated_template, total,
                                                          skip_invalid):
    """--skip-invalid too: records may be missing, which no reject can say (a record listed
    twice in ONE page is another matter: test_paging_duplicates.py)."""
    oneroster.total_header = total
    oneroster.faults.append(Fault("results", "repeat", offset=21))
    engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
    before = _snapshot(engine)
    with pytest.raises(SyncError, match=REPEATED):
        sync(engine, "district", oneroster.source_config(page_size=1000),
             skip_invalid=skip_invalid)
    assert _snapshot(engine) == before


@pytest.mark.parametrize("skip_invalid", [False, True], ids=["strict", "skip-invalid"])
@pytest.mark.parametrize("total", [True, False], ids=["with-total", "no-total"])
def test_edfi_page_repeating_earlier_records_fails_and_changes_nothing(
    tmp_path, monkeypatch, migrated_template, total, skip_invalid
):
    with EdfiServer.from_folder(SMALL, clamp=7, total_header=total) as srv:
        _more_students(srv, 30)
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        engine = tpl.migrated_engine(migrated_template, tmp_path / "c.db")
        sync(engine, "edfi", srv.source_config())
        before = _snapshot(engine)
        srv.touch("students", srv.data["students"][1]["id"], firstName="Changed")
        srv.repeat_at["students"] = 21
        with pytest.raises(SyncError, match=REPEATED):
            sync(engine, "edfi", srv.source_config(), full=True, skip_invalid=skip_invalid)
        assert "students" not in srv.repeat_at  # the fault fired
        assert [a.get("totalCount") for a in srv.paths("students")][-1] == "true"
    assert _snapshot(engine) == before
    outcome, message = _last_run(engine)
    assert outcome == "failed" and REPEATED.search(message)
