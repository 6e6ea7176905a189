"""The loader deletes a row of a table kept by a key of several ids (``student_incidents``: a
student's part in an incident, the incident's and the student's ids) when a deletion names it
by that key (``Deletion.by_key``: the ids as a JSON array in the place of a sourced id).

On both backends: a SQLite file's load is staged and applied apart (``store/staging.py``,
``json_extract``), a PostgreSQL load is one transaction (``loader._apply_deletions``); the
check (``import --check``) counts the deletions less those naming rows the cache does not hold,
and a deletion naming an Ed-Fi student the cache holds under another source's id (linked by
the state id) deletes that student's row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from caseload.domain.records import Deletion, DisciplineIncident, Role, StudentIncident, User
from caseload.sources.dataset import Dataset
from caseload.sources.loader import check, load
from caseload.store.tables import METADATA

ODD = "s'\"/1, ]"  # quotes, a slash, a comma and a bracket: JSON keeps them apart


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    table = METADATA.tables["student_incidents"]
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def _cache(engine: Engine, *students: User, parts: tuple[StudentIncident, ...]) -> None:
    ds = Dataset(kind="edfi-api", source="d")
    ds.users += students
    ds.discipline_incidents.append(DisciplineIncident("i:1", dt.date(2021, 10, 1)))
    ds.student_incidents += parts
    load(engine, ds)


def test_a_deletion_by_key_removes_that_row_only(engine: Engine) -> None:
    _cache(engine, User("s1", Role.STUDENT, "A", "B"), User(ODD, Role.STUDENT, "C", "D"),
           parts=(StudentIncident("i:1", "s1", "Other"), StudentIncident("i:1", ODD)))
    gone = Dataset(kind="edfi-api", source="d")
    gone.deletions += [Deletion.by_key("student_incidents", "i:1", ODD),
                       Deletion.by_key("student_incidents", "i:1", "nobody")]
    assert gone.deletions[0].key == ("i:1", ODD)
    assert check(engine, gone).deleted == {"student_incidents": 1}
    report = load(engine, gone)
    assert report.deleted == {"student_incidents": 1}
    assert ("student_incidents: 1 deletion names a record the cache does not hold (nothing to "
            "delete)") in report.notices
    assert rows(engine) == [("i:1", "s1", "Other", None)]


def test_a_deletion_by_key_follows_a_linked_student(engine: Engine) -> None:
    roster = Dataset(kind="oneroster-csv", source="roster")
    roster.users.append(User("stu-3", Role.STUDENT, "Ana", "Ruiz", state_id="S1003"))
    load(engine, roster)
    # the Ed-Fi student S1003 is the roster's stu-3 (its state id): the part is stu-3's
    _cache(engine, User("S1003", Role.STUDENT, "Ana", "Ruiz"),
           parts=(StudentIncident("i:1", "S1003", "Other"),))
    assert rows(engine) == [("i:1", "stu-3", "Other", None)]
    gone = Dataset(kind="edfi-api", source="d")
    gone.deletions.append(Deletion.by_key("student_incidents", "i:1", "S1003"))
    assert load(engine, gone).deleted == {"student_incidents": 1}
    assert rows(engine) == []
