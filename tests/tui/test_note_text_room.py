"""The Notes tab at 80x24 shows the highlighted note's text (usability review s22, item 12).

At 80 columns the list leaves out the Note column, so the pane below the list is the only
place the text is; README promises "the highlighted note is shown whole below the list". The
list took up to 60% of the tab and the pane a blank top line, which left the pane the note's
header alone for a student with a full flags box (Schmidt, the review's case: five notes, one
of them with a wrapped contact): the text was below the fold. The pane now keeps at least
four lines under its rule (the header and the text's first lines); a long text scrolls there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.notes import NotesPane

from .conftest import screen_lines, settle, wait_until
from .test_notes_tui import AS_OF, COUNSELOR, NOW, STUDENT

D = dt.date
NOTES = (  # oldest first, as the demo has them for Schmidt, Sam
    (D(2026, 10, 27), "attendance_intervention", "phone", "left_message", "Called home."),
    (D(2026, 10, 29), "parent_contact", "phone", "reached", "Spoke with a parent."),
    (D(2026, 11, 3), "student_meeting", "in_person", "reached", "Met with the student."),
    (D(2026, 11, 10), "teacher_consult", "email", "reached", "Asked teachers for work."),
    (D(2026, 11, 16), "referral", "in_person", "meeting_set",
     "Referred to the attendance team.\nMeeting set for next week.\nMother will attend."),
)


async def test_the_highlighted_notes_text_shows_at_80x24(engine: Engine) -> None:
    store = NotesStore(engine, clock=lambda: NOW)
    for day, kind, method, outcome, text in NOTES:
        store.add(student_id=STUDENT, author_id=COUNSELOR, type=kind, text=text,
                  contact_date=day, method=method, outcome=outcome,
                  follow_up=day + dt.timedelta(days=13))
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, notes=store, me=COUNSELOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(STUDENT)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        await pilot.press("4")
        await wait_until(pilot, lambda: app.screen.query_one(NotesPane).loaded, what="notes")
        await settle(pilot)
        lines = [line.strip() for line in screen_lines(app)]
        assert "In person ·" in "\n".join(lines)  # the wrapped contact: the list's tallest case
        # the newest note, highlighted: the header and the text's first two lines
        assert any(line.startswith("Referred to the attendance team.") for line in lines)
        assert any(line.startswith("Meeting set for next week.") for line in lines)
