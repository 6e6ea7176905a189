"""An incremental Ed-Fi sync's changed record of a student's part in a discipline incident.

caseload keeps one ``student_incidents`` row per student and incident, made from the first of
the student's records of it (behavior associations in the server's order, then DS 4's incident
association; the further behaviors are only counted). A change query's delta carries the
changed record alone: mapped alone, a second behavior edited at the source took the row's
place, and a DS 4 association edited took the place of the student's behavior, while a full
sync keeps the first. The sync now reads the student's records of the incident again when the
cache may hold the part's row (as it does after a deletion: ``test_edfi_incident_deletes``),
and stores the row a full sync of the new state stores; a part the cache cannot hold (a new
one) is not read again. Each test compares the cache an incremental sync leaves, and what
``caseload flags --format json`` says of it (``incidents_year``), with a full sync of the
server's new state, through the real client against the test server.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseload.domain.records import Role, User
from caseload.sources.dataset import Dataset
from caseload.sources.http import SyncError
from caseload.sources.loader import load
from caseload.sources.sync import sync
from tests.sync import test_edfi_incident_deletes as incident_deletes
from tests.sync.edfi_server import EdfiServer
from tests.sync.test_edfi_incident_deletes import (
    BEHAVIORS,
    DS4,
    IID,
    D,
    assert_as_a_full_sync,
    behavior,
    incidents_year,
    item_id,
    parts,
    reread,
    sync_edfi,
)

S1003 = {"studentUniqueId": "S1003", "schoolId": "900001", "incidentIdentifier": "77"}
S1002 = {**S1003, "studentUniqueId": "S1002"}
CHANGED_NOTE = (
    "1 student's part in a discipline incident read again after a change to one of its "
    "records (the row is made of all of them, as a full sync makes it)"
)


server = incident_deletes.server  # the fixture: the small Ed-Fi sample served, its secret set


def _asked(srv: EdfiServer) -> list[tuple[str, dict[str, str]]]:
    """The queries by property the sync sent, each once (a query that finds records pages on
    to an empty page)."""
    once = {repr(q): q for q in reread(srv)}
    return [once[k] for k in sorted(once)]


def _both(params: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """The re-read of one part: a query by property on each of the two resources."""
    return sorted([(BEHAVIORS, params), (DS4, params)], key=repr)


def _url(engine: Engine) -> str:
    return f"sqlite:///{engine.url.database}"


@pytest.mark.parametrize(
    ("edited", "row"),
    [
        ("Fighting", ("Other", None)),  # the second behavior: counted, the first stays the row
        # the first: the row, with its new description (the delta alone made it too; read
        # again all the same, since only the server knows which behavior is the first)
        ("Other", ("Other", "Threw a chair")),
    ],
)
def test_an_edited_behavior_of_two_leaves_the_first_as_the_row(
    edited: str, row: tuple[str, str | None], server: EdfiServer, db_url: str,
    engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """S1003's behaviors in incident 77: Other (the row) and Fighting (counted). One of them
    is edited at the source: the delta carries it alone; the row stays Other's, as a full
    sync of the new state stores it (Other edited: with its new description)."""
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    assert sync_edfi(engine, server).mode == "full"
    assert (IID, "S1003", "Other", None) in parts(engine)
    description = "Threw a chair" if edited == "Other" else "Pushed a classmate twice"
    server.touch(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", edited),
                 behaviorDetailedDescription=description)
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == [] and report.deleted == {}
    assert report.fetched[BEHAVIORS] == 1  # the delta: the edited behavior alone
    assert (IID, "S1003", *row) in parts(engine)
    assert incidents_year(db_url, capsys)["S1003"] == 1
    # both behaviors read again (which one is the first is known only from the server)
    assert _asked(server) == _both(S1003)
    assert report.fetched[f"{BEHAVIORS} read again"] == 2
    assert report.fetched[f"{DS4} read again"] == 0
    assert CHANGED_NOTE in report.notes
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


def test_a_changed_ds4_association_leaves_the_students_behavior_as_the_row(
    server: EdfiServer, db_url: str, engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """DS 4: S1002 has an incident association (School Code of Conduct) and a behavior
    association (Fighting, read first: the row). The incident association's behavior is
    changed: the row stays Fighting."""
    server.add(BEHAVIORS, behavior("S1002", "Fighting"))
    sync_edfi(engine, server)
    assert (IID, "S1002", "Fighting", None) in parts(engine)
    server.touch(DS4, item_id(server, DS4, "S1002"),
                 behaviors=[{"behaviorDescriptor": f"{D}BehaviorDescriptor#Theft",
                             "behaviorDetailedDescription": "Took a phone"}])
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == [] and report.deleted == {}
    assert (IID, "S1002", "Fighting", None) in parts(engine)
    assert incidents_year(db_url, capsys)["S1002"] == 1
    assert _asked(server) == _both(S1002)
    assert report.fetched[f"{BEHAVIORS} read again"] == 1
    assert report.fetched[f"{DS4} read again"] == 1
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


def test_a_ds4_perpetrator_made_a_witness_takes_the_incident_off_the_student(
    server: EdfiServer, db_url: str, engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """S1002's only record of incident 77 is DS 4's association (a perpetrator: the row).
    Corrected at the source to a witness with no behavior, it makes no row: the cached row
    goes, as a full sync of the new state has none."""
    sync_edfi(engine, server)
    assert (IID, "S1002", "School Code of Conduct", None) in parts(engine)
    server.touch(DS4, item_id(server, DS4, "S1002"), behaviors=[],
                 studentParticipationCodeDescriptor=f"{D}StudentParticipationCodeDescriptor#Witness")
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == []
    assert report.deleted == {"student_incidents": 1}
    assert not any("does not hold" in n for n in report.notices)
    assert not [p for p in parts(engine) if p[1] == "S1002"]
    assert incidents_year(db_url, capsys)["S1002"] == 0
    assert_as_a_full_sync(engine, db_url, server, migrated_template, tmp_path, capsys)


def _new_student(srv: EdfiServer, uid: str) -> None:
    srv.add("students", {"studentUniqueId": uid, "firstName": "Noa", "lastSurname": "Vidal",
                         "birthDate": "2008-03-04"})


def test_only_the_parts_the_cache_may_hold_are_read_again(
    server: EdfiServer, sqlite_engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One delta with brand-new parts (no row of theirs in the cache: nothing but the delta's
    records can make it, so nothing is read again) and an edited behavior of a part the cache
    holds (read again):

    - S1001, a cached student with no row for incident 77 (a DS 4 witness there), gets a
      behavior in it;
    - S1003 gets a behavior in a new incident 78;
    - S1009, a new student, gets a behavior in incident 78 too (no row of that incident is
      cached: not theirs either, whoever they turn out to be);
    - S1003's second behavior in incident 77 is edited (the row stays the first's)."""
    engine = sqlite_engine
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    sync_edfi(engine, server)
    server.add("disciplineIncidents", {
        "incidentIdentifier": "78", "schoolReference": {"schoolId": 900001},
        "incidentDate": "2021-10-05",
    })
    at_78 = {"disciplineIncidentReference": {"incidentIdentifier": "78", "schoolId": 900001}}
    server.add(BEHAVIORS, {**behavior("S1003", "Bullying"), **at_78})
    _new_student(server, "S1009")
    server.add(BEHAVIORS, {**behavior("S1009", "Bullying", "Name-calling"), **at_78})
    server.add(BEHAVIORS, behavior("S1001", "Fighting", "Pushed back"))
    server.touch(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", "Fighting"),
                 behaviorDetailedDescription="Pushed a classmate twice")
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.mode == "incremental" and report.rejects == [] and report.deleted == {}
    assert report.fetched[BEHAVIORS] == 4
    assert {(IID, "S1003", "Other", None), (IID, "S1001", "Fighting", "Pushed back"),
            ("900001:78", "S1003", "Bullying", None),
            ("900001:78", "S1009", "Bullying", "Name-calling")} <= set(parts(engine))
    assert_as_a_full_sync(engine, _url(engine), server, migrated_template, tmp_path, capsys)
    assert _asked(server) == _both(S1003)  # (the full sync asked nothing by property)
    assert CHANGED_NOTE in report.notes


