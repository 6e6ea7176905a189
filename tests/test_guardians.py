"""Guardians (issue 12): OneRoster users with role guardian/parent/relative linked through
agentSourcedIds (CSV 1.0/1.1/1.2, REST), stored in ``guardians`` and read back per student."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.domain.records import Guardian
from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.sources.oneroster_rest import to_dataset
from caseload.store.repository import Repository
from tests.paths import MIN_DATA, REPO

V10 = REPO / "tests" / "data" / "oneroster_v10"


@pytest.fixture
def store(sqlite_engine):  # type: ignore[no-untyped-def]
    """A fresh cache at the head revision (a copy of the session's migrated template)."""
    return sqlite_engine


def _user(sid: str, given: str, family: str, *, email: str = "", sms: str = "",
          phone: str = "", agents: str = "", status: str = "active") -> str:
    cells = [sid, status, "2026-09-01T00:00:00Z", "true", sid, "", given, family, "", "",
             email, sms, phone, agents, "", "", "", "", "", "", "", "sch-1", ""]
    return ",".join(f'"{c}"' if "," in c else c for c in cells) + "\n"


def _role(sid: str, role: str) -> str:
    return f"r-{sid},active,2026-09-01T00:00:00Z,{sid},primary,{role},,,sch-1,\n"


def _with_guardians(tmp_path: Path, users: list[str], roles: list[str]) -> Path:
    export = tmp_path / "export"
    shutil.copytree(MIN_DATA, export)
    with (export / "users.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(users)
    with (export / "roles.csv").open("a", encoding="utf-8") as fh:
        fh.writelines(roles)
    return export


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_v10_parent_linked_through_agents_column(store) -> None:
    """OneRoster 1.0 names the column ``agents``; the parent's phone and the role word."""
    report = load(store, read_path(V10))
    assert report.counts["guardians"] == 1
    assert Repository(store).guardians("u-1002") == [
        Guardian("u-1002", "u-3001", "Dana", "Pike", "parent", "555-0100", None, None,
                 "oneroster-csv")
    ]
    assert Repository(store).guardians("u-1001") == []
    # the guardian stays a user of its own role, never a student
    with store.connect() as conn:
        assert conn.execute(text("SELECT role FROM users WHERE sourced_id='u-3001'")).scalar() \
            == "parent"


def test_v12_roles_csv_gives_the_relationship_word(tmp_path: Path, store) -> None:
    """1.2: the role is in roles.csv; relationship is the role word (relative stays
    "relative"), never invented; sms stands in for a missing phone; primary contact unknown."""
    export = _with_guardians(
        tmp_path,
        [_user("g-1", "Rosa", "Able", phone="555-0101", agents="stu-1,stu-2"),
         _user("g-2", "Tom", "Able", email="tom@example.org", agents="stu-1"),
         _user("g-3", "Ines", "Baker", sms="555-0199", agents="stu-2")],
        [_role("g-1", "parent"), _role("g-2", "relative"), _role("g-3", "guardian")],
    )
    ds = read_path(export)
    report = load(store, ds)
    assert report.counts["guardians"] == 4
    repo = Repository(store)
    ada = repo.guardians("stu-1")
    assert [(g.name, g.relationship, g.phone, g.email, g.primary_contact) for g in ada] == [
        ("Rosa Able", "parent", "555-0101", None, None),
        ("Tom Able", "relative", None, "tom@example.org", None),
    ]
    ben = repo.guardians("stu-2")
    assert {(g.guardian_id, g.relationship, g.phone) for g in ben} == {
        ("g-1", "parent", "555-0101"), ("g-3", "guardian", "555-0199")}
    detail = repo.student("stu-1", dt.date(2026, 11, 20))
    assert [g.guardian_id for g in detail.guardians] == ["g-1", "g-2"]


def test_student_side_agents_link_too(tmp_path: Path, store) -> None:
    """A student's row may name its guardians instead; a name that is no guardian of the file
    is counted in a notice, not dropped in silence."""
    export = _with_guardians(
        tmp_path,
        [_user("g-1", "Rosa", "Able", phone="555-0101")],
        [_role("g-1", "parent")],
    )
    users = export / "users.csv"
    users.write_text(users.read_text(encoding="utf-8").replace(
        "stu-1,active,2026-09-01T00:00:00Z,true,ada,{stateId:MD001},Ada,Able,,S001,,,,,",
        "stu-1,active,2026-09-01T00:00:00Z,true,ada,{stateId:MD001},Ada,Able,,S001,,,,"
        "\"g-1,tch-1\",", 1), encoding="utf-8")
    ds = read_path(export)
    assert [(g.student_id, g.guardian_id) for g in ds.guardians] == [("stu-1", "g-1")]
    assert any("1 agentSourcedIds on student rows" in n for n in ds.notices)


def test_unknown_student_refused_with_file_line_and_field(tmp_path: Path, store) -> None:
    export = _with_guardians(
        tmp_path,
        [_user("g-1", "Rosa", "Able", phone="555-0101", agents="stu-1,stu-404")],
        [_role("g-1", "parent")],
    )
    line = _lines(export / "users.csv")
    with pytest.raises(SourceError) as info:
        load(store, read_path(export))
    assert info.value.file == "users.csv" and info.value.line == line
    assert info.value.field == "agentSourcedIds" and "stu-404" in info.value.reason
    with store.connect() as conn:  # nothing written
        assert conn.execute(text("SELECT count(*) FROM guardians")).scalar() == 0

    report = load(store, read_path(export, skip_invalid=True), skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in report.rejects] == [
        ("users.csv", line, "agentSourcedIds")]
    assert report.counts["guardians"] == 1  # stu-1's link kept
    assert [g.student_id for g in Repository(store).guardians("stu-1")] == ["stu-1"]


def test_guardian_row_replaces_its_links_and_deletion_removes_them(tmp_path: Path,
                                                                   store) -> None:
    first = _with_guardians(
        tmp_path,
        [_user("g-1", "Rosa", "Able", phone="555-0101", agents="stu-1,stu-2")],
        [_role("g-1", "parent")],
    )
    load(store, read_path(first))
    repo = Repository(store)
    assert len(repo.guardians("stu-2")) == 1
    # the next export lists only stu-1 on the guardian's row: stu-2's link goes
    users = first / "users.csv"
    users.write_text(users.read_text(encoding="utf-8").replace('"stu-1,stu-2"', "stu-1"),
                     encoding="utf-8")
    load(store, read_path(first))
    assert repo.guardians("stu-2") == [] and len(repo.guardians("stu-1")) == 1
    # the guardian deleted (status tobedeleted): every link of theirs goes with them
    users.write_text(users.read_text(encoding="utf-8").replace(
        "g-1,active,", "g-1,tobedeleted,"), encoding="utf-8")
    report = load(store, read_path(first))
    assert report.deleted.get("guardians") == 1
    assert repo.guardians("stu-1") == []


def test_rest_users_agents_phone_and_sms() -> None:
    """REST: the role (1.1 ``role``, 1.2 ``roles``) and ``agents`` references on the user."""
    users = [
        {"sourcedId": "s-1", "status": "active", "givenName": "Ada", "familyName": "Able",
         "role": "student", "agents": [{"sourcedId": "g-1", "type": "user"}]},
        {"sourcedId": "g-1", "status": "active", "givenName": "Rosa", "familyName": "Able",
         "role": "guardian", "phone": "", "sms": "555-0102", "email": "rosa@example.org",
         "agents": [{"href": "/users/s-1", "sourcedId": "s-1", "type": "user"}]},
        {"sourcedId": "g-2", "status": "active", "givenName": "Al", "familyName": "Able",
         "roles": [{"roleType": "primary", "role": "relative", "org": {"sourcedId": "o"}}],
         "agents": [{"sourcedId": "s-1", "type": "user"}]},
    ]
    ds = to_dataset("district", {"users": users})
    got = sorted((g.student_id, g.guardian_id, g.relationship, g.phone, g.email, g.source)
                 for g in ds.guardians)
    assert got == [("s-1", "g-1", "guardian", "555-0102", "rosa@example.org", "oneroster-rest"),
                   ("s-1", "g-2", "relative", None, None, "oneroster-rest")]


# --- Ed-Fi XML ------------------------------------------------------------------------------

EDFI = REPO / "tests" / "data"

DS4_PARENTS = """<?xml version="1.0" encoding="UTF-8"?>
<InterchangeParent xmlns="http://ed-fi.org/4.0.0">
  <Parent id="P1">
    <ParentUniqueId>777001</ParentUniqueId>
    <Name><FirstName>Maria</FirstName><LastSurname>Woods</LastSurname></Name>
    <Telephone><TelephoneNumber>555-0110</TelephoneNumber><OrderOfPriority>2</OrderOfPriority>
      <TelephoneNumberType>uri://ed-fi.org/TelephoneNumberTypeDescriptor#Work</TelephoneNumberType>
    </Telephone>
    <Telephone><TelephoneNumber>555-0111</TelephoneNumber><OrderOfPriority>1</OrderOfPriority>
      <TelephoneNumberType>uri://ed-fi.org/TelephoneNumberTypeDescriptor#Mobile</TelephoneNumberType>
    </Telephone>
    <ElectronicMail><ElectronicMailAddress>maria@example.org</ElectronicMailAddress>
      <ElectronicMailType>uri://ed-fi.org/ElectronicMailTypeDescriptor#Home/Personal</ElectronicMailType>
    </ElectronicMail>
  </Parent>
  <Parent>
    <ParentUniqueId>777002</ParentUniqueId>
    <Name><FirstName>Omar</FirstName><LastSurname>Woods</LastSurname></Name>
  </Parent>
  <StudentParentAssociation>
    <ParentReference ref="P1"/>
    <StudentReference><StudentIdentity><StudentUniqueId>604822</StudentUniqueId></StudentIdentity></StudentReference>
    <Relation>uri://ed-fi.org/RelationDescriptor#Mother</Relation>
    <PrimaryContactStatus>true</PrimaryContactStatus>
  </StudentParentAssociation>
  <StudentParentAssociation>
    <ParentReference><ParentIdentity><ParentUniqueId>777002</ParentUniqueId></ParentIdentity></ParentReference>
    <StudentReference><StudentIdentity><StudentUniqueId>604822</StudentUniqueId></StudentIdentity></StudentReference>
  </StudentParentAssociation>
  <StudentParentAssociation>
    <ParentReference><ParentIdentity><ParentUniqueId>777002</ParentUniqueId></ParentIdentity></ParentReference>
    <StudentReference><StudentIdentity><StudentUniqueId>999999</StudentUniqueId></StudentIdentity></StudentReference>
    <Relation>uri://ed-fi.org/RelationDescriptor#Father</Relation>
  </StudentParentAssociation>
</InterchangeParent>
"""

DS5_CONTACTS = """<?xml version="1.0" encoding="UTF-8"?>
<InterchangeContact xmlns="http://ed-fi.org/5.2.0">
  <Contact>
    <ContactUniqueId>888001</ContactUniqueId>
    <Name><FirstName>Ana</FirstName><LastSurname>Reyes</LastSurname></Name>
    <ElectronicMail><ElectronicMailAddress>other@example.org</ElectronicMailAddress></ElectronicMail>
    <ElectronicMail><ElectronicMailAddress>ana@example.org</ElectronicMailAddress>
      <PrimaryEmailAddressIndicator>true</PrimaryEmailAddressIndicator></ElectronicMail>
  </Contact>
  <StudentContactAssociation>
    <ContactReference><ContactIdentity><ContactUniqueId>888001</ContactUniqueId></ContactIdentity></ContactReference>
    <StudentReference><StudentIdentity><StudentUniqueId>604940</StudentUniqueId></StudentIdentity></StudentReference>
    <Relation>uri://ed-fi.org/RelationDescriptor#Grandmother</Relation>
    <PrimaryContactStatus>false</PrimaryContactStatus>
  </StudentContactAssociation>
</InterchangeContact>
"""


def _line(xml: str, element: str, nth: int) -> int:
    """The line of the ``nth`` (1-based) ``<element>`` in ``xml``."""
    lines = [i for i, text in enumerate(xml.splitlines(), 1) if f"<{element}>" in text]
    return lines[nth - 1]


def _edfi(tmp_path: Path, ds: str, name: str, xml: str) -> Path:
    folder = tmp_path / ds
    shutil.copytree(EDFI / ds, folder)
    (folder / name).write_text(xml, encoding="utf-8")
    return folder


def test_edfi_ds4_parents_relation_primary_contact_phone_email(tmp_path: Path, store) -> None:
    folder = _edfi(tmp_path, "edfi_ds4", "Parent.xml", DS4_PARENTS)
    with pytest.raises(SourceError) as info:  # the third association names no known student
        load(store, read_path(folder))
    third = _line(DS4_PARENTS, "StudentParentAssociation", 3)
    assert (info.value.file, info.value.line, info.value.field) == (
        "Parent.xml", third, "StudentReference/StudentUniqueId")
    assert "999999" in info.value.reason
    report = load(store, read_path(folder, skip_invalid=True), skip_invalid=True)
    assert [(r.file, r.line) for r in report.rejects] == [("Parent.xml", third)]
    got = Repository(store).guardians("604822")
    assert [(g.guardian_id, g.name, g.relationship, g.primary_contact, g.phone, g.email)
            for g in got] == [
        ("parent:777001", "Maria Woods", "Mother", True, "555-0111", "maria@example.org"),
        ("parent:777002", "Omar Woods", None, None, None, None),  # unknown stays unknown
    ]
    assert {g.source for g in got} == {"edfi-xml"}


def test_edfi_ds5_contacts(tmp_path: Path, store) -> None:
    folder = _edfi(tmp_path, "edfi_ds5", "Contact.xml", DS5_CONTACTS)
    load(store, read_path(folder))
    [g] = Repository(store).guardians("604940")
    assert (g.guardian_id, g.name, g.relationship, g.primary_contact, g.phone, g.email) == (
        "contact:888001", "Ana Reyes", "Grandmother", False, None, "ana@example.org")


def test_edfi_association_with_an_unknown_parent_is_named(tmp_path: Path) -> None:
    folder = _edfi(tmp_path, "edfi_ds4", "Parent.xml",
                   DS4_PARENTS.replace("<ParentUniqueId>777002</ParentUniqueId>\n    <Name>",
                                       "<ParentUniqueId>777003</ParentUniqueId>\n    <Name>"))
    with pytest.raises(SourceError) as info:
        read_path(folder)
    assert (info.value.file, info.value.line, info.value.field) == (
        "Parent.xml", _line(DS4_PARENTS, "StudentParentAssociation", 2), "ParentReference")
    assert "777002" in info.value.reason


def test_grand_bend_parents_when_the_sample_has_them(grand_bend: Path, store) -> None:
    """The Grand Bend sample's Parent/Contact interchange, when the shared copy has one; the
    copy here has none, and then no guardian is invented: the import reads and stores none."""
    files = [p for p in grand_bend.glob("*.xml")
             if "<InterchangeParent" in p.read_text(encoding="utf-8", errors="ignore")[:2000]
             or "<InterchangeContact" in p.read_text(encoding="utf-8", errors="ignore")[:2000]]
    ds = read_path(grand_bend)
    assert not ds.rejects
    report = load(store, ds)
    assert report.counts.get("guardians", 0) == len(ds.guardians)
    if files:
        assert ds.guardians
    else:
        assert ds.guardians == []


# --- Ed-Fi ODS/API --------------------------------------------------------------------------

STUDENTS_API = [
    {"id": "a1", "studentUniqueId": "604822", "firstName": "Lisa", "lastSurname": "Woods",
     "birthDate": "2010-01-01"},
]
PARENTS_API = [
    {"id": "p1", "parentUniqueId": "777001", "firstName": "Maria", "lastSurname": "Woods",
     "telephones": [{"telephoneNumber": "555-0110", "orderOfPriority": 2},
                    {"telephoneNumber": "555-0111", "orderOfPriority": 1}],
     "electronicMails": [{"electronicMailAddress": "a@example.org"},
                         {"electronicMailAddress": "maria@example.org",
                          "primaryEmailAddressIndicator": True}]},
]
LINKS_API = [
    {"id": "spa1", "parentReference": {"parentUniqueId": "777001"},
     "studentReference": {"studentUniqueId": "604822"},
     "relationDescriptor": "uri://ed-fi.org/RelationDescriptor#Mother",
     "primaryContactStatus": True},
]


def test_edfi_api_parents_and_contacts() -> None:
    from caseload.sources.edfi_api import to_dataset as edfi_to_dataset

    ds = edfi_to_dataset("district", {
        "students": STUDENTS_API, "parents": PARENTS_API, "studentParentAssociations": LINKS_API,
        "contacts": [{"contactUniqueId": "888001", "firstName": "Ana", "lastSurname": "Reyes"}],
        "studentContactAssociations": [
            {"contactReference": {"contactUniqueId": "888001"},
             "studentReference": {"studentUniqueId": "604822"}}],
    })
    assert sorted(ds.guardians, key=lambda g: g.guardian_id) == [
        Guardian("604822", "contact:888001", "Ana", "Reyes", None, None, None, None, "edfi-api"),
        Guardian("604822", "parent:777001", "Maria", "Woods", "Mother", "555-0111",
                 "maria@example.org", True, "edfi-api"),
    ]
    # a full sync: an association whose parent is not among the items is an error
    with pytest.raises(SourceError) as info:
        edfi_to_dataset("district", {"students": STUDENTS_API,
                                     "studentParentAssociations": LINKS_API})
    assert (info.value.file, info.value.line, info.value.field) == (
        "studentParentAssociations", "spa1", "parentReference")


def test_edfi_api_incremental_takes_an_unchanged_parent_from_the_cache(store) -> None:
    from caseload.sources.edfi_api import map_items
    from caseload.sources.edfi_sync import keep_cached

    full = {"students": STUDENTS_API, "parents": PARENTS_API,
            "studentParentAssociations": LINKS_API}
    ds, _ = map_items("district", full)
    load(store, ds)
    changed = [dict(LINKS_API[0], relationDescriptor="uri://ed-fi.org/RelationDescriptor#Aunt",
                    primaryContactStatus=False)]
    ds2, needs = map_items("district", {"studentParentAssociations": changed},
                           incremental=True)
    assert ds2.guardians == [] and len(needs.guardian_links) == 1
    keep_cached(store, ds2, needs)
    load(store, ds2)
    [g] = Repository(store).guardians("604822")
    assert (g.name, g.relationship, g.primary_contact, g.phone) == (
        "Maria Woods", "Aunt", False, "555-0111")
    # a parent neither in the sync nor in the cache: the mapping's error
    other = [dict(LINKS_API[0], parentReference={"parentUniqueId": "777999"})]
    ds3, needs3 = map_items("district", {"studentParentAssociations": other}, incremental=True)
    with pytest.raises(SourceError):
        keep_cached(store, ds3, needs3)
    keep_cached(store, ds3, needs3, skip_invalid=True)
    assert [r.field for r in ds3.rejects] == ["parentReference"]


def test_an_order_of_priority_that_is_no_number_ranks_last_not_a_crash() -> None:
    """"²".isdigit() is True and int("²") fails: such an OrderOfPriority (XML) ranked the
    import into "unexpected ValueError". It ranks like a missing one now."""
    import xml.etree.ElementTree as ET

    from caseload.sources.edfi_xml_guardians import _first_phone

    rec = ET.fromstring(
        "<Parent><Telephone><TelephoneNumber>555-0110</TelephoneNumber>"
        "<OrderOfPriority>\u00b2</OrderOfPriority></Telephone>"
        "<Telephone><TelephoneNumber>555-0111</TelephoneNumber>"
        "<OrderOfPriority>3</OrderOfPriority></Telephone></Parent>"
    )
    assert _first_phone(rec) == "555-0111"
