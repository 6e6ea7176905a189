"""``incidents.csv``, caseload's extension file for behavior incidents beside OneRoster files
(OneRoster carries none): read strictly, stored as Ed-Fi's discipline interchange is, and shown
as the BEHAVIOR flag's evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.store.tables import METADATA

HEADER = ("sourcedId,incidentSourcedId,schoolSourcedId,date,studentSourcedId,behavior,"
          "description,location\n")


def test_incidents_are_read_one_row_per_student_part(data: Path) -> None:
    (data / "incidents.csv").write_text(
        HEADER
        + "i1-stu-1,i1,sch-1,2026-10-02,stu-1,Fighting,\"Pushing, at lunch\",Cafeteria\n"
        + "i1-stu-2,i1,sch-1,2026-10-02,stu-2,Fighting,\"Pushing, at lunch\",Cafeteria\n"
        + "i2-stu-1,i2,sch-1,2026-10-20,stu-1,,,\n",
        encoding="utf-8",
    )
    ds = read_path(data)
    assert [(i.sourced_id, i.date, i.school_id, i.description, i.location)
            for i in ds.discipline_incidents] == [
        ("i1", dt.date(2026, 10, 2), "sch-1", "Pushing, at lunch", "Cafeteria"),
        ("i2", dt.date(2026, 10, 20), "sch-1", None, None),
    ]
    assert [(p.incident_id, p.student_id, p.behavior) for p in ds.student_incidents] == [
        ("i1", "stu-1", "Fighting"), ("i1", "stu-2", "Fighting"), ("i2", "stu-1", None),
    ]


def test_rows_of_one_incident_must_agree_on_its_date(data: Path) -> None:
    (data / "incidents.csv").write_text(
        HEADER
        + "i1-stu-1,i1,sch-1,2026-10-02,stu-1,Fighting,,\n"
        + "i1-stu-2,i1,sch-1,2026-10-03,stu-2,Fighting,,\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        read_path(data)
    message = str(info.value)
    assert "incidents.csv:3" in message and "date" in message and "line 2" in message


def test_a_short_row_is_refused_and_a_missing_date_named(data: Path) -> None:
    (data / "incidents.csv").write_text(HEADER + "i1-stu-1,i1,sch-1,2026-10-02,stu-1\n",
                                        encoding="utf-8")
    with pytest.raises(SourceError) as info:
        read_path(data)
    assert "incidents.csv:2" in str(info.value)
    (data / "incidents.csv").write_text(HEADER + "i1-stu-1,i1,sch-1,,stu-1,,,\n",
                                        encoding="utf-8")
    with pytest.raises(SourceError) as info:
        read_path(data)
    assert "incidents.csv:2" in str(info.value) and "date" in str(info.value)


def test_an_unknown_student_is_refused_naming_the_line(data: Path, tmp_path: Path) -> None:
    from caseload.store.engine import open_store

    (data / "incidents.csv").write_text(
        HEADER + "i1-stu-9,i1,sch-1,2026-10-02,stu-nobody,Fighting,,\n", encoding="utf-8"
    )
    engine = open_store(f"sqlite:///{tmp_path / 'cache.db'}")
    try:
        with pytest.raises(SourceError) as info:
            load(engine, read_path(data))
        assert "incidents.csv:2" in str(info.value)
        assert "stu-nobody" in str(info.value)
        with engine.connect() as conn:  # nothing was written
            assert conn.execute(select(METADATA.tables["users"])).first() is None
    finally:
        engine.dispose()


def test_a_tobedeleted_row_is_refused_not_a_crash(data: Path) -> None:
    """caseload keeps a student's part in an incident by (incident, student), not by the row's
    sourcedId, so a ``tobedeleted`` row says nothing it can delete: refused with its line and
    field (a reject with --skip-invalid), never an AttributeError when the load applies it."""
    (data / "incidents.csv").write_text(
        "sourcedId,status,incidentSourcedId,schoolSourcedId,date,studentSourcedId\n"
        "i1-stu-1,active,i1,sch-1,2026-10-02,stu-1\n"
        "i1-stu-2,tobedeleted,i1,sch-1,2026-10-02,stu-2\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        read_path(data)
    assert str(info.value).startswith("incidents.csv:3: field 'status': 'tobedeleted' in")
    ds = read_path(data, skip_invalid=True)
    assert [(r.file, r.line, r.field) for r in ds.rejects] == [("incidents.csv", 3, "status")]
    assert [(p.incident_id, p.student_id) for p in ds.student_incidents] == [("i1", "stu-1")]
    assert not ds.deletions
