"""The student screen's "did it work" line (issue 14 §3): "since the 11/3 parent call:
78% to 92% attendance (15 and 12 days)", the same figures as `caseload notes
effects` (tests/test_effects.py holds those to hand-computed cases); "too early to tell" when
the "after" side has fewer than MIN_DAYS_AFTER school days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from textual.widgets import Static

from caseload.domain.effects import effects_of
from caseload.domain.notes import ContactMethod
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.student import StudentScreen

from .conftest import settle, wait_until

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
COUNSELOR = "cns-3"
STUDENT = "stu-00316"


def _line(app: CaseloadApp) -> Static | None:
    screen = app.screen
    if not isinstance(screen, StudentScreen):
        return None
    found = screen.query("#student-effect")
    return found.first(Static) if found else None


async def test_the_latest_intervention_and_its_attendance(engine: Engine) -> None:
    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting", text="a",
              contact_date=dt.date(2026, 10, 1))
    call = store.add(student_id=STUDENT, author_id=COUNSELOR, type="parent_contact", text="b",
                     contact_date=dt.date(2026, 11, 3))  # 11/3: no school in the sample
    store.update(call.id, method=ContactMethod.PHONE)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="c",
              contact_date=dt.date(2026, 11, 10))  # not an intervention
    days = Repository(engine).student(STUDENT, AS_OF).attendance.days
    (_, effect) = effects_of(store.list(student_id=STUDENT), days, AS_OF)
    assert effect.days_before == 15 and effect.days_after > 0
    want = effect.text()
    assert want.startswith("since the 11/3 parent call: ") and " attendance (" in want
    assert want.endswith(f"attendance (15 and {effect.days_after} days)")

    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")

        def shown() -> bool:
            line = _line(app)
            return line is not None and line.display and str(line.render()) == want

        await wait_until(pilot, shown, what="the effect line")


async def test_a_note_in_the_summer_counts_from_the_first_school_day(engine: Engine) -> None:
    """8/20, before the sample year's first day (8/31): the line showed nothing known after
    it; now the first 15 school days from 8/31 (the audit's reference: 60%), none before."""
    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="teacher_consult", text="t",
              contact_date=dt.date(2026, 8, 20))
    att = Repository(engine).student(STUDENT, AS_OF).attendance
    (effect,) = effects_of(store.list(student_id=STUDENT), att.days, AS_OF,
                           year_from=att.year_from)
    assert (effect.days_before, effect.days_after) == (0, 15)
    want = "since the 8/20 teacher consultation: — to 60% attendance (0 and 15 days)"
    assert effect.text() == want
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")

        def shown() -> bool:
            line = _line(app)
            return line is not None and line.display and str(line.render()) == want

        await wait_until(pilot, shown, what="the effect line")


async def test_a_note_written_today_is_too_early_to_tell(engine: Engine) -> None:
    """Usability review s22, item 3: a meeting on the as-of date rests on that one day after
    it ("47% to 0% attendance" for a student absent that day): the line says it is too early
    to tell, and how many school days there are after it, instead of a change."""
    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting", text="a",
              contact_date=AS_OF)
    att = Repository(engine).student(STUDENT, AS_OF).attendance
    (effect,) = effects_of(store.list(student_id=STUDENT), att.days, AS_OF,
                           year_from=att.year_from)
    assert (effect.days_before, effect.days_after) == (15, 1)
    want = "since the 11/20 student meeting: too early to tell (1 school day after)"
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")

        def shown() -> bool:
            line = _line(app)
            return line is not None and line.display and str(line.render()) == want

        await wait_until(pilot, shown, what="the too-early line")


async def test_no_intervention_no_line(engine: Engine) -> None:
    store = NotesStore(engine, clock=lambda: NOW)
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await wait_until(pilot, lambda: _line(app) is not None, what="the student screen")
        await settle(pilot)
        line = _line(app)
        assert line is not None and not line.display


async def test_the_class_chart_marks_the_students_interventions(engine: Engine) -> None:
    from caseload.tui.screens.klass import ClassScreen
    from caseload.tui.widgets.grade_chart import GradeChart

    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="parent_contact", text="b",
              contact_date=dt.date(2026, 11, 3))
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="referral", text="r",
              contact_date=dt.date(2026, 11, 30))  # after the as-of date: no marker
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await wait_until(pilot, lambda: (line := _line(app)) is not None and line.display,
                         what="the student's notes")
        # the attendance calendar: a "notes" line under November, P in the 3rd's column
        from caseload.tui.widgets.calendar import AttendanceCalendar

        await pilot.press("2")
        await wait_until(pilot, lambda: bool(app.screen.query(AttendanceCalendar)),
                         what="the attendance tab")
        text = app.screen.query_one(AttendanceCalendar).build().plain.splitlines()
        row = next(i for i, line in enumerate(text) if line.startswith("Nov 2026"))
        assert text[row + 1].startswith("  notes") and text[row + 1][10 + 2 * 2] == "P"
        await pilot.press("1")
        await pilot.press("enter")  # the first class
        await wait_until(pilot, lambda: isinstance(app.screen, ClassScreen)
                         and bool(app.screen.query(GradeChart)), what="the class chart")
        chart = app.screen.query_one(GradeChart)
        assert chart.markers == ((dt.date(2026, 11, 3), "P"),)
