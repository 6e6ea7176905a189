"""The caseload's sort "change since the last intervention" (issue 14 §3): the latest
intervention note's ``attendance_after - attendance_before`` of ``caseload notes effects``,
in points (``domain.effects.change_since_last``, ``services.effects.intervention_changes``),
against hand-computed cases on tests/issue14_school.py (school days 8/31-9/4, 9/8-9/11 after
the 9/7 holiday, ..., 10/5-10/9, 10/13-10/16 after the 10/12 holiday)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from caseload.cli import main
from caseload.domain.effects import TooEarly, change_since_last
from caseload.domain.notes import Note, NoteStatus, NoteType
from caseload.domain.report import DayStatus
from tests.issue14_school import write_school

D = dt.date


def add(capsys: pytest.CaptureFixture[str], db: str, student: str, kind: str, date: str) -> int:
    capsys.readouterr()
    assert main(["--db", db, "notes", "add", "--student", student, "--type", kind, "--text",
                 "x", "--date", date, "--author", "cns-1", "--format", "json"]) == 0
    return int(json.loads(capsys.readouterr().out)["id"])


@pytest.fixture
def db(tmp_path: Path, new_cache) -> str:
    school = write_school(tmp_path / "school")
    path = str(new_cache)
    assert main(["--db", path, "import", str(school)]) == 0
    return path


def test_change_since_the_last_intervention_by_hand(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from caseload.services.context import open_workspace
    from caseload.services.effects import intervention_changes

    # stu-1: the latest intervention is the 10/15 referral (the 10/16 note is `other`).
    add(capsys, db, "stu-1", "parent_contact", "2026-10-12")
    add(capsys, db, "stu-1", "referral", "2026-10-15")
    add(capsys, db, "stu-1", "other", "2026-10-16")
    # stu-2: the 9/4 teacher consultation; the 10/20 referral is after the as-of date.
    add(capsys, db, "stu-2", "student_meeting", "2026-09-02")
    add(capsys, db, "stu-2", "teacher_consult", "2026-09-04")
    add(capsys, db, "stu-2", "referral", "2026-10-20")
    # stu-3: enrolled from 10/14, so no enrolled day before the 10/14 note: a null rate.
    add(capsys, db, "stu-3", "attendance_intervention", "2026-10-14")
    ws = open_workspace(db)
    got = intervention_changes(ws, ["stu-1", "stu-2", "stu-3", "nobody"], D(2026, 10, 16),
                               days=5)
    assert got == {
        # before 10/7, 10/8, 10/9 (absent), 10/13 (absent), 10/14 (absent): 40%; after 10/15
        # (a period-built full day) and 10/16, both absent: 0%, over 2 school days, fewer
        # than MIN_DAYS_AFTER (5): too early to tell, no -40 points
        "stu-1": TooEarly(2),
        # before: 8/31, 9/1, 9/2 (absent), 9/3 (absent): 2 of 4, 50%; after: 9/4, 9/8 (9/7 is
        # a holiday), 9/9, 9/10, 9/11, all present: 100%. +50 points
        "stu-2": pytest.approx(50.0),
        # no rate before the note (never invented), and 3 school days after it: too early
        "stu-3": TooEarly(3),
        "nobody": None,
    }
    # the default window (15 days), as `notes effects` has it
    got = intervention_changes(ws, ["stu-2"], D(2026, 9, 25))
    # 9/4's note: before 8/31-9/3 (2 of 4 present: 50%); after: 15 school days from 9/4
    # (9/4, 9/8-9/11, 9/14-9/18, 9/21-9/25), all present (a tardy is no absence): 100%
    assert got == {"stu-2": pytest.approx(50.0)}
    assert intervention_changes(ws, [], D(2026, 10, 16)) == {}


def _note(note_id: int, day: dt.date, kind: NoteType, deleted: bool = False) -> Note:
    stamp = dt.datetime(2026, 10, 16, tzinfo=dt.UTC)
    return Note(note_id, "s", "cns-1", day, kind, (), None, "x", None, NoteStatus.OPEN, stamp,
                stamp, deleted=deleted)


def test_change_since_last_pure() -> None:
    P, A, H = DayStatus.PRESENT, DayStatus.UNEXCUSED, DayStatus.NO_SCHOOL
    calendar = [(D(2026, 10, d), s) for d, s in
                [(5, P), (6, P), (7, A), (8, P), (9, A), (12, H), (13, P), (14, P), (15, A),
                 (16, P)]]
    notes = [_note(1, D(2026, 10, 7), NoteType.REFERRAL),
             _note(2, D(2026, 10, 12), NoteType.PARENT_CONTACT),  # the latest (a holiday)
             _note(3, D(2026, 10, 13), NoteType.OTHER),
             _note(4, D(2026, 10, 14), NoteType.REFERRAL, deleted=True)]
    # before 10/12 (3 days): 10/7 (A), 10/8, 10/9 (A): 1 of 3; after from 10/13: 10/13, 10/14,
    # 10/15 (A): 2 of 3. 66.67 - 33.33 = +33.33 points
    got = change_since_last(notes, calendar, D(2026, 10, 16), days=3)
    assert got == pytest.approx(100 / 3)
    assert change_since_last(notes[2:], calendar, D(2026, 10, 16)) is None  # no intervention
    assert change_since_last(notes, [], D(2026, 10, 16)) is None  # no attendance: no rate
    # as of 10/8 (the calendar ends there): the 10/7 referral is the latest; before: 10/5,
    # 10/6, present (100%); after: 10/7 (A), 10/8: 50%, 2 days of a 3-day window: too early
    assert change_since_last(notes, calendar[:4], D(2026, 10, 8), days=3) == TooEarly(2)
    # a 2-day window (shorter than MIN_DAYS_AFTER) needs only its 2 days: measured
    assert change_since_last(notes, calendar[:4], D(2026, 10, 8), days=2) == pytest.approx(
        50.0 - 100.0)


async def test_the_app_sorts_cns1s_caseload_by_it_through_the_service(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end: the CLI's wiring (the service bound to the workspace) under the caseload
    screen, on the hand-built school as of 10/16 with the default 15 days."""
    from functools import partial

    from caseload.services.context import open_workspace
    from caseload.services.effects import intervention_changes
    from caseload.store.repository import Repository
    from caseload.tui.app import CaseloadApp
    from tests.tui.conftest import screen_text, settle, wait_until

    add(capsys, db, "stu-1", "referral", "2026-10-15")
    add(capsys, db, "stu-2", "teacher_consult", "2026-09-04")
    ws = open_workspace(db)
    app = CaseloadApp(Repository(ws.engine, thresholds=ws.config.thresholds),
                      counselor_id="cns-1", as_of=D(2026, 10, 16),
                      intervention_changes=partial(intervention_changes, ws))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.home
        assert sorted(r.id for r in home.view) == ["stu-1", "stu-2"]
        await pilot.press("s", "i")
        await wait_until(pilot, lambda: home.figures is not None, what="the figures")
        await settle(pilot)
        # stu-1: before the 10/15 referral, 9/23-10/14 (15 days), absent 10/9, 10/13, 10/14:
        # 80%; after: 10/15 (period-built), 10/16, both absent: 0%, but over 2 school days:
        # too early to tell (no -80 points, never ranked as the biggest drop)
        # stu-2: 50% (8/31-9/3) to 100% (15 days from 9/4): +50 points
        assert home.figures == {"stu-1": TooEarly(2), "stu-2": pytest.approx(50.0)}
        assert [r.id for r in home.view] == ["stu-2", "stu-1"]
        assert home.selected_student_id == "stu-1"  # the cursor kept its student
        status = next(line for line in screen_text(app).splitlines() if "sorted by" in line)
        assert status.rstrip().endswith("· too early")  # (its days when the width allows)
        await pilot.press("up")
        await wait_until(pilot, lambda: "+50.0 pts" in screen_text(app), what="stu-2's")
        await pilot.press("S")  # reversed: the measured change still comes first
        await settle(pilot)
        assert [r.id for r in home.view] == ["stu-2", "stu-1"]
