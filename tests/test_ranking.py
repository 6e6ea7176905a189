"""The persisted caseload ranking (store/ranking.py) on both backends: stored rows are exactly
the rows computed from the reports, in triage order; notes move students without a
re-rank; a new import or a changed threshold makes the stored rows stale."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from caseload.domain.report import CaseloadRow, triage
from caseload.domain.settings import Thresholds
from caseload.store import facts as mat
from caseload.store import ranking
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture
def repo(sample_engine) -> Repository:
    """The sample school, imported and its facts materialized (a copy of the session template)."""
    return Repository(sample_engine)


def computed(repo: Repository, counselor: str | None, as_of: dt.date = AS_OF) -> list[CaseloadRow]:
    return [CaseloadRow.from_report(r) for r in repo.caseload(counselor, as_of)]


def stored_dates(repo: Repository) -> list[tuple[dt.date, str]]:
    with repo.engine.connect() as conn:
        return sorted(conn.execute(select(ranking.rank_state.c.as_of, ranking.rank_state.c.scope))
                      )


def rank_count(repo: Repository, as_of: dt.date = AS_OF) -> int:
    with repo.engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(ranking.rank).where(ranking.rank.c.as_of == as_of)
        ).scalar_one()


def test_stored_rows_equal_the_computed_rows_in_triage_order(repo):
    counselor = repo.default_counselor()
    assert counselor is not None
    want_all, want_mine = computed(repo, None), computed(repo, counselor)
    assert repo.caseload_rows(None, AS_OF) == want_all  # computed, then stored
    assert stored_dates(repo) == [(AS_OF, ranking.ALL)]
    assert rank_count(repo) == len(want_all)
    with repo.engine.connect() as conn:
        assert ranking.is_stored(conn, AS_OF, None, mat.fresh_stamp(conn, repo.thresholds),
                                 repo.thresholds)
        assert ranking.read(conn, AS_OF, None) == want_all
        assert ranking.read(conn, AS_OF, counselor) == want_mine  # the counselor's subset
    assert repo.caseload_rows(counselor, AS_OF) == want_mine
    assert triage(want_all) == want_all
    assert any(r.flags for r in want_all) and any(r.days_since_note is None for r in want_all)


def test_a_counselors_ranking_is_stored_for_that_scope_only(repo):
    counselor = repo.default_counselor()
    mine = repo.caseload_rows(counselor, AS_OF)
    assert stored_dates(repo) == [(AS_OF, counselor)]
    assert rank_count(repo) == len(mine)
    with repo.engine.connect() as conn:
        stamp = mat.fresh_stamp(conn, repo.thresholds)
        assert ranking.is_stored(conn, AS_OF, counselor, stamp, repo.thresholds)
        assert not ranking.is_stored(conn, AS_OF, None, stamp, repo.thresholds)
    everyone = repo.caseload_rows(None, AS_OF)
    assert everyone == computed(repo, None)
    assert stored_dates(repo) == [(AS_OF, ranking.ALL), (AS_OF, counselor)]
    assert rank_count(repo) == len(everyone)


def test_a_note_moves_the_student_without_a_rerank(repo):
    counselor = repo.default_counselor()
    before = repo.caseload_rows(counselor, AS_OF)
    first = before[0]
    NotesStore(repo.engine).add(student_id=first.id, author_id=counselor, type="student_meeting",
                                text="Talked about attendance", contact_date=AS_OF)
    after = repo.caseload_rows(counselor, AS_OF)
    assert stored_dates(repo) == [(AS_OF, counselor)]  # read from the stored rows
    moved = next(r for r in after if r.id == first.id)
    assert moved.days_since_note == 0
    assert after == computed(repo, counselor)
    assert after.index(moved) > 0 or all(r.risk < first.risk for r in after[1:])
    # a note dated after the as-of date does not count
    assert repo.caseload_rows(counselor, AS_OF - dt.timedelta(days=1)) == computed(
        repo, counselor, AS_OF - dt.timedelta(days=1))


def test_every_students_view_reads_each_note_once_and_no_deleted_one(repo):
    """The all-students view reads every note and looks each up by its student (not the
    list of every student): a note counts for its student only, a deleted one for none."""
    counselor = repo.default_counselor()
    first, second = computed(repo, counselor)[:2]
    notes = NotesStore(repo.engine)
    notes.add(student_id=first.id, author_id=counselor, type="student_meeting",
              text="Talked about attendance", contact_date=AS_OF - dt.timedelta(days=3))
    gone = notes.add(student_id=second.id, author_id=counselor, type="student_meeting",
                     text="Wrong student", contact_date=AS_OF)
    notes.delete(gone.id, updated_by=counselor)
    everyone = {r.id: r for r in computed(repo, None)}
    assert everyone[first.id].days_since_note == 3
    assert everyone[second.id].days_since_note is None
    assert sum(r.days_since_note is not None for r in everyone.values()) == 1
    mine = {r.id: r for r in computed(repo, counselor)}
    assert all(mine[sid] == everyone[sid] for sid in mine)


def test_new_facts_or_other_thresholds_make_the_stored_rows_stale(repo):
    counselor = repo.default_counselor()
    repo.caseload_rows(None, AS_OF)
    with repo.engine.connect() as conn:
        old_stamp = mat.fresh_stamp(conn, repo.thresholds)
    mat.refresh(repo.engine, repo.thresholds)  # what an import or sync does afterwards
    with repo.engine.connect() as conn:
        stamp = mat.fresh_stamp(conn, repo.thresholds)
        assert stamp != old_stamp
        assert not ranking.is_stored(conn, AS_OF, None, stamp, repo.thresholds)
    repo.caseload_rows(counselor, AS_OF)  # the stale date's rows are replaced
    assert stored_dates(repo) == [(AS_OF, counselor)]

    strict = Repository(repo.engine, thresholds=dataclasses.replace(
        Thresholds(), failing_grade=90.0))
    with repo.engine.connect() as conn:
        assert not ranking.is_stored(conn, AS_OF, counselor, stamp, strict.thresholds)
    rows = strict.caseload_rows(counselor, AS_OF)
    assert rows == [CaseloadRow.from_report(r) for r in strict.caseload(counselor, AS_OF)]
    assert rows != repo.caseload_rows(counselor, AS_OF)  # recomputed again for the default


def test_rows_stored_under_older_report_rules_are_stale(repo, monkeypatch):
    """A stored ranking records the report rules' version (``ranking.REPORT_RULES``): rows an
    older caseload computed are computed again, not served with the old figures."""
    repo.caseload_rows(None, AS_OF)
    with repo.engine.connect() as conn:
        stamp = mat.fresh_stamp(conn, repo.thresholds)
        assert ranking.is_stored(conn, AS_OF, None, stamp, repo.thresholds)
        monkeypatch.setattr(ranking, "REPORT_RULES", ranking.REPORT_RULES + 1)
        assert not ranking.is_stored(conn, AS_OF, None, stamp, repo.thresholds)


def test_only_the_latest_dates_are_kept(repo):
    counselor = repo.default_counselor()
    days = [AS_OF - dt.timedelta(days=i) for i in range(ranking.KEEP_DATES + 2)]
    for day in reversed(days):  # the oldest first
        repo.caseload_rows(counselor, day)
    kept = {d for d, _ in stored_dates(repo)}
    assert kept == set(days[: ranking.KEEP_DATES])


def test_dates_ranked_at_the_same_instant_keep_the_one_just_written_and_the_latest(
    repo, monkeypatch
):
    """A clock that does not move (every ranking at one instant): the date just ranked is
    kept, then the later dates, whatever order the database returns the ties in."""
    frozen = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(ranking, "_now", lambda: frozen)
    counselor = repo.default_counselor()
    days = [AS_OF - dt.timedelta(days=i) for i in range(ranking.KEEP_DATES + 2)]
    for day in days:  # the latest first
        repo.caseload_rows(counselor, day)
    kept = {d for d, _ in stored_dates(repo)}
    assert days[-1] in kept
    assert kept == {days[-1], *days[: ranking.KEEP_DATES - 1]}


def test_flag_text_round_trips(repo):
    rows = computed(repo, None)
    flagged = [r for r in rows if len(r.flags) > 2]
    assert flagged
    for row in flagged:
        assert ranking.parse_flags(ranking.flags_text(row.flags)) == row.flags
    assert ranking.parse_flags("") == ()
