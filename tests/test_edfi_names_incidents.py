"""Ed-Fi preferred names.

Found by an audit on the Grand Bend sample: ``PreferredFirstName``/``PreferredLastSurname``
were read past (18 students there). A name's suffix and title are not kept: the summary counts
them. Both the XML reader and the ODS/API mapper.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from caseload.domain.search import filter_items, user_searchable
from caseload.sources.edfi_api import to_dataset
from caseload.sources.edfi_xml import read_edfi_folder
from caseload.sources.loader import load
from caseload.store.repository import Repository
from tests import templates as tpl
from tests.paths import GRAND_BEND
from tests.test_edfi_xml import folder, interchange

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
