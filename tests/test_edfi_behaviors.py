"""Ed-Fi: several behaviors in one discipline record.

DS 4's StudentDisciplineIncidentAssociation lists a student's behaviors in a ``Behavior``
collection (the ODS/API's ``behaviors[]``), and a DisciplineIncident lists its own. caseload
keeps the first of each record; the others were dropped with no word, only a second
*association* of the same student and incident being counted. Now every behavior after the
first is counted in the summary, by the XML reader and the ODS/API mapper alike. Also: DS 5's
``DisciplineIncidentParticipationCode`` is read as DS 4's ``StudentParticipationCode`` is, and
a behavior association without its (required) ``Behavior`` is rejected, never stored without.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caseload.domain.records import StudentIncident
from caseload.sources.dataset import SourceError
from caseload.sources.edfi_api import to_dataset
from caseload.sources.edfi_xml import read_edfi_folder
from tests.paths import GRAND_BEND
from tests.test_edfi_xml import D, folder, interchange, school_ref, student_ref

STUDENT_LINE = (
    "not shown: {n} of a student in an incident (the first behavior read is kept)"
)
INCIDENT_LINE = "not shown: {n} of a discipline incident (the first behavior read is kept)"
BYSTANDERS = (
    "not shown: {n} to discipline incidents as a victim, witness or reporter (caseload counts "
    "the incidents a student took part in)"
)


def _xml_behavior(kind: str, description: str | None = None) -> str:
    return (
        f"<Behavior><Behavior>{D}BehaviorDescriptor#{kind}</Behavior>"
        + (f"<BehaviorDetailedDescription>{description}</BehaviorDetailedDescription>"
           if description else "")
        + "</Behavior>"
    )


def _xml_incident(number: str, *behaviors: str) -> str:
    return (
        f'<DisciplineIncident id="DI_{number}"><IncidentIdentifier>{number}</IncidentIdentifier>'
        "<IncidentDate>2021-10-18</IncidentDate>"
        + "".join(_xml_behavior(b) for b in behaviors)
        + f"{school_ref('900001')}</DisciplineIncident>"
    )


def _xml_ds4_part(uid: str, number: str, *behaviors: tuple[str, str | None]) -> str:
    return (
        f"<StudentDisciplineIncidentAssociation>{student_ref(uid)}"
        f'<DisciplineIncidentReference ref="DI_{number}"/>'
        f"<StudentParticipationCode>{D}StudentParticipationCodeDescriptor#Perpetrator"
        "</StudentParticipationCode>"
        + "".join(_xml_behavior(kind, text) for kind, text in behaviors)
        + "</StudentDisciplineIncidentAssociation>"
    )


def _xml_ds5_part(uid: str, number: str, behavior: str | None, code: str) -> str:
    return (
        f"<StudentDisciplineIncidentBehaviorAssociation>{student_ref(uid)}"
        f'<DisciplineIncidentReference ref="DI_{number}"/>'
        + (f"<Behavior>{D}BehaviorDescriptor#{behavior}</Behavior>" if behavior else "")
        + f"<DisciplineIncidentParticipationCode>{D}DisciplineIncidentParticipationCode"
        f"Descriptor#{code}</DisciplineIncidentParticipationCode>"
        "</StudentDisciplineIncidentBehaviorAssociation>"
    )


def test_xml_the_behaviors_after_the_first_of_one_record_are_counted(tmp_path: Path) -> None:
    xml = interchange(
        "InterchangeStudentDiscipline",
        _xml_incident("10", "Fighting", "Bullying", "Vandalism")  # 2 after the first
        + _xml_incident("11", "Theft")  # one: nothing to count
        + _xml_ds4_part("S1", "10", ("Fighting", "Started it"), ("Bullying", "Name-calling"),
                        ("Vandalism", None))  # 2 after the first
        + _xml_ds4_part("S2", "10", ("Fighting", "Joined in"))  # one: nothing to count
        # a second association of S2 in incident 10, with two behaviors: both dropped
        + _xml_ds4_part("S2", "10", ("Theft", None), ("Bullying", None))
        + _xml_ds4_part("S3", "11", ("Theft", "Took a phone"), ("Theft", "And a bag")),
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}))
    assert ds.rejects == []
    # the first behavior of each record is the one kept, as before
    assert {i.sourced_id: i.behavior for i in ds.discipline_incidents} == {
        "900001:10": "Fighting", "900001:11": "Theft"}
    assert sorted(ds.student_incidents, key=lambda s: s.student_id) == [
        StudentIncident("900001:10", "S1", "Fighting", "Started it"),
        StudentIncident("900001:10", "S2", "Fighting", "Joined in"),
        StudentIncident("900001:11", "S3", "Theft", "Took a phone"),
    ]
    # S1's 2, S2's second association's 2, S3's 1
    assert STUDENT_LINE.format(n="5 further behaviors") in ds.notices
    assert INCIDENT_LINE.format(n="2 further behaviors") in ds.notices


def test_xml_one_behavior_a_record_says_nothing_more(tmp_path: Path) -> None:
    xml = interchange(
        "InterchangeStudentDiscipline",
        _xml_incident("10", "Fighting") + _xml_ds4_part("S1", "10", ("Fighting", None)),
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}))
    assert ds.rejects == []
    assert not [n for n in ds.notices if "further behavior" in n]


def test_xml_a_part_rejected_for_its_reference_counts_no_behaviors(tmp_path: Path) -> None:
    xml = interchange(
        "InterchangeStudentDiscipline",
        _xml_incident("10", "Fighting")
        + _xml_ds4_part("S1", "99", ("Fighting", None), ("Bullying", None)),
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}), skip_invalid=True)
    assert [r.field for r in ds.rejects] == ["DisciplineIncidentReference"]
    assert not [n for n in ds.notices if "further behavior" in n]  # the reject says it


def _xml_ds5_empty(uid: str, number: str) -> str:
    """A behavior association whose Behavior element is there but empty."""
    return _xml_ds5_part(uid, number, None, "Perpetrator").replace(
        "<DisciplineIncidentParticipationCode>", "<Behavior>  </Behavior>"
        "<DisciplineIncidentParticipationCode>", 1)


def test_xml_a_behavior_association_without_a_behavior_is_rejected(tmp_path: Path) -> None:
    """Ed-Fi DS 4 and 5: a StudentDisciplineIncidentBehaviorAssociation's Behavior is part of
    its key, so one without it is invalid: rejected with its file, physical line and reason
    (it was stored with no behavior, or counted as a bystander with a participation code other
    than perpetrator). One with a behavior is kept whatever its participation codes."""
    xml = interchange(
        "InterchangeStudentDiscipline",
        "\n".join([
            _xml_incident("10", "Fighting"),  # line 3
            _xml_ds5_part("S1", "10", None, "Victim"),  # line 4: no Behavior
            _xml_ds5_part("S2", "10", "Fighting", "Victim"),  # line 5: kept, as before
            _xml_ds5_part("S3", "10", None, "Perpetrator"),  # line 6: no Behavior
            _xml_ds5_empty("S4", "10"),  # line 7: an empty Behavior
        ]),
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}), skip_invalid=True)
    reason = "is required but missing or empty"
    assert [(r.file, r.line, r.field, r.reason) for r in ds.rejects] == [
        ("d.xml", 4, "Behavior", reason), ("d.xml", 6, "Behavior", reason),
        ("d.xml", 7, "Behavior", reason)]
    assert {r.raw["element"] for r in ds.rejects if r.raw} == {
        "StudentDisciplineIncidentBehaviorAssociation"}
    assert [(s.student_id, s.behavior) for s in ds.student_incidents] == [("S2", "Fighting")]
    assert not [n for n in ds.notices if "victim, witness or reporter" in n]
    # without --skip-invalid the first one stops the read, named the same way
    with pytest.raises(SourceError) as exc:
        read_edfi_folder(tmp_path)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("d.xml", 4, "Behavior")


def test_xml_ds4_incident_association_without_a_behavior_is_as_before(tmp_path: Path) -> None:
    """DS 4's StudentDisciplineIncidentAssociation has an optional Behavior collection: a
    perpetrator without one is stored with no behavior, a witness is a bystander."""
    xml = interchange(
        "InterchangeStudentDiscipline",
        _xml_incident("10", "Fighting") + _xml_ds4_part("S1", "10")
        + _xml_ds4_part("S2", "10").replace("#Perpetrator", "#Witness"),
    )
    ds = read_edfi_folder(folder(tmp_path, **{"d.xml": xml}))
    assert ds.rejects == []
    assert ds.student_incidents == [StudentIncident("900001:10", "S1", None, None)]
    assert BYSTANDERS.format(n="1 student link") in ds.notices


# --- the ODS/API ------------------------------------------------------------------------------


def _api_behaviors(*kinds: str) -> list[dict[str, str]]:
    return [{"behaviorDescriptor": f"{D}BehaviorDescriptor#{k}",
             "behaviorDetailedDescription": f"{k} text"} for k in kinds]


def test_api_the_behaviors_after_the_first_of_one_record_are_counted() -> None:
    from tests.sync.test_edfi_api import SCHOOL, base_items, student

    items = base_items()
    items["disciplineIncidents"] = [
        {"incidentIdentifier": "10", "schoolReference": SCHOOL, "incidentDate": "2021-10-18",
         "behaviors": _api_behaviors("Fighting", "Bullying", "Vandalism")},
        {"incidentIdentifier": "11", "schoolReference": SCHOOL, "incidentDate": "2021-10-19",
         "behaviors": [*_api_behaviors("Theft"), {"behaviorDescriptor": ""}]},  # empty: none
    ]
    ten = {"incidentIdentifier": "10", "schoolId": 255901001}
    perpetrator = f"{D}StudentParticipationCodeDescriptor#Perpetrator"
    items["studentDisciplineIncidentBehaviorAssociations"] = [  # DS 5: one behavior each
        {**student("604822"), "disciplineIncidentReference": ten,
         "behaviorDescriptor": f"{D}BehaviorDescriptor#Fighting"},
    ]
    items["studentDisciplineIncidentAssociations"] = [  # DS 4
        {**student("604823"), "disciplineIncidentReference": ten,
         "studentParticipationCodeDescriptor": perpetrator,
         "behaviors": _api_behaviors("Bullying", "Fighting", "Vandalism")},  # 2 after the first
        {**student("604822"), "disciplineIncidentReference": ten,  # a second: 1 + 1 dropped
         "studentParticipationCodeDescriptor": perpetrator,
         "behaviors": _api_behaviors("Theft", "Bullying")},
    ]
    ds = to_dataset("d", items)
    assert ds.rejects == []
    assert {i.sourced_id: i.behavior for i in ds.discipline_incidents} == {
        "255901001:10": "Fighting", "255901001:11": "Theft"}
    assert ds.student_incidents == [
        StudentIncident("255901001:10", "604822", "Fighting", None),
        StudentIncident("255901001:10", "604823", "Bullying", "Bullying text"),
    ]
    assert STUDENT_LINE.format(n="4 further behaviors") in ds.notices
    assert INCIDENT_LINE.format(n="2 further behaviors") in ds.notices


def test_api_a_behavior_association_without_a_behavior_is_rejected() -> None:
    """The ODS/API's studentDisciplineIncidentBehaviorAssociations: behaviorDescriptor is part
    of the key, so an item without one is rejected (resource, record, field, reason), as the
    XML reader rejects the element; DS 4's studentDisciplineIncidentAssociations keep their
    optional behaviors."""
    from tests.sync.test_edfi_api import SCHOOL, base_items, student

    def codes(*values: str) -> list[dict[str, str]]:
        return [{"disciplineIncidentParticipationCodeDescriptor":
                 f"{D}DisciplineIncidentParticipationCodeDescriptor#{v}"} for v in values]

    items = base_items()
    items["disciplineIncidents"] = [
        {"incidentIdentifier": "10", "schoolReference": SCHOOL, "incidentDate": "2021-10-18"}]
    ten = {"incidentIdentifier": "10", "schoolId": 255901001}
    perpetrator = f"{D}StudentParticipationCodeDescriptor#Perpetrator"
    items["studentDisciplineIncidentBehaviorAssociations"] = [
        {"id": "b1", **student("604822"), "disciplineIncidentReference": ten,  # no behavior
         "disciplineIncidentParticipationCodes": codes("Witness")},
        {"id": "b2", **student("604823"), "disciplineIncidentReference": ten,  # nor here
         "disciplineIncidentParticipationCodes": codes("Victim", "Perpetrator"),
         "behaviorDescriptor": " "},
        {"id": "b3", **student("604823"), "disciplineIncidentReference": ten,
         "behaviorDescriptor": f"{D}BehaviorDescriptor#Fighting",
         "disciplineIncidentParticipationCodes": codes("Victim")},  # a behavior: kept
    ]
    items["studentDisciplineIncidentAssociations"] = [  # DS 4: behaviors optional
        {**student("604822"), "disciplineIncidentReference": ten,
         "studentParticipationCodeDescriptor": perpetrator},
    ]
    ds = to_dataset("d", items, skip_invalid=True)
    resource = "studentDisciplineIncidentBehaviorAssociations"
    reason = "is required but missing or empty"
    assert [(r.file, r.line, r.field, r.reason) for r in ds.rejects] == [
        (resource, "b1", "behaviorDescriptor", reason),
        (resource, "b2", "behaviorDescriptor", reason)]
    assert ds.student_incidents == [
        StudentIncident("255901001:10", "604823", "Fighting", None),
        StudentIncident("255901001:10", "604822", None, None),
    ]
    assert not [n for n in ds.notices if "victim, witness or reporter" in n]
    with pytest.raises(SourceError) as exc:
        to_dataset("d", items)
    assert (exc.value.file, exc.value.line, exc.value.field) == (
        resource, "b1", "behaviorDescriptor")


# --- the Grand Bend sample (Ed-Fi DS 5.2, Apache-2.0) -----------------------------------------


@pytest.fixture
def grand_bend_discipline(tmp_path: Path) -> Path:
    if not (GRAND_BEND / "StudentDiscipline.xml").exists():
        pytest.skip(
            f"Grand Bend Ed-Fi sample not found at {GRAND_BEND}: "
            "put the shared data next to the repo (../shared/data/edfi-grand-bend)"
        )
    shutil.copy(GRAND_BEND / "StudentDiscipline.xml", tmp_path / "StudentDiscipline.xml")
    return tmp_path


@pytest.mark.grandbend
def test_grand_bend_one_behavior_a_record(grand_bend_discipline: Path) -> None:
    ds = read_edfi_folder(grand_bend_discipline, skip_invalid=True)
    # one behavior to each of its 21 incidents and 21 students' parts: nothing more to say
    assert (len(ds.discipline_incidents), len(ds.student_incidents)) == (21, 21)
    assert not [n for n in ds.notices if "further behavior" in n]


@pytest.mark.grandbend
def test_grand_bend_with_a_second_behavior_on_an_incident(grand_bend_discipline: Path) -> None:
    path = grand_bend_discipline / "StudentDiscipline.xml"
    text = path.read_text(encoding="utf-8")
    first = "<Behavior>uri://ed-fi.org/BehaviorDescriptor#State Offense</Behavior>\n\t\t</Behavior>"
    assert first in text  # incident 10's
    path.write_text(text.replace(
        first,
        first + "\n\t\t<Behavior><Behavior>uri://ed-fi.org/BehaviorDescriptor#Fighting"
        "</Behavior></Behavior>",
        1,
    ), encoding="utf-8")
    ds = read_edfi_folder(grand_bend_discipline, skip_invalid=True)
    incident = next(i for i in ds.discipline_incidents if i.sourced_id == "255901001:10")
    assert (incident.behavior, incident.description) == (
        "State Offense", "State Offense Detailed Desciption")  # (sic)
    assert INCIDENT_LINE.format(n="1 further behavior") in ds.notices
