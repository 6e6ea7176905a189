"""Attendance coverage read school by school (store/attendance_coverage.py: ``Coverage``) gives every
student the same ``attendance_through`` as the whole district's map: a school with
attendance, one without any (unknown, never "present"), and students whose school is unknown,
with and without events of their own. On both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select, update

from caseload.store import inputs as source
from caseload.store.attendance_coverage import as_date
from caseload.store.tables import METADATA

T = METADATA.tables


def _add_people(engine: Engine) -> dict[str, str | None]:
    """A second school with two students and no attendance, and two students of no known
    school (one with an attendance event of their own); returns their schools by id."""
    added: dict[str, str | None] = {
        "cov-a": "cov-school", "cov-b": "cov-school", "cov-c": None, "cov-d": None,
    }
    with engine.begin() as conn:
        conn.execute(insert(T["orgs"]), {"sourced_id": "cov-school", "name": "No Roll High"})
        conn.execute(insert(T["users"]), [
            {"sourced_id": sid, "role": "student", "given_name": "Cov", "family_name": sid,
             "school_id": school}
            for sid, school in added.items()
        ])
        conn.execute(insert(T["attendance_events"]), {
            "sourced_id": "cov-ev", "student_id": "cov-d", "date": dt.date(2026, 9, 9),
            "category": "unexcused_absence",
        })
    return added


def test_school_by_school_coverage_equals_the_whole_districts(sample_engine: Engine) -> None:
    added = _add_people(sample_engine)
    students = T["users"]
    with sample_engine.connect() as conn:
        whole = source.attendance_coverage(conn)
        assert whole["cov-school"] is None  # no attendance loaded for it: unknown
        assert any(d is not None for s, d in whole.items() if s not in (None, "cov-school"))
        ids = sorted(conn.execute(
            select(students.c.sourced_id).where(students.c.role == "student")
        ).scalars())
        events = set(conn.execute(select(T["attendance_events"].c.student_id)).scalars())
        schools = dict(conn.execute(
            select(students.c.sourced_id, students.c.school_id)
        ).all())
        expected = {
            sid: source.attendance_through(whole, schools[sid], sid in events) for sid in ids
        }
        # one student at a time (a drill-down: only their school is read), then all at once
        def reader() -> source.InputReader:  # what attendance_through needs, no gradebook
            return source.InputReader(conn, with_gradebook=False, with_notes=False)

        one_by_one = {
            sid: reader().read([sid])[0].attendance_through for sid in ids[:12] + sorted(added)
        }
        together = {i.student.sourced_id: i.attendance_through for i in reader().read(ids)}
        coverage = source.Coverage(conn)
        assert coverage.through("cov-school", False) is None
        assert coverage.whole is None  # a school with students is read on its own
    assert one_by_one == {sid: expected[sid] for sid in one_by_one}
    assert together == expected
    assert expected["cov-a"] is None and expected["cov-b"] is None
    # unknown school: their own events, else unknown while some school has no attendance
    assert expected["cov-d"] is not None and expected["cov-c"] is None


def test_migration_0015_indexes_users_by_school_both_ways(db_url: str) -> None:
    """Migration 0015 makes ``ix_users_school_role`` as declared (store/tables.py) on SQLite,
    where its downgrade takes it away again; PostgreSQL has it from 0012 (access.py) and keeps
    it. On both backends, from an empty database."""
    from caseload.store.engine import current_revision, make_engine, migrate
    from caseload.store.schema_version import HEAD
    from tests.migrations import declared_diffs, downgrade, index_names

    engine = make_engine(db_url)
    try:
        migrate(engine)
        assert current_revision(engine) == HEAD
        assert declared_diffs(engine, "users") == []
        assert "ix_users_school_role" in index_names(engine, "users")
        downgrade(engine, "0014")
        kept = "ix_users_school_role" in index_names(engine, "users")
        assert kept == (engine.dialect.name == "postgresql")
        migrate(engine)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def _moved_one_by_one(conn) -> set[str]:  # type: ignore[no-untyped-def]
    """What ``facts_pending.coverage_moved`` answers, worked out student by student in Python."""
    whole = source.attendance_coverage(conn)
    ms, users = T["mat_student"], T["users"]
    events = set(conn.execute(select(T["attendance_events"].c.student_id)).scalars())
    return {
        sid
        for sid, school, through in conn.execute(
            select(users.c.sourced_id, users.c.school_id, ms.c.attendance_through)
            .join(ms, ms.c.student_id == users.c.sourced_id)
        )
        if as_date(through) != source.attendance_through(whole, school, sid in events)
    }


def test_coverage_moved_finds_exactly_the_students_whose_day_is_stale(
    sample_engine: Engine,
) -> None:
    """With the facts fresh nothing has moved; then stored days made wrong in every way (a
    later day, an earlier one, NULL where the school has attendance, a day where it has
    none, students of no known school) are each found, and only they, as the student by
    student comparison finds them."""
    from sqlalchemy import literal

    ms = T["mat_student"]
    with sample_engine.begin() as conn:  # the sample template's facts are fresh
        assert mat_coverage_moved(conn) == _moved_one_by_one(conn) == set()
    added = _add_people(sample_engine)
    with sample_engine.begin() as conn:
        placed = sorted(conn.execute(select(ms.c.student_id)).scalars())
        for sid in added:  # stored facts for them: a copy of another student's row
            conn.execute(insert(ms).from_select(
                [c.name for c in ms.columns],
                select(*(literal(sid).label(c.name) if c.name == "student_id" else c
                         for c in ms.columns)).where(ms.c.student_id == placed[0]),
            ))
        wrong = {
            placed[0]: dt.date(2027, 1, 4),
            placed[1]: dt.date(2026, 9, 1),
            placed[2]: None,
            "cov-a": dt.date(2026, 10, 1),  # its school has no attendance: stays unknown
            "cov-c": dt.date(2026, 10, 1),  # no school, no events: unknown
            "cov-d": None,  # no school, its own event: known
        }
        right = {"cov-b": None}  # its school has no attendance: unknown, as stored
        for sid, day in {**wrong, **right}.items():
            conn.execute(update(ms).where(ms.c.student_id == sid).values(attendance_through=day))
        assert mat_coverage_moved(conn) == _moved_one_by_one(conn) == set(wrong)


def mat_coverage_moved(conn) -> set[str]:  # type: ignore[no-untyped-def]
    from caseload.store.facts_pending import coverage_moved

    return coverage_moved(conn)


@pytest.mark.parametrize(("counts", "may"), [
    ('{"results": 10}', False),
    ('{"results": 5, "line_items": 2, "rejected": 1, "not_enrolled": 3}', False),
    ('{"results": 5, "attendance_events": 1}', True),
    ('{"users": 2}', True),
    ('{"results": 1, "deleted": 4}', True),
    ('{"results": 1, "linked": 1}', True),  # a linked student's record can fill a school
    ('{"results": 1, "something new": 1}', True),  # a count it does not know
    ('{"results": 1, "attendance_events": 0}', False),
    ('not json', True),
    ('[1]', True),
])
def test_coverage_may_have_moved_reads_the_runs_since_the_facts(
    sqlite_engine: Engine, counts: str, may: bool
) -> None:
    """Only the ok runs after the facts' run, up to the one asked about, count; a count of
    what the attendance coverage is computed from (or one not known) says it may have moved."""
    from caseload.store.facts_pending import coverage_may_have_moved

    runs, state = T["import_runs"], T["mat_state"]
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with sqlite_engine.begin() as conn:
        for run_id, outcome, written in ((1, "ok", '{"users": 9}'), (2, "ok", counts),
                                         (3, "failed", '{"users": 9}'),
                                         (4, "ok", '{"attendance_events": 9}')):
            conn.execute(insert(runs).values(
                id=run_id, source="t", kind="oneroster-csv", started_at=now, finished_at=now,
                outcome=outcome, counts=written))
        conn.execute(insert(state).values(id=1, run_id=1, settings="s", computed_at=now))
        assert coverage_may_have_moved(conn, 3) is may  # run 1 is the facts', 4 comes later
        assert coverage_may_have_moved(conn, 4)
        assert not coverage_may_have_moved(conn, 1)
        conn.execute(update(state).values(run_id=None))
        assert coverage_may_have_moved(conn, 3)  # facts of no known run
