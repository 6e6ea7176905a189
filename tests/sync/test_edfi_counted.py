"""The ODS/API sync counts the record kinds it does not read, as an import of the XML does.

The XML reader counts every record of a kind caseload does not use, in the interchanges it
reads ("not read: 25 DisciplineAction, 1 Calendar, 56 Location, ... (records caseload does not
use)": the Grand Bend sample's suspensions are DisciplineAction records). The sync fetched
none of those resources and said nothing of them. It now asks each of them (``COUNTED``) how
many records it holds, one request each that returns no record (``offset=0&limit=0&
totalCount=true``, the ODS/API's ``Total-Count`` header), concurrently with the fetch, and its
summary gives the import's line. A resource the server does not offer, a server that sends
no ``Total-Count``, or one that refuses the request leaves that resource uncounted, said in
the sync's notes, never a failed sync (docs/SYNC.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from werkzeug import Request, Response

from caseload.sources.edfi_api import COUNTED, RESOURCES
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.sync import SyncReport, sync
from tests import templates as tpl
from tests.paths import GRAND_BEND
from tests.sync.edfi_server import EdfiServer, folder_counted

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"
NOT_READ = "not read: "


def _not_read(notices: list[str]) -> list[str]:
    return [n for n in notices if n.startswith(NOT_READ) and "(records caseload" in n]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The small fixture with two DisciplineAction records (suspensions) in its discipline
    file, beside its one Calendar."""
    dst = tmp_path / "export"
    shutil.copytree(SMALL, dst)
    path = dst / "discipline.xml"
    text = path.read_text(encoding="utf-8")
    end = "</InterchangeStudentDiscipline>"
    action = ("\t<DisciplineAction><DisciplineActionIdentifier>A{n}</DisciplineActionIdentifier>"
              "<DisciplineDate>2021-10-0{n}</DisciplineDate></DisciplineAction>\n")
    path.write_text(text.replace(end, action.format(n=1) + action.format(n=2) + end),
                    encoding="utf-8")
    return dst


@pytest.fixture
def engine(migrated_template: Path, tmp_path: Path) -> Iterator[Engine]:
    eng = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
    yield eng
    eng.dispose()


def _sync(engine: Engine, srv: EdfiServer, monkeypatch: pytest.MonkeyPatch) -> SyncReport:
    monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
    return sync(engine, "edfi", srv.source_config())


def test_the_counted_resources_are_not_fetched_ones() -> None:
    names = [c.name for c in COUNTED]
    assert len(names) == len(set(names)) and not set(names) & {r.name for r in RESOURCES}
    assert {c.element for c in COUNTED} >= {"DisciplineAction", "Calendar", "Location",
                                             "StaffDisciplineIncidentAssociation"}
    assert all(c.path == f"/ed-fi/{c.name}" for c in COUNTED)


def test_a_sync_counts_them_with_one_request_each_as_the_import_does(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = _not_read(read_edfi_folder(folder).notices)
    assert xml == ["not read: 1 Calendar, 2 DisciplineAction (records caseload does not use)"]
    assert folder_counted(folder)["disciplineActions"] == 2
    with EdfiServer.from_folder(folder, clamp=1) as srv:  # (pages of one record)
        report = _sync(engine, srv, monkeypatch)
        assert report.rejects == [] and _not_read(report.notices) == xml
        for kind in COUNTED:  # one request, asking no record; no /deletes
            assert srv.paths(kind.name) == [{"offset": "0", "limit": "0", "totalCount": "true"}]
        asked = [path for path, _ in srv.requests]
        assert not [p for p in asked if p.endswith("/deletes")]  # (a full sync)
    assert "disciplineActions" not in report.fetched  # (counted, not fetched)
    assert not [n for n in report.notes if n.startswith("not counted")]


def test_an_incremental_sync_counts_the_changed_ones(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EdfiServer.from_folder(folder) as srv:
        _sync(engine, srv, monkeypatch)
        mark = srv.newest_change_version
        srv.touch("disciplineActions", srv.data["disciplineActions"][1]["id"])
        srv.requests.clear()
        report = _sync(engine, srv, monkeypatch)
        assert report.mode == "incremental"
        assert _not_read(report.notices) == [
            "not read: 1 DisciplineAction (records caseload does not use)"]
        (args,) = srv.paths("disciplineActions")
        assert (args["limit"], args["minChangeVersion"]) == ("0", str(mark + 1))
        asked = [path for path, _ in srv.requests]
        assert any(p.endswith("/disciplineIncidents/deletes") for p in asked)
        assert not any(p.endswith("/disciplineActions/deletes") for p in asked)


def test_a_resource_the_server_does_not_offer_is_left_uncounted_and_said(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EdfiServer.from_folder(folder) as srv:
        del srv.data["calendars"], srv.data["crisisEvents"]  # (404: a DS 4 server, a claim set)
        report = _sync(engine, srv, monkeypatch)
    assert report.rejects == []
    assert _not_read(report.notices) == [
        "not read: 2 DisciplineAction (records caseload does not use)"]
    assert ("not counted (not offered by the server): calendars, crisisEvents (records "
            "caseload does not use)") in report.notes


def test_a_server_without_total_count_leaves_them_uncounted_and_says_so(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Total-Count, no count: fetching every record of 35 resources only to count them is
    not done (docs/SYNC.md); the notes name them."""
    with EdfiServer.from_folder(folder, total_header=False) as srv:
        report = _sync(engine, srv, monkeypatch)
    assert report.rejects == [] and _not_read(report.notices) == []
    (note,) = [n for n in report.notes if n.startswith("not counted")]
    assert note.startswith("not counted (the server sent no Total-Count): "
                           "stateEducationAgencies, educationServiceCenters, ")
    assert all(c.name in note for c in COUNTED)


def test_a_server_that_refuses_the_count_request_does_not_fail_the_sync(
    folder: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that wants a limit of at least 1: the records are synced, the kinds only
    counted are said to be uncounted."""
    srv = EdfiServer.from_folder(folder)
    serve = srv.handle

    def handle(request: Request) -> Response:
        if request.args.get("limit") == "0":
            return Response('{"message": "Limit must be between 1 and 500."}', 400,
                            content_type="application/json")
        return serve(request)

    srv.handle = handle  # type: ignore[method-assign]
    with srv:
        report = _sync(engine, srv, monkeypatch)
    assert report.rejects == [] and report.counts.get("users")
    (note,) = [n for n in report.notes if n.startswith("not counted")]
    assert note.startswith("not counted (the server refused the count request): ")
    assert "disciplineActions" in note


@pytest.mark.grandbend
def test_a_sync_of_grand_bend_says_what_its_import_says(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not GRAND_BEND.is_dir():
        pytest.skip(f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}")
    (xml,) = _not_read(read_edfi_folder(GRAND_BEND).notices)
    assert "25 DisciplineAction" in xml
    with EdfiServer.from_folder(GRAND_BEND) as srv:
        report = _sync(engine, srv, monkeypatch)
    # the same line but for its top-level SectionReference, a reference to a record of
    # another interchange (no resource of the API), which the XML reader counts as an element
    assert _not_read(report.notices) == [xml.replace("1 SectionReference, ", "")]
    assert "1 SectionReference, " in xml
