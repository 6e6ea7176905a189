"""Ed-Fi XML in the exact shapes of Data Standard 2, 4 and 5 (issue 11 §3).

The fixtures are cut from the Ed-Fi Alliance's public Grand Bend sample XML (Apache-2.0, see
each folder's NOTICE.md): DS 4 and 5 are read; DS 2 (namespace ``http://ed-fi.org/0200``,
descriptors as ``<CodeValue>`` elements) is refused naming "Data Standard 2", also under
``--skip-invalid`` and ``--check``: never exit 0 having misread it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.cli import main
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from tests.paths import REPO

DATA = REPO / "tests" / "data"
DS2, DS4, DS5 = DATA / "edfi_ds2", DATA / "edfi_ds4", DATA / "edfi_ds5"


@pytest.mark.parametrize("folder", [DS4, DS5], ids=["ds4", "ds5"])
def test_ds4_and_ds5_are_read(engine, folder: Path) -> None:
    ds = read_path(folder)
    assert ds.kind == "edfi-xml"
    assert sorted(u.sourced_id for u in ds.users) == ["604822", "604940", "605488"]
    assert len(ds.attendance_events) == 45
    assert not ds.rejects
    report = load(engine, ds)
    assert report.counts["attendance_events"] == 45
    with engine.connect() as conn:
        schools = conn.execute(text("SELECT DISTINCT school_id FROM users")).scalars().all()
    assert schools == ["255901001"]


@pytest.mark.parametrize("skip", [False, True], ids=["strict", "skip-invalid"])
def test_ds2_is_refused_by_name(tmp_path: Path, capsys, skip: bool, monkeypatch, new_cache) -> None:
    monkeypatch.chdir(tmp_path)
    db = str(new_cache)
    args = ["--db", db, "import", str(DS2)] + (["--skip-invalid"] if skip else [])
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Data Standard 2" in err
    assert "http://ed-fi.org/0200" in err
    assert not list(tmp_path.glob("caseload-rejects-*"))


@pytest.mark.parametrize("skip", [False, True], ids=["strict", "skip-invalid"])
def test_ds2_without_its_namespace_is_refused_by_shape(tmp_path: Path, capsys, skip, new_cache) -> None:
    folder = tmp_path / "ds2"
    shutil.copytree(DS2, folder)
    for f in folder.glob("*.xml"):
        f.write_text(f.read_text().replace(' xmlns="http://ed-fi.org/0200"', ""))
    with pytest.raises(SourceError, match="Data Standard 2"):
        read_path(folder, skip_invalid=skip)
    capsys.readouterr()
    args = ["--db", str(new_cache), "import", str(folder), "--check"]
    assert main(args + (["--skip-invalid"] if skip else [])) == 1
    assert "Data Standard 2" in capsys.readouterr().out


def test_ds2_check_is_refused(tmp_path: Path, capsys, new_cache) -> None:
    capsys.readouterr()
    assert main(["--db", str(new_cache), "import", str(DS2), "--check",
                 "--skip-invalid"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED" in out and "Data Standard 2" in out


def test_grand_bend_ds5_is_recognized(grand_bend: Path) -> None:
    """The shared Grand Bend copy (DS 5.2) is read as Ed-Fi, not refused as an old standard."""
    from caseload.sources.edfi_xml_parse import check_standard, peek_root

    for f in sorted(grand_bend.glob("*.xml")):
        root = peek_root(f)
        assert root.root_ns.startswith("http://ed-fi.org/5")
        check_standard(f, root)  # no UnsupportedStandard


def test_every_numbered_ds1_and_ds2_namespace_is_refused_by_name(tmp_path: Path) -> None:
    """Only /0100 and /0200 were refused: a Data Standard 2.2 file (/0220) whose first
    record had no descriptor element to give it away was read as a later standard."""
    folder = tmp_path / "ds22"
    shutil.copytree(DS2, folder)
    for f in folder.glob("*.xml"):
        f.write_text(f.read_text().replace("http://ed-fi.org/0200", "http://ed-fi.org/0220"))
    with pytest.raises(SourceError) as info:
        read_path(folder, skip_invalid=True)
    assert "Ed-Fi Data Standard 2.2 XML (namespace http://ed-fi.org/0220) is not supported" \
        in str(info.value)
