"""Ed-Fi preferred names, and a student's own description of their part in an incident.

Found by an audit on the Grand Bend sample: ``PreferredFirstName``/``PreferredLastSurname``
were read past (18 students there), and a StudentDisciplineIncidentBehaviorAssociation's own
``BehaviorDetailedDescription`` was dropped, the student screen showing the incident's instead.
A name's suffix and title and any weapon are not kept: the summary counts them. Both the XML
reader and the ODS/API mapper; the migration (0024) both ways.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import column, insert, inspect, select, table

from caseload.domain.records import StudentIncident
from caseload.domain.search import filter_items, user_searchable
from caseload.sources.edfi_api import to_dataset
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.loader import load
from caseload.store.repository import Repository
from tests import templates as tpl
from tests.paths import GRAND_BEND
from tests.test_edfi_xml import SMALL, D, folder, interchange, school_ref, student_ref

SUFFIXES_AND_TITLES = (
    "not read: {suffixes} and {titles} of students' and staff's names (caseload shows the "
    "first, middle and last names, and the preferred ones)"
)


def _student(uid: str, name: str) -> str:
    return f"<Student><StudentUniqueId>{uid}</StudentUniqueId><Name>{name}</Name></Student>"


STUDENTS = interchange(
    "InterchangeStudent",
    _student(
        "S1",
        "<PersonalTitlePrefix>Mr</PersonalTitlePrefix><FirstName>Rick</FirstName>"
        "<LastSurname>Owen</LastSurname><GenerationCodeSuffix>Jr</GenerationCodeSuffix>"
        "<PreferredFirstName>Ricky</PreferredFirstName>"
        "<PreferredLastSurname>Kane</PreferredLastSurname>",
    )
    + _student("S2", "<FirstName>Ana</FirstName><LastSurname>Li</LastSurname>"
               "<PreferredFirstName>Annie</PreferredFirstName>")
    + _student("S3", "<FirstName>Bo</FirstName><LastSurname>Ng</LastSurname>"),
)


def test_xml_preferred_names_are_read_and_suffix_and_title_counted(tmp_path: Path) -> None:
    ds = read_edfi_folder(folder(tmp_path, **{"Student.xml": STUDENTS}))
    assert ds.rejects == []
    users = {u.sourced_id: u for u in ds.users}
    assert (users["S1"].preferred_given_name, users["S1"].preferred_family_name) == (
        "Ricky", "Kane")
    assert (users["S1"].sort_name, users["S1"].legal_name) == ("Kane, Ricky", "Owen, Rick")
    assert users["S2"].sort_name == "Li, Annie"  # a preferred first name alone
    assert (users["S3"].preferred_given_name, users["S3"].preferred_family_name) == (None, None)
    assert SUFFIXES_AND_TITLES.format(
        suffixes="1 name suffix (GenerationCodeSuffix: Jr, II...)",
        titles="1 title (PersonalTitlePrefix: Mr, Ms...)",
    ) in ds.notices


def test_api_preferred_names_are_read_and_suffix_and_title_counted() -> None:
    from tests.sync.test_edfi_api import base_items

    items = base_items()
    items["students"] = [
        {"id": "st1", "studentUniqueId": "604822", "firstName": "Lisa", "lastSurname": "Woods",
         "personalTitlePrefix": "Ms", "preferredFirstName": "Lisarae",
         "preferredLastSurname": "Woodlock"},
        {"id": "st2", "studentUniqueId": "604823", "firstName": "Rick", "lastSurname": "Owen",
         "generationCodeSuffix": "Jr", "personalTitlePrefix": "Mr"},
    ]
    ds = to_dataset("d", items)
    assert ds.rejects == []
    users = {u.sourced_id: u for u in ds.users}
    assert users["604822"].sort_name == "Woodlock, Lisarae"
    assert users["604822"].legal_name == "Woods, Lisa"
    assert users["604823"].preferred_given_name is None
    assert SUFFIXES_AND_TITLES.format(
        suffixes="1 name suffix (GenerationCodeSuffix: Jr, II...)",
        titles="2 titles (PersonalTitlePrefix: Mr, Ms...)",
    ) in ds.notices


# --- a student's part in an incident ------------------------------------------------------

INCIDENT = (
    '<DisciplineIncident id="DI_10"><IncidentIdentifier>10</IncidentIdentifier>'
    "<IncidentDate>2021-10-18</IncidentDate>"
    f"<Behavior><BehaviorDetailedDescription>Placeholder</BehaviorDetailedDescription>"
    f"<Behavior>{D}BehaviorDescriptor#State Offense</Behavior></Behavior>"
    f"<Weapon>{D}WeaponDescriptor#Club</Weapon>"
    f"{school_ref('900001')}</DisciplineIncident>"
)


def _ds5_part(uid: str, description: str | None, weapon: str | None = None) -> str:
    return (
        f"<StudentDisciplineIncidentBehaviorAssociation>{student_ref(uid)}"
        '<DisciplineIncidentReference ref="DI_10"/>'
        f"<Behavior>{D}BehaviorDescriptor#State Offense</Behavior>"
        + (f"<BehaviorDetailedDescription>{description}</BehaviorDetailedDescription>"
           if description else "")
        + f"<DisciplineIncidentParticipationCode>{D}DisciplineIncidentParticipationCode"
        "Descriptor#Perpetrator</DisciplineIncidentParticipationCode>"
        + (f"<Weapon>{D}WeaponDescriptor#{weapon}</Weapon>" if weapon else "")
        + "</StudentDisciplineIncidentBehaviorAssociation>"
    )


DS4_PART = (  # DS 4: the behavior and its description in a Behavior collection
    f"<StudentDisciplineIncidentAssociation>{student_ref('S3')}"
    '<DisciplineIncidentReference ref="DI_10"/>'
    f"<StudentParticipationCode>{D}StudentParticipationCodeDescriptor#Perpetrator"
    "</StudentParticipationCode>"
    f"<Behavior><Behavior>{D}BehaviorDescriptor#Fighting</Behavior>"
    "<BehaviorDetailedDescription>Started it</BehaviorDetailedDescription></Behavior>"
    "</StudentDisciplineIncidentAssociation>"
)

WEAPONS_NOT_SHOWN = (
    "not shown: {n} named by discipline incidents or by a student's part in one (caseload "
    "shows an incident's behavior, location and description)"
)


def test_xml_a_students_own_description_is_kept_and_weapons_counted(tmp_path: Path) -> None:
    xml = interchange(
        "InterchangeStudentDiscipline",
        INCIDENT + _ds5_part("S1", "Robbery", "Knife") + _ds5_part("S2", None) + DS4_PART,
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}))
    assert ds.rejects == []
    assert ds.discipline_incidents[0].description == "Placeholder"  # the incident's own
    assert sorted(ds.student_incidents, key=lambda s: s.student_id) == [
        StudentIncident("900001:10", "S1", "State Offense", "Robbery"),
        StudentIncident("900001:10", "S2", "State Offense", None),
        StudentIncident("900001:10", "S3", "Fighting", "Started it"),
    ]
    assert WEAPONS_NOT_SHOWN.format(n="2 weapons") in ds.notices  # the incident's, S1's


def test_api_a_students_own_description_is_kept_and_weapons_counted() -> None:
    from tests.sync.test_edfi_api import SCHOOL, base_items, student

    items = base_items()
    items["disciplineIncidents"] = [{
        "incidentIdentifier": "10", "schoolReference": SCHOOL, "incidentDate": "2021-10-18",
        "behaviors": [{"behaviorDescriptor": f"{D}BehaviorDescriptor#State Offense",
                       "behaviorDetailedDescription": "Placeholder"}],
    }]
    ref = {"incidentIdentifier": "10", "schoolId": 255901001}
    items["studentDisciplineIncidentBehaviorAssociations"] = [{
        **student("604822"), "disciplineIncidentReference": ref,
        "behaviorDescriptor": f"{D}BehaviorDescriptor#State Offense",
        "behaviorDetailedDescription": "Robbery",
        "weapons": [{"weaponDescriptor": f"{D}WeaponDescriptor#Knife"}],
    }]
    items["studentDisciplineIncidentAssociations"] = [{  # DS 4
        **student("604823"), "disciplineIncidentReference": ref,
        "studentParticipationCodeDescriptor": f"{D}StudentParticipationCodeDescriptor#Perpetrator",
        "behaviors": [{"behaviorDescriptor": f"{D}BehaviorDescriptor#Fighting",
                       "behaviorDetailedDescription": "Started it"}],
    }]
    ds = to_dataset("d", items)
    assert ds.rejects == []
    assert ds.discipline_incidents[0].description == "Placeholder"
    assert ds.student_incidents == [
        StudentIncident("255901001:10", "604822", "State Offense", "Robbery"),
        StudentIncident("255901001:10", "604823", "Fighting", "Started it"),
    ]
    assert WEAPONS_NOT_SHOWN.format(n="1 weapon") in ds.notices


def test_the_student_screen_shows_the_students_own_description(
    tmp_path: Path, sqlite_engine
) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "export"
    shutil.copytree(SMALL, export)
    (export / "discipline.xml").write_text(interchange(
        "InterchangeStudentDiscipline",
        INCIDENT + _ds5_part("S1001", "Robbery") + _ds5_part("S1002", None),
    ), encoding="utf-8")
    assert not load(sqlite_engine, read_edfi_folder(export)).rejects
    details = Repository(sqlite_engine).student_details(["S1001", "S1002"], dt.date(2022, 5, 27))
    assert [i.description for i in details["S1001"].incidents] == ["Robbery"]
    assert [i.description for i in details["S1002"].incidents] == ["Placeholder"]


def test_migration_0024_adds_and_drops_the_description(db_url: str) -> None:
    from caseload.store.engine import make_engine, migrate
    from tests.migrations import declared_diffs, downgrade

    def columns() -> set[str]:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("student_incidents")}

    def rows() -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(si))]

    engine = make_engine(db_url)
    si = table("student_incidents", column("incident_id"), column("student_id"),
               column("behavior"))
    try:
        migrate(engine)
        assert declared_diffs(engine, "student_incidents") == []
        assert "description" in columns()
        with engine.begin() as conn:
            conn.execute(insert(si).values(
                incident_id="1:10", student_id="S1", behavior="Fight"))
        downgrade(engine, "0023")
        assert "description" not in columns()
        assert rows() == [("1:10", "S1", "Fight")]  # the rows stay
        migrate(engine)
        assert "description" in columns() and rows() == [("1:10", "S1", "Fight")]
        assert declared_diffs(engine, "student_incidents") == []
    finally:
        engine.dispose()


# --- the Grand Bend sample (Ed-Fi DS 5.2, Apache-2.0) ----------------------------------------


@pytest.fixture(scope="module")
def grand_bend_repo(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path):
    if not (GRAND_BEND / "Student.xml").exists():
        pytest.skip(
            f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}: "
            "put the shared data next to the repo (../shared/data/edfi-grand-bend)"
        )
    engine = tpl.migrated_engine(migrated_template, tmp_path_factory.mktemp("gb") / "gb.db")
    ds = read_edfi_folder(GRAND_BEND)
    assert not load(engine, ds).rejects
    yield ds, Repository(engine)
    engine.dispose()


AS_OF = dt.date(2022, 5, 27)


@pytest.mark.grandbend
def test_grand_bend_preferred_names(grand_bend_repo) -> None:  # type: ignore[no-untyped-def]
    ds, repo = grand_bend_repo
    students = repo.students()
    assert sum(1 for u in students if u.preferred_given_name or u.preferred_family_name) == 18
    lisa = next(u for u in students if u.sourced_id == "604822")
    assert (lisa.sort_name, lisa.legal_name) == ("Woodlock, Lisarae", "Woods, Lisa")
    assert [u.sourced_id for u in filter_items("Lisarae", students, user_searchable)] == [
        "604822"]
    detail = repo.student("604822", AS_OF)
    assert (detail.report.name, detail.legal_name) == ("Woodlock, Lisarae", "Woods, Lisa")
    assert SUFFIXES_AND_TITLES.format(
        suffixes="15 name suffixes (GenerationCodeSuffix: Jr, II...)",
        titles="960 titles (PersonalTitlePrefix: Mr, Ms...)",
    ) in ds.notices


@pytest.mark.grandbend
def test_grand_bend_a_students_own_incident_description(grand_bend_repo) -> None:  # type: ignore[no-untyped-def]
    ds, repo = grand_bend_repo
    detail = repo.student("605266", AS_OF)
    assert detail.report.name == "Matthews, Evelyn"
    assert [(i.date, i.behavior, i.description) for i in detail.incidents] == [
        (dt.date(2021, 10, 18), "State Offense", "Robbery")]
    # 8 Weapon elements: one on an incident, seven on students' parts
    assert WEAPONS_NOT_SHOWN.format(n="8 weapons") in ds.notices
