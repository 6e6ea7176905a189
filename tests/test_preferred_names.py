"""Preferred names (issue 12, "Finding students"): OneRoster 1.2 CSV ``preferredGivenName``/
``preferredFamilyName`` and REST ``preferredFirstName``/``preferredLastName`` are read, stored,
shown as the student's name, and the legal name is kept for the student screen."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from caseload.domain.search import filter_items, user_searchable
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.sources.oneroster_rest import to_dataset as oneroster_to_dataset
from caseload.store.repository import Repository
from tests.paths import REPO

MIN = REPO / "tests" / "data" / "oneroster_min"
AS_OF = dt.date(2026, 10, 2)


def _with_preferred(folder: Path) -> Path:
    """oneroster_min (a 1.2 export that has the preferred-name columns, empty) with stu-1
    going by "Addie" and stu-2 by the family name "Barker"."""
    out = folder / "export"
    shutil.copytree(MIN, out)
    users = out / "users.csv"
    with users.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0])
    for row in rows:
        if row["sourcedId"] == "stu-1":
            row["preferredGivenName"] = "Addie"
        if row["sourcedId"] == "stu-2":
            row["preferredFamilyName"] = "Barker"
    with users.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    return out


@pytest.fixture
def repo(tmp_path: Path, sqlite_engine):  # type: ignore[no-untyped-def]
    report = load(sqlite_engine, read_path(_with_preferred(tmp_path)))
    assert not report.rejects
    return Repository(sqlite_engine)


def test_csv_preferred_names_are_stored_and_shown(repo: Repository) -> None:
    by_id = {u.sourced_id: u for u in repo.students()}
    ada, ben = by_id["stu-1"], by_id["stu-2"]
    assert (ada.given_name, ada.preferred_given_name, ada.preferred_family_name) == (
        "Ada", "Addie", None)
    assert (ada.sort_name, ada.legal_name) == ("Able, Addie", "Able, Ada")
    assert ben.sort_name == "Barker, Ben"
    # the caseload row and every report show the preferred name
    names = {r.id: r.name for r in repo.caseload_rows(None, AS_OF)}
    assert names["stu-1"] == "Able, Addie" and names["stu-2"] == "Barker, Ben"
    # the student screen has the legal name beside it; none when there is no preferred one
    detail = repo.student("stu-1", AS_OF)
    assert (detail.report.name, detail.legal_name) == ("Able, Addie", "Able, Ada")
    plain = [u.sourced_id for u in repo.students() if u.sort_name == u.legal_name]
    assert plain and repo.student(plain[0], AS_OF).legal_name is None


def test_search_finds_students_by_legal_and_preferred_names(repo: Repository) -> None:
    students = repo.students()
    assert [u.sourced_id for u in filter_items("addie able", students, user_searchable)] == [
        "stu-1"]
    assert [u.sourced_id for u in filter_items("ada", students, user_searchable)] == ["stu-1"]
    assert [u.sourced_id for u in filter_items("barker", students, user_searchable)] == [
        "stu-2"]


def test_directory_lists_every_student_with_counselor_names(repo: Repository) -> None:
    directory = repo.student_directory()
    assert {e.id for e in directory} == {u.sourced_id for u in repo.students()}
    counselors = {c.sourced_id: c.sort_name for c in repo.counselors()}
    entry = next(e for e in directory if e.id == "stu-1")
    assert entry.student.preferred_given_name == "Addie"
    assert entry.counselor_names == (counselors["cns-1"],)
    names = [e.student.sort_name.casefold() for e in directory]
    assert names == sorted(names)


def test_rest_preferred_first_and_last_names_are_read() -> None:
    ds = oneroster_to_dataset("district", {"users": [
        {"sourcedId": "stu-9", "status": "active", "givenName": "Alexander",
         "familyName": "Nuñez", "preferredFirstName": "Sasha",
         "preferredLastName": "Núñez-Ruiz", "role": "student"},
        {"sourcedId": "stu-10", "status": "active", "givenName": "Ana", "familyName": "Li",
         "role": "student"},
    ]})
    assert ds.rejects == []
    by_id = {u.sourced_id: u for u in ds.users}
    assert (by_id["stu-9"].preferred_given_name, by_id["stu-9"].preferred_family_name) == (
        "Sasha", "Núñez-Ruiz")
    assert by_id["stu-9"].sort_name == "Núñez-Ruiz, Sasha"
    assert (by_id["stu-10"].preferred_given_name, by_id["stu-10"].preferred_family_name) == (
        None, None)


def test_notes_name_students_by_their_preferred_names(repo: Repository) -> None:
    from caseload.store.notes import NotesStore

    labels = NotesStore(repo.engine).student_labels(["stu-1", "stu-2"])
    assert labels["stu-1"][0] == "Able, Addie" and labels["stu-2"][0] == "Barker, Ben"
