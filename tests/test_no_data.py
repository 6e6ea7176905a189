"""Never show data that was not loaded (issue 11 §1), end to end through ``caseload``.

Fixtures under tests/data/nodata_* are tests/data/oneroster_min with files removed (or, for
the "not enrolled" case, one result added); the Grand Bend tests drop its attendance files.
The sample school's flags are held to a golden copy recorded before the change.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from caseload.cli import main
from tests.paths import REPO, SAMPLE_DATA

DATA = REPO / "tests" / "data"
GOLDEN = DATA / "sample_flags_2026-11-20.json.gz"


def _flags(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    capsys.readouterr()
    assert main(["--db", db, "flags", *args]) == 0
    return capsys.readouterr().out


def _flags_json(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    return json.loads(_flags(capsys, db, *args, "--format", "json"))


# --- the sample school: unchanged where data is present ------------------------------------


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("golden") / "cache.db"
    assert main(["--db", str(db), "import", str(SAMPLE_DATA)]) == 0
    return str(db)


def test_sample_school_flags_match_the_golden_copy(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`caseload flags --format json --counselor all --as-of 2026-11-20` on sample_data, as
    recorded before issue 11 §1 (tests/data/sample_flags_2026-11-20.json.gz, canonical JSON).
    The sample has attendance and gradebooks everywhere, so no figure or flag may change."""
    got = _flags_json(capsys, sample_db, "--counselor", "all", "--as-of", "2026-11-20")
    want = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert got["as_of"] == want["as_of"]
    assert [s["id"] for s in got["students"]] == [s["id"] for s in want["students"]]
    for mine, theirs in zip(got["students"], want["students"], strict=True):
        assert mine == theirs, mine["id"]
