"""Found on the twentieth session's walk at 80x24, each a test that failed before its fix.

- The Notes tab put a note's type and contact before its status and follow-up date: a
  confidential parent contact made by home visit pushed "Status" off the screen and cut the
  follow-up date to "2026-11" (which reads as a month).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from caseload.domain.notes import NoteType
from caseload.store.notes import NotesStore
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import AS_OF, COUNSELOR, NO_INCIDENTS, NOW, make_app


async def test_notes_tab_keeps_status_and_follow_up_in_view_at_80_columns(
    engine: Engine,
) -> None:
    store = NotesStore(engine, clock=lambda: NOW)
    store.add(student_id=NO_INCIDENTS, author_id=COUNSELOR, type=NoteType.PARENT_CONTACT,
              text="Called about attendance and the missing work.", contact_date=AS_OF,
              method="home_visit", outcome="wrong_number", follow_up=dt.date(2026, 11, 27),
              flags=("LOW_GRADE", "UNEXCUSED_ABSENCES"), confidential=True)
    app = make_app(engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        lines = screen_lines(app)
        header = next(line for line in lines if "Date" in line and "Follow-up" in line)
        assert "Status" in header
        row = lines[lines.index(header) + 1]
        assert "2026-11-20" in row and "open" in row and "2026-11-27" in row, row


def _enabled(app: object, binding_id: str) -> bool | None:
    """Whether the screen's active binding ``binding_id`` is enabled (None: not active)."""
    for active in app.screen.active_bindings.values():  # type: ignore[attr-defined]
        if active.binding.id == binding_id:
            return bool(active.enabled)
    return None


async def test_notes_tab_without_notes_disables_the_keys_for_a_note(engine: Engine) -> None:
    store = NotesStore(engine, clock=lambda: NOW)
    app = make_app(engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        screen = app.screen
        await pilot.press("4")
        await wait_until(pilot, lambda: "No notes yet" in "\n".join(screen_lines(app)),
                         what="the empty notes list")
        for key in ("notes.edit", "notes.done", "notes.delete"):
            assert _enabled(app, key) is False, key
        await pilot.press("d")
        await settle(pilot)
        assert app.screen is screen  # nothing to mark done: no question asked
        store.add(student_id=NO_INCIDENTS, author_id=COUNSELOR, type=NoteType.STUDENT_MEETING,
                  text="Met.", contact_date=AS_OF)
        await pilot.press("r")  # the student screen reads again
        await wait_until(pilot, lambda: _enabled(app, "notes.edit") is True,
                         what="the keys enabled once there is a note")
        assert _enabled(app, "notes.done") and _enabled(app, "notes.delete")
