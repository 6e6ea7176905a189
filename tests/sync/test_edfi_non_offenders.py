"""The ODS/API sync counts the non-offender associations it does not read, as an import does.

A StudentDisciplineIncidentNonOffenderAssociation (a victim's, witness's or reporter's link to
an incident) is a record kind caseload does not use: the XML reader counts it in its summary
("not read: N StudentDisciplineIncidentNonOffenderAssociation (records caseload does not
use)"), but the ODS/API reader did not fetch ``studentDisciplineIncidentNonOffenderAssociations``
at all, so a sync passed over them in silence. It now fetches them, with the paging of every
other resource, and its summary says the same line. The resource is optional (a server or a
claim set without it: the sync goes on, and says so), and an incremental sync asks for no
``/deletes`` of it (nothing of it is stored, so no deletion can apply).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseload.sources.edfi_api import RESOURCES, to_dataset
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.sync import SyncReport, sync
from tests import templates as tpl
from tests.sync.edfi_server import EdfiServer, folder_counted, folder_items

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"
RESOURCE = "studentDisciplineIncidentNonOffenderAssociations"
D = "uri://ed-fi.org/"


def line(n: int) -> str:
    return (f"not read: {n} StudentDisciplineIncidentNonOffenderAssociation (records caseload "
            "does not use)")


def _non_offender(uid: str, code: str) -> str:
    return (
        "\t<StudentDisciplineIncidentNonOffenderAssociation>"
        f"<StudentReference><StudentIdentity><StudentUniqueId>{uid}</StudentUniqueId>"
        '</StudentIdentity></StudentReference><DisciplineIncidentReference ref="DI_77"/>'
        f"<DisciplineIncidentParticipationCode>{D}DisciplineIncidentParticipationCode"
        f"Descriptor#{code}</DisciplineIncidentParticipationCode>"
        "</StudentDisciplineIncidentNonOffenderAssociation>\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """tests/data/edfi_small with three non-offender associations in its discipline file."""
    dst = tmp_path / "export"
    shutil.copytree(SMALL, dst)
    path = dst / "discipline.xml"
    text = path.read_text(encoding="utf-8")
    end = "</InterchangeStudentDiscipline>"
    assert text.count(end) == 1
    more = (_non_offender("S1001", "Victim") + _non_offender("S1002", "Witness")
            + _non_offender("S1003", "Reporter"))
    path.write_text(text.replace(end, more + end), encoding="utf-8")
    return dst


@pytest.fixture
def server(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EdfiServer]:
    with EdfiServer.from_folder(folder, clamp=2) as srv:  # pages of 2 at most
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        yield srv


@pytest.fixture
def engine(migrated_template: Path, tmp_path: Path) -> Iterator[Engine]:
    eng = tpl.migrated_engine(migrated_template, tmp_path / "cache.db")
    yield eng
    eng.dispose()


def _sync(engine: Engine, srv: EdfiServer) -> SyncReport:
    return sync(engine, "edfi", srv.source_config())


def test_the_resource_is_optional_and_only_counted() -> None:
    (res,) = [r for r in RESOURCES if r.name == RESOURCE]
    assert res.path == f"/ed-fi/{RESOURCE}" and res.optional and not res.deletes
    assert all(r.deletes for r in RESOURCES if r.name != RESOURCE)


def test_a_sync_counts_them_as_the_xml_import_does(
    folder: Path, server: EdfiServer, engine: Engine
) -> None:
    xml = read_edfi_folder(folder)
    # (the line also counts the export's Calendar record, a resource the sync only counts
    # without fetching it: tests/sync/test_edfi_counted.py)
    both = ("not read: 1 Calendar, 3 StudentDisciplineIncidentNonOffenderAssociation (records "
            "caseload does not use)")
    assert xml.rejects == [] and both in xml.notices
    report = _sync(engine, server)
    assert report.mode == "full" and report.rejects == []
    assert report.fetched[RESOURCE] == 3
    assert both in report.notices  # the import's words, in the sync's summary
    # fetched as every resource is: pages until an empty one (the server gives 2 a page;
    # the pages after the first are asked for at once, so they arrive in any order)
    assert sorted(int(a["offset"]) for a in server.paths(RESOURCE)) == [0, 2, 3]
    # and the mapping alone says it too (the items the server serves)
    assert line(3) in to_dataset("d", folder_items(folder)).notices
    assert both in to_dataset("d", folder_items(folder), counted=folder_counted(folder)).notices


def test_an_incremental_sync_counts_the_changed_ones_and_asks_no_deletes(
    server: EdfiServer, engine: Engine
) -> None:
    _sync(engine, server)
    server.touch(RESOURCE, server.data[RESOURCE][0]["id"])
    server.requests.clear()
    report = _sync(engine, server)
    assert report.mode == "incremental"
    assert report.fetched[RESOURCE] == 1 and line(1) in report.notices
    asked = [path for path, _ in server.requests]
    assert any(p.endswith("/studentDisciplineIncidentBehaviorAssociations/deletes")
               for p in asked)
    assert not any(p.endswith(f"/{RESOURCE}/deletes") for p in asked)


def test_a_server_without_them_syncs_and_says_so(server: EdfiServer, engine: Engine) -> None:
    del server.data[RESOURCE]  # (the server answers 404 for it)
    report = _sync(engine, server)
    assert report.rejects == [] and RESOURCE not in report.fetched
    assert f"{RESOURCE}: not offered by the server (skipped)" in report.notes
    assert not [n for n in report.notices if "NonOffender" in n]
