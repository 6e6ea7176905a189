"""`caseload sync` and `caseload login` (the keyring is mocked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.cli import main
from caseload.store.engine import make_engine
from tests.paths import MIN_DATA, REPO
from tests.sync.oneroster_server import OneRosterServer

NOT_ENROLLED = REPO / "tests" / "data" / "nodata_not_enrolled"  # stu-3 scored in cls-eng


@pytest.fixture
def server():
    srv = OneRosterServer.from_folder(MIN_DATA).start()
    yield srv
    srv.stop()


@pytest.fixture
def keyring_store(monkeypatch):
    import keyring

    store: dict[tuple[str, str], str] = {}
    monkeypatch.setattr(keyring, "get_password", lambda svc, user: store.get((svc, user)))
    monkeypatch.setattr(
        keyring, "set_password", lambda svc, user, pw: store.__setitem__((svc, user), pw)
    )
    return store


def write_config(path: Path, sources: dict[str, dict[str, str]]) -> Path:
    lines = []
    for name, cfg in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f'{k} = "{v}"' for k, v in cfg.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def setup(tmp_path, server, monkeypatch, keyring_store, new_cache):
    monkeypatch.delenv("CASELOAD_SECRET_DISTRICT", raising=False)
    cfg = write_config(tmp_path / "config.toml", {"district": server.source_config()})
    db = new_cache
    return ["--db", str(db), "--config", str(cfg)], db


def test_sync_prints_a_summary_and_refreshes_facts(setup, server, monkeypatch, capsys):
    args, db = setup
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", server.secret)
    assert main([*args, "sync", "district"]) == 0
    out = capsys.readouterr().out
    assert "Synced district (full)" in out and "results" in out
    assert main([*args, "sync"]) == 0
    assert "Synced district (incremental)" in capsys.readouterr().out
    eng = make_engine(f"sqlite:///{db}")
    with eng.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome, kind FROM import_runs")).all()
        assert [tuple(r) for r in outcomes] == [("ok", "oneroster-rest")] * 2
        assert conn.execute(text("SELECT count(*) FROM mat_state")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 5


def test_a_failure_is_one_clear_line_and_exit_1(setup, server, monkeypatch, capsys):
    args, _ = setup
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", "wrong-secret-4242")
    assert main([*args, "sync"]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[0].startswith("caseload: error: district: credentials rejected")
    assert lines[1] == "Nothing was synced from district; the cache is unchanged."
    assert "wrong-secret-4242" not in err


def test_unknown_source_and_no_sources(setup, tmp_path, capsys):
    args, db = setup
    assert main([*args, "sync", "nope"]) == 1
    assert "no source 'nope'" in capsys.readouterr().err
    empty = write_config(tmp_path / "empty.toml", {})
    assert main(["--db", str(db), "--config", str(empty), "sync"]) == 1
    assert "no sources configured" in capsys.readouterr().err


def test_one_failing_source_does_not_stop_the_others(tmp_path, server, monkeypatch, capsys,
                                                    keyring_store, new_cache):
    monkeypatch.setenv("CASELOAD_SECRET_GOOD", server.secret)
    monkeypatch.setenv("CASELOAD_SECRET_BAD", server.secret)
    bad = server.source_config(version="1.1")  # the server speaks 1.2 only
    cfg = write_config(tmp_path / "c.toml", {"bad": bad, "good": server.source_config()})
    assert main(["--db", str(new_cache), "--config", str(cfg), "sync"]) == 1
    captured = capsys.readouterr()
    assert "caseload: error: bad: not found (HTTP 404)" in captured.err
    assert "Synced good (full)" in captured.out and "1 of 2 sources synced, 1 failed" in captured.out


def test_login_stores_the_secret_and_sync_uses_it(setup, server, monkeypatch, capsys,
                                                  keyring_store):
    args, _ = setup
    monkeypatch.setattr("getpass.getpass", lambda prompt: server.secret)
    assert main([*args, "login", "district"]) == 0
    assert keyring_store[("caseload", "district")] == server.secret
    out = capsys.readouterr().out
    assert server.secret not in out and "$CASELOAD_SECRET_DISTRICT" in out
    assert main([*args, "sync", "district"]) == 0


def test_login_header_value(setup, monkeypatch, keyring_store):
    args, _ = setup
    monkeypatch.setattr("getpass.getpass", lambda prompt: "vendor-value")
    assert main([*args, "login", "district", "--header", "X-Vendor-Authorization"]) == 0
    assert keyring_store[("caseload", "district:x-vendor-authorization")] == "vendor-value"


def test_login_without_a_keyring_backend_says_what_to_do(setup, monkeypatch, capsys):
    import keyring

    def broken(*a):
        raise RuntimeError("no backend")

    monkeypatch.setattr(keyring, "set_password", broken)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "s3cret-value")
    args, _ = setup
    assert main([*args, "login", "district"]) == 1
    err = capsys.readouterr().err
    assert "set $CASELOAD_SECRET_DISTRICT instead" in err and "s3cret-value" not in err


def test_login_unknown_source(setup, capsys):
    args, _ = setup
    assert main([*args, "login", "nope"]) == 1


def test_keyring_failure_on_read_is_treated_as_absent(setup, monkeypatch, capsys):
    import keyring

    def broken(*a):
        raise RuntimeError("dbus is down")

    monkeypatch.setattr(keyring, "get_password", broken)
    args, _ = setup
    assert main([*args, "sync", "district"]) == 1
    err = capsys.readouterr().err
    assert "no client secret for source 'district'" in err and "keyring is unavailable" in err


def test_secret_in_config_is_refused(tmp_path, capsys, new_cache):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[sources.x]\nkind = "oneroster"\nclient_secret = "oops"\n', encoding="utf-8")
    assert main(["--db", str(new_cache), "--config", str(cfg), "sync"]) == 1
    assert "must not hold 'client_secret'" in capsys.readouterr().err


def test_sync_prints_the_loaders_notices(tmp_path, monkeypatch, capsys, keyring_store, new_cache):
    """A result of a student not enrolled in its class is stored but not shown: the sync says
    so, as an import does (the loader's notices reach the sync's summary)."""
    srv = OneRosterServer.from_folder(NOT_ENROLLED).start()
    try:
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        cfg = write_config(tmp_path / "config.toml", {"district": srv.source_config()})
        args = ["--db", str(new_cache), "--config", str(cfg)]
        assert main([*args, "sync", "district"]) == 0
    finally:
        srv.stop()
    out = capsys.readouterr().out
    assert "Synced district (full)" in out
    assert "  not shown: 1 result for a student not enrolled in their class\n" in out
