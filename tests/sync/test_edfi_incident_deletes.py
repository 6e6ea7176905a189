"""An incremental Ed-Fi sync applies the deletion of a student's part in a discipline incident.

caseload keeps one ``student_incidents`` row per student and incident, from the first of the
student's records of it a sync reads: DS 5's behavior associations (key: studentUniqueId,
schoolId, incidentIdentifier, behaviorDescriptor; one per behavior, the first kept and the
others counted), then DS 4's incident associations (key: studentUniqueId, schoolId,
incidentIdentifier). Their ``/deletes`` were rejected ("deletions of this resource are not
applied"), so a student taken off an incident at the source kept it in caseload: the incidents
count, the flags and the Incidents tab showed a fact no longer true.

A ``/deletes`` item says which record went, not what remains, so the sync asks the server for
the student's remaining records of that incident (a query by property) and stores what a full
sync of the new state stores: nothing (the row goes), or the row made of the first remaining
record (a second behavior). Each test compares the cache an incremental sync leaves, and what
``caseload flags --format json`` says of it (``incidents_year``), with a full sync of the
server's new state, through the real client against the test server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from caseload.cli import main
from caseload.domain.records import Deletion, Role, User
from caseload.sources.dataset import Dataset
from caseload.sources.edfi_deletes import deleted_parts, deleted_to_dataset
from caseload.sources.loader import load
from caseload.sources.sync import SyncReport, sync
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.sync import edfi_server
from tests.sync.edfi_server import EdfiServer

SMALL = Path(__file__).resolve().parents[1] / "data" / "edfi_small"
D = "uri://ed-fi.org/"
BEHAVIORS = "studentDisciplineIncidentBehaviorAssociations"
DS4 = "studentDisciplineIncidentAssociations"
INCIDENT = {"incidentIdentifier": "77", "schoolId": 900001}  # tests/data/edfi_small
IID = "900001:77"
AS_OF = "2021-12-01"  # the incident is on 2021-10-01


def behavior(uid: str, code: str, description: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "studentReference": {"studentUniqueId": uid},
        "disciplineIncidentReference": dict(INCIDENT),
        "behaviorDescriptor": f"{D}BehaviorDescriptor#{code}",
    }
    if description is not None:
        item["behaviorDetailedDescription"] = description
    return item


def item_id(srv: EdfiServer, resource: str, uid: str, code: str | None = None) -> str:
    for item in srv.data[resource]:
        if item["studentReference"]["studentUniqueId"] == uid and (
            code is None or item.get("behaviorDescriptor", "").endswith("#" + code)
        ):
            return str(item["id"])
    raise AssertionError(f"no {resource} item of {uid} {code}")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EdfiServer]:
    with EdfiServer.from_folder(SMALL) as srv:
        monkeypatch.setenv("CASELOAD_SECRET_EDFI", srv.secret)
        yield srv


def sync_edfi(engine: Engine, srv: EdfiServer) -> SyncReport:
    return sync(engine, "edfi", srv.source_config())


def parts(engine: Engine) -> list[tuple[Any, ...]]:
    table = METADATA.tables["student_incidents"]
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def incidents_year(url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``caseload flags --format json``'s incidents_year, by student."""
    capsys.readouterr()
    assert main(["--db", url, "flags", "--as-of", AS_OF, "--counselor", "all",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    return {s["id"]: s["metrics"]["incidents_year"] for s in data["students"]}


def full_sync(srv: EdfiServer, migrated: Path, path: Path) -> tuple[Engine, str]:
    """A new cache with a full sync of the server's state as it is now."""
    engine = tpl.migrated_engine(migrated, path)
    assert sync_edfi(engine, srv).mode == "full"
    return engine, f"sqlite:///{path}"


def assert_as_a_full_sync(engine: Engine, url: str, srv: EdfiServer, migrated: Path,
                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh, fresh_url = full_sync(srv, migrated, tmp_path / "fresh.db")
    try:
        assert parts(engine) == parts(fresh)
        assert incidents_year(url, capsys) == incidents_year(fresh_url, capsys)
    finally:
        fresh.dispose()


def reread(srv: EdfiServer) -> list[tuple[str, dict[str, str]]]:
    """The queries by property the sync sent (resource, parameters less paging)."""
    return [
        (path.rsplit("/", 1)[1], {k: v for k, v in args.items()
                                  if k not in ("offset", "limit", "totalCount")})
        for path, args in srv.requests
        if "studentUniqueId" in args
    ]


# --- the deletions' mapping ------------------------------------------------------------------


def test_deletes_of_the_associations_name_the_students_row() -> None:
    key = {"studentUniqueId": "S1003", "behaviorDescriptor": f"{D}BehaviorDescriptor#Other",
           **INCIDENT}
    deleted = {
        BEHAVIORS: [{"id": "b1", "keyValues": key}, {"id": "only-an-id"}],
        DS4: [{"id": "a1", "keyValues": {"studentUniqueId": "S1002", **INCIDENT}}],
        "disciplineIncidents": [{"id": "i1", "keyValues": INCIDENT}],
    }
    ds = deleted_to_dataset("d", deleted)
    # children before parents: the parts before their incident
    assert ds.deletions == [
        Deletion.by_key("student_incidents", IID, "S1003"),
        Deletion.by_key("student_incidents", IID, "S1002"),
        Deletion("discipline_incidents", IID),
    ]
    assert ds.deletions[0].key == (IID, "S1003")
    assert [(r.file, r.line) for r in ds.rejects] == [(BEHAVIORS, "only-an-id")]
    assert deleted_parts(deleted) == {
        (IID, "S1003"): {"studentUniqueId": "S1003", "schoolId": "900001",
                         "incidentIdentifier": "77"},
        (IID, "S1002"): {"studentUniqueId": "S1002", "schoolId": "900001",
                         "incidentIdentifier": "77"},
    }


# --- incremental syncs against the test server -----------------------------------------------


def test_a_deleted_behavior_association_takes_the_incident_off_the_student(
    server: EdfiServer, db_url: str, engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert sync_edfi(engine, server).mode == "full"
    assert (IID, "S1003", "Other", None) in parts(engine)
    assert incidents_year(db_url, capsys)["S1003"] == 1
    server.delete(BEHAVIORS, item_id(server, BEHAVIORS, "S1003"))
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == []
    assert report.deleted == {"student_incidents": 1}
    assert report.fetched[f"{BEHAVIORS} deleted"] == 1
    assert report.fetched[f"{BEHAVIORS} read again"] == 0
    assert ("1 student's part in a discipline incident read again after a deletion of one of "
            "its records (what remains is stored, as a full sync stores it)") in report.notes
    # what remains was asked of the server: the behavior associations and DS 4's
    asked = {"studentUniqueId": "S1003", "schoolId": "900001", "incidentIdentifier": "77"}
    assert sorted(reread(server), key=repr) == sorted([(BEHAVIORS, asked), (DS4, asked)],
                                                      key=repr)
    assert not [p for p in parts(engine) if p[1] == "S1003"]
    assert incidents_year(db_url, capsys)["S1003"] == 0
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


@pytest.mark.parametrize(
    ("deleted", "row"),
    [
        ("Other", ("Fighting", "Pushed a classmate")),  # the row's own: the next one's row
        ("Fighting", ("Other", None)),  # a behavior counted, not shown: the row stays
    ],
)
def test_one_of_two_behaviors_deleted_leaves_the_row_a_full_sync_stores(
    deleted: str, row: tuple[str, str | None], server: EdfiServer, db_url: str,
    engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    report = sync_edfi(engine, server)
    assert ("not shown: 1 further behavior of a student in an incident (the first behavior "
            "read is kept)") in report.notices
    assert (IID, "S1003", "Other", None) in parts(engine)
    server.delete(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", deleted))
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == []
    assert report.deleted == {}  # the student is still in the incident
    assert report.fetched[f"{BEHAVIORS} read again"] == 1
    assert (IID, "S1003", *row) in parts(engine)
    assert incidents_year(db_url, capsys)["S1003"] == 1
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


def test_a_corrected_behavior_is_a_delete_and_an_add_in_one_sync(
    server: EdfiServer, sqlite_engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key change (the behavior corrected) comes as a deletion and a new item: the row takes
    the new behavior, and the deletion (applied after the rows are written) leaves it."""
    engine = sqlite_engine
    sync_edfi(engine, server)
    server.delete(BEHAVIORS, item_id(server, BEHAVIORS, "S1003"))
    server.add(BEHAVIORS, behavior("S1003", "Bullying", "Name-calling"))
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == [] and report.deleted == {}
    assert (IID, "S1003", "Bullying", "Name-calling") in parts(engine)
    url = f"sqlite:///{engine.url.database}"
    assert_as_a_full_sync(engine, url, server, migrated_template, tmp_path, capsys)


def test_a_server_that_ignores_the_filters_gives_only_the_parts_own_records(
    server: EdfiServer, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that answers the query by property with the whole resource: the sync keeps
    only the records of the part it asked for."""
    engine = sqlite_engine
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    server.add(BEHAVIORS, behavior("S1002", "Bullying"))
    sync_edfi(engine, server)
    monkeypatch.setattr(edfi_server, "_matches", lambda item, filters: True)
    server.delete(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", "Other"))
    report = sync_edfi(engine, server)
    assert report.rejects == [] and report.deleted == {}
    assert report.fetched[f"{BEHAVIORS} read again"] == 1
    assert report.fetched[f"{DS4} read again"] == 0
    assert (IID, "S1003", "Fighting", "Pushed a classmate") in parts(engine)
    assert (IID, "S1002", "Bullying", None) in parts(engine)


def test_a_deleted_ds4_association_takes_the_incident_off_the_student(
    server: EdfiServer, db_url: str, engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sync_edfi(engine, server)
    assert (IID, "S1002", "School Code of Conduct", None) in parts(engine)
    assert incidents_year(db_url, capsys)["S1002"] == 1
    server.delete(DS4, item_id(server, DS4, "S1002"))
    server.delete(DS4, item_id(server, DS4, "S1001"))  # a witness's: no row of theirs
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == []
    assert report.deleted == {"student_incidents": 1}
    assert ("student_incidents: 1 deletion names a record the cache does not hold (nothing to "
            "delete)") in report.notices
    assert not [p for p in parts(engine) if p[1] in ("S1001", "S1002")]
    assert incidents_year(db_url, capsys)["S1002"] == 0
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


@pytest.mark.parametrize("deleted", [BEHAVIORS, DS4])
def test_a_ds4_student_with_both_kinds_keeps_what_remains(
    deleted: str, server: EdfiServer, sqlite_engine: Engine, migrated_template: Path,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """DS 4 has both resources: a student's row comes from the behavior association (read
    first), else from the incident association; either deleted, the other makes the row."""
    engine = sqlite_engine
    server.add(BEHAVIORS, behavior("S1002", "Fighting"))
    sync_edfi(engine, server)
    assert (IID, "S1002", "Fighting", None) in parts(engine)
    server.delete(deleted, item_id(server, deleted, "S1002"))
    report = sync_edfi(engine, server)
    assert report.deleted == {} and report.rejects == []
    kept = "School Code of Conduct" if deleted == BEHAVIORS else "Fighting"
    assert (IID, "S1002", kept, None) in parts(engine)
    url = f"sqlite:///{engine.url.database}"
    assert_as_a_full_sync(engine, url, server, migrated_template, tmp_path, capsys)


def test_the_deletion_reaches_a_student_linked_to_another_sources(
    server: EdfiServer, sqlite_engine: Engine,
) -> None:
    """The Ed-Fi student S1003 is linked to a student the cache holds from a roster (whose
    state id is S1003), and their part in the incident is stored under the roster's id: the
    deletion, which names S1003, removes that row."""
    engine = sqlite_engine
    roster = Dataset(kind="oneroster-csv", source="roster")
    roster.users.append(User("stu-3", Role.STUDENT, "Ana", "Ruiz", state_id="S1003"))
    load(engine, roster)
    sync_edfi(engine, server)
    assert (IID, "stu-3", "Other", None) in parts(engine)
    server.delete(BEHAVIORS, item_id(server, BEHAVIORS, "S1003"))
    report = sync_edfi(engine, server)
    assert report.deleted == {"student_incidents": 1}
    assert not [p for p in parts(engine) if p[1] in ("stu-3", "S1003")]
