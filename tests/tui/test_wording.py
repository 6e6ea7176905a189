"""Words a counselor reads as they are meant (usability review s22, item 19): a truancy limit
passed says so ("more than 8" is the rule), two missing assignments are "both", and an
overdue follow-up is "late", not a count of days to go."""

from __future__ import annotations

import collections
import datetime as dt
import types
from typing import Any

import pytest
from sqlalchemy import Engine

from caseload.domain.report import (
    AssignmentStatus,
    AssignmentView,
    AttendanceSummary,
    ClassDetail,
    WhatIf,
)
from caseload.store.notes import NotesStore
from caseload.tui.screens import student as student_screen
from caseload.tui.screens.follow_ups import FollowUpsScreen
from caseload.tui.screens.klass import what_if_text

from .conftest import screen_text, settle, wait_until
from .test_notes_tui import AS_OF, COUNSELOR, make_notes_app, notes_engine, store

__all__ = ["notes_engine", "store"]  # the fixtures, imported for pytest

STYLES: Any = collections.defaultdict(str)


def test_a_truancy_limit_passed_says_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(student_screen, "semantic_styles", lambda app: STYLES)
    summary = AttendanceSummary(
        days=(), current_streak=0, longest_streak=0, unexcused_by_month=(),
        attendance_rate=90.0,
        truancy=(("grading period", 8, 9, 0), ("term", 15, 15, 0), ("school year", 20, 9, 11)))
    screen: Any = types.SimpleNamespace(app=None)
    text = student_screen.StudentScreen.attendance_text(screen, summary).plain
    assert "grading period: 9 unexcused, past the limit of 8" in text
    assert "9 of 8" not in text
    assert "term: 15 of 15 used, limit reached" in text  # at the limit: not passed yet
    assert "school year: 9 of 20 used, 11 days left" in text


def _detail(missing: int, fewest: tuple[str, ...] | None) -> ClassDetail:
    assignments = tuple(
        AssignmentView(f"li{i}", dt.date(2026, 11, i + 1), None, f"Quiz {i}", None, 10.0, None,
                       (AssignmentStatus.MISSING,)) for i in range(missing))
    return ClassDetail(
        class_id="alg", title="Algebra I", teacher="Smith, John", period="1",
        policy_text="points", grade=65.0, weekly=(), categories=(), assignments=assignments,
        what_if=WhatIf(grade_now=65.0 if fewest != () else 84.0, grade_if_all_missing_in=84.5,
                       fewest_to_70=fewest),
    )


def test_two_missing_assignments_are_both() -> None:
    text = what_if_text(_detail(2, ()), STYLES).plain
    assert "Turning in both missing: 84.5%." in text and "all 2" not in text
    assert "Turning in all 3 missing" in what_if_text(_detail(3, ()), STYLES).plain
    assert "the missing assignment" in what_if_text(_detail(1, ()), STYLES).plain
    text = what_if_text(_detail(2, ("li0",)), STYLES).plain
    assert "Both missing in: 84.5%." in text and "All 2" not in text


async def test_an_overdue_follow_up_is_late(notes_engine: Engine, store: NotesStore) -> None:
    """As of 11/20, a follow-up due 11/17 reads "3 days late" beside "due today" (11/20)."""
    from caseload.store.repository import Repository

    students = [r.id for r in Repository(notes_engine).caseload(COUNSELOR, AS_OF)][:2]
    store.add(student_id=students[0], author_id=COUNSELOR, type="referral", text="late one",
              contact_date=dt.date(2026, 11, 10), follow_up=dt.date(2026, 11, 17))
    store.add(student_id=students[1], author_id=COUNSELOR, type="referral", text="today one",
              contact_date=dt.date(2026, 11, 10), follow_up=AS_OF)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowUpsScreen)
                         and len(app.screen.notes) == 2, what="the follow-ups")
        await settle(pilot)
        rows = [line for line in screen_text(app).splitlines() if "one" in line]
        assert "3 days late" in rows[0] and "late one" in rows[0]
        assert "due today" in rows[1]
