"""A cache whose file name is in bytes that are not UTF-8 (a Latin-1 name, which Linux file
systems allow, and which ``--db`` keeps as given: cli._FILE_OPTIONS) works like any other.

Python hands such a name in with lone surrogates; a SQLAlchemy URL holding one cannot be
rendered as text. The import rendered it three times (the import lock's key, the refresh
workers' URL and the in-memory check) and bound the stage's file name as text, so `caseload
import` ended in "unexpected UnicodeEncodeError" (noticed in the twenty-second session)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.store import refresh_pool
from tests.paths import MIN_DATA, SAMPLE_DATA

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="file names as raw bytes: Linux file systems"
)


def _latin1(tmp_path: Path, name: bytes) -> str:
    path = os.fsdecode(os.fsencode(tmp_path) + b"/" + name)
    assert "\udce9" in path  # (the 0xE9 byte, as Python hands it in)
    return path


def test_import_flags_and_notes_on_a_cache_named_in_latin1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _latin1(tmp_path, b"caf\xe9.db")
    assert main(["--db", db, "import", str(MIN_DATA)]) == 0
    assert "Refreshed facts for 3 students" in capsys.readouterr().out
    assert os.path.exists(os.fsencode(db))
    assert main(["--db", db, "notes", "add", "--student", "stu-1", "--type", "other",
                 "--text", "Called home", "--date", "2026-10-01"]) == 0
    assert main(["--db", db, "notes", "list"]) == 0
    assert "Called home" in capsys.readouterr().out
    assert main(["--db", db, "flags"]) == 0
    assert "3 students" in capsys.readouterr().out


def test_the_refresh_workers_open_a_cache_named_in_latin1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers (the sample school: more than one chunk), given the URL itself."""
    monkeypatch.setenv(refresh_pool.ENV_WORKERS, "2")
    calls: list[int] = []
    real = refresh_pool.computed

    def spy(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        yield from real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(refresh_pool, "computed", spy)
    db = _latin1(tmp_path, b"\xe9cole.db")
    assert main(["--db", db, "import", str(SAMPLE_DATA)]) == 0
    out = capsys.readouterr().out
    assert calls == [1]  # the workers computed the facts
    assert "Refreshed facts for" in out
