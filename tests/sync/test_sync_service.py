"""The sync use case (caseload.services.sync): typed results, no printing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from caseload.config import Config
from caseload.services.context import Workspace
from caseload.services.sync import (
    NoSecretGiven,
    SyncSetupError,
    UnknownSource,
    source_names,
    store_login_secret,
    sync_one,
    sync_sources,
)
from caseload.sources.http import SyncError
from caseload.store.engine import make_engine
from tests.paths import MIN_DATA
from tests.sync.oneroster_server import OneRosterServer


@pytest.fixture
def server():
    srv = OneRosterServer.from_folder(MIN_DATA).start()
    yield srv
    srv.stop()


@pytest.fixture
def workspace(tmp_path, server, monkeypatch, new_cache):
    monkeypatch.setenv("CASELOAD_SECRET_GOOD", server.secret)
    monkeypatch.setenv("CASELOAD_SECRET_BAD", "not-the-secret")
    engine = make_engine(f"sqlite:///{new_cache}")
    config = Config(sources={"bad": server.source_config(), "good": server.source_config()})
    return Workspace(engine, config)


def test_sync_sources_returns_one_typed_outcome_per_source(workspace, capsys):
    seen = []
    run = sync_sources(workspace, source_names(workspace.config), on_outcome=seen.append)
    assert [o.name for o in run.outcomes] == ["bad", "good"] == [o.name for o in seen]
    bad, good = run.outcomes
    assert not bad.ok and bad.report is None and "credentials rejected" in (bad.error or "")
    assert good.ok and good.report is not None and good.report.fetched["users"] == 5
    assert (run.synced, run.failed) == (1, 1)
    assert capsys.readouterr() == ("", "")  # a service never prints
    with workspace.engine.connect() as conn:  # the analytics were rebuilt after the sync
        assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar() == 1


def test_sync_one_raises_the_failure(workspace):
    with pytest.raises(SyncError, match="credentials rejected"):
        sync_one(workspace, "bad")
    with pytest.raises(UnknownSource, match="no source 'nope'"):
        sync_one(workspace, "nope")
    with pytest.raises(SyncSetupError, match="no sources configured"):
        source_names(Config())


def test_store_login_secret(monkeypatch):
    import keyring

    store: dict[tuple[str, str], str] = {}
    monkeypatch.setattr(keyring, "set_password", lambda s, u, p: store.__setitem__((s, u), p))
    config = Config(sources={"district": {}})
    result = store_login_secret(config, "district", "s3cret-value", "X-Vendor")
    assert store == {("caseload", "district:x-vendor"): "s3cret-value"}
    assert (result.what, result.env_var) == (
        "value for header 'X-Vendor'", "CASELOAD_SECRET_DISTRICT_X_VENDOR"
    )
    assert "s3cret-value" not in repr(result)
    with pytest.raises(NoSecretGiven):
        store_login_secret(config, "district", "")
    with pytest.raises(UnknownSource):
        store_login_secret(config, "other", "x")


def test_an_unexpected_failure_of_one_source_leaves_the_others_and_the_refresh(
    workspace, monkeypatch
):
    """Only the sync's own errors were caught: a database error while one source loaded
    (or a stopped apply) ended the run, the later sources were never synced and the facts
    of the sources that had landed were not refreshed."""
    from sqlalchemy.exc import OperationalError

    import caseload.sources.sync as sync_module

    real = sync_module.sync
    calls: list[str] = []

    def flaky(engine, name, cfg, **kw):
        calls.append(name)
        if name == "bad":
            raise OperationalError("INSERT ...", {"text": "Called mom"}, Exception("disk I/O"))
        return real(engine, name, cfg, **kw)

    monkeypatch.setattr(sync_module, "sync", flaky)
    run = sync_sources(workspace, ["bad", "good"])
    assert calls == ["bad", "good"]
    bad, good = run.outcomes
    assert not bad.ok and "database" in (bad.error or "") and "Called mom" not in bad.error
    assert good.ok
    with workspace.engine.connect() as conn:  # the landed source's facts were refreshed
        assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar() == 1
