"""Folders caseload creates are 0700 whatever the umask, every missing one above the file
too; caseload's own folders (the default cache's and config's) are tightened when found
open; a folder the user named is created private but never changed (FERPA: readable by the
owner only)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseload.config import save_me
from caseload.store.connect import make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_every_folder_made_for_the_cache_is_private(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "a" / "b" / "c" / "x.db"
    make_engine(f"sqlite:///{db}").dispose()
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert mode(folder) == 0o700, folder  # (only the last one was, before)
    assert mode(db) == 0o600


def test_a_folder_the_user_named_is_left_as_it_is(tmp_path: Path, open_umask: None) -> None:
    mine = tmp_path / "shared"
    mine.mkdir(mode=0o755)
    make_engine(f"sqlite:///{mine / 'x.db'}").dispose()
    assert mode(mine) == 0o755 and mode(mine / "x.db") == 0o600


def test_caseloads_own_folders_are_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    from caseload.config import default_config_path
    from caseload.store.engine import default_db_path

    db = default_db_path()
    assert db.parent == tmp_path / "data" / "caseload"
    db.parent.mkdir(parents=True, mode=0o755)
    os.chmod(db.parent, 0o755)  # as an older caseload (or another tool) left it
    make_engine(f"sqlite:///{db}").dispose()
    assert mode(db.parent) == 0o700

    config = default_config_path()
    save_me(config, "cns-1")  # the app's "Who are you?" writes it
    assert mode(config.parent) == 0o700 and mode(tmp_path / "config") == 0o700
    assert mode(config) == 0o600
    os.chmod(config.parent, 0o755)
    save_me(config, "cns-2")
    assert mode(config.parent) == 0o700