def test_a_new_student_in_an_incident_with_rows_is_read_again(
    server: EdfiServer, sqlite_engine: Engine, migrated_template: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A student the cache does not hold by that id may be one it holds by another source's
    (linked by state or local id when the cache is written), whose row the incident's rows
    may be: the part is read again (conservative: a re-read costs two requests)."""
    engine = sqlite_engine
    sync_edfi(engine, server)
    _new_student(server, "S1009")
    server.add(BEHAVIORS, behavior("S1009", "Bullying"))
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.rejects == [] and report.deleted == {}
    assert _asked(server) == _both({**S1003, "studentUniqueId": "S1009"})
    assert (IID, "S1009", "Bullying", None) in parts(engine)
    assert_as_a_full_sync(engine, _url(engine), server, migrated_template, tmp_path, capsys)


def test_the_reread_reaches_a_student_linked_to_another_sources(
    server: EdfiServer, sqlite_engine: Engine,
) -> None:
    """The Ed-Fi student S1003 is linked to a roster's student (state id S1003), who holds the
    row of incident 77: S1003's second behavior edited, the part is read again (S1003 is not a
    cached student's id, and the incident has rows) and the linked row stays the first's."""
    engine = sqlite_engine
    roster = Dataset(kind="oneroster-csv", source="roster")
    roster.users.append(User("stu-3", Role.STUDENT, "Ana", "Ruiz", state_id="S1003"))
    load(engine, roster)
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    sync_edfi(engine, server)
    assert (IID, "stu-3", "Other", None) in parts(engine)
    server.touch(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", "Fighting"),
                 behaviorDetailedDescription="Pushed a classmate twice")
    server.requests.clear()
    report = sync_edfi(engine, server)
    assert report.rejects == [] and report.deleted == {}
    assert (IID, "stu-3", "Other", None) in parts(engine)
    assert not [p for p in parts(engine) if p[1] == "S1003"]
    assert _asked(server) == _both(S1003)


def test_a_linked_students_part_that_makes_no_row_any_more_is_deleted(
    server: EdfiServer, sqlite_engine: Engine,
) -> None:
    """The roster's stu-3 is the Ed-Fi S1002 (state id): their DS 4 association made a
    witness's, the linked row goes, and no deletion is counted as naming nothing."""
    engine = sqlite_engine
    roster = Dataset(kind="oneroster-csv", source="roster")
    roster.users.append(User("stu-2", Role.STUDENT, "Ben", "Ruiz", state_id="S1002"))
    load(engine, roster)
    sync_edfi(engine, server)
    assert (IID, "stu-2", "School Code of Conduct", None) in parts(engine)
    server.touch(DS4, item_id(server, DS4, "S1002"), behaviors=[],
                 studentParticipationCodeDescriptor=f"{D}StudentParticipationCodeDescriptor#Witness")
    report = sync_edfi(engine, server)
    assert report.rejects == [] and report.deleted == {"student_incidents": 1}
    assert not any("does not hold" in n for n in report.notices)
    assert not [p for p in parts(engine) if p[1] in ("stu-2", "S1002")]



@pytest.mark.parametrize(
    ("copies", "row"),
    [("identical", ("Other", None)), ("differ", ("Fighting", "Pushed a classmate twice"))],
)
def test_a_record_listed_twice_when_the_part_is_read_again(
    copies: str, row: tuple[str, str | None], server: EdfiServer, engine: Engine,
) -> None:
    """S1003's behaviors in incident 77: Other (the row) and Fighting. The server now lists
    Other twice (unchanged: only the query by property that reads the part again sees it) and
    Fighting is edited. Without --skip-invalid the sync fails naming the record; with it, the
    repeat of identical copies is rejected and Other stays the row, and copies that differ are
    both rejected: Fighting, the first that remains, makes the row (as a full sync does)."""
    server.add(BEHAVIORS, behavior("S1003", "Fighting", "Pushed a classmate"))
    sync_edfi(engine, server)
    before = parts(engine)
    rid = item_id(server, BEHAVIORS, "S1003", "Other")
    at = next(i for i, it in enumerate(server.data[BEHAVIORS]) if it["id"] == rid)
    again = copy.deepcopy(server.data[BEHAVIORS][at])
    if copies == "differ":
        again["behaviorDetailedDescription"] = "Threw a chair"
    server.data[BEHAVIORS].insert(at + 1, again)
    server.versions[BEHAVIORS].insert(at + 1, server.versions[BEHAVIORS][at])
    server.touch(BEHAVIORS, item_id(server, BEHAVIORS, "S1003", "Fighting"),
                 behaviorDetailedDescription="Pushed a classmate twice")
    with pytest.raises(SyncError, match=rf"listed the record '{rid}' twice in the page"):
        sync_edfi(engine, server)
    assert parts(engine) == before
    report = sync(engine, "edfi", server.source_config(), skip_invalid=True)
    assert report.mode == "incremental" and report.fetched[BEHAVIORS] == 1
    assert [(r.file, r.line, r.field) for r in report.rejects] == [
        (BEHAVIORS, rid, "id")] * (1 if copies == "identical" else 2)
    assert all(f"ed-fi/{BEHAVIORS}, the page at offset 0" in r.reason for r in report.rejects)
    assert (IID, "S1003", *row) in parts(engine)
    assert not [p for p in parts(engine) if p[1] == "S1003" and p[2:] != row]
