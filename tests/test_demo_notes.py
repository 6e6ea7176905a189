"""The demo's notes (issue 14 §5): the sample school's demo database gets contact and
intervention notes with follow-ups, written by each student's own counselor, so every notes
screen, the follow-ups and "did it work" show data in `make demo`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from caseload.config import Config
from caseload.services.context import Workspace
from caseload.services.demo import seed_demo_notes
from caseload.services.flags import flag_reports
from caseload.services.notes import NoteScope, list_notes
from caseload.store.engine import make_engine

AS_OF = dt.date(2026, 11, 20)


def test_demo_notes_are_by_each_students_counselor_with_due_and_coming_follow_ups(
    sample_cache: Path,
) -> None:
    engine = make_engine(f"sqlite:///{sample_cache}")
    try:
        written = seed_demo_notes(engine, AS_OF)
        ws = Workspace(engine=engine, config=Config())
        notes = list_notes(ws, NoteScope()).notes
        assert len(notes) == written > 0
        counselor_of = {r.id: r.counselor_ids for r in
                        flag_reports(ws, as_of=AS_OF, counselor="all").reports}
        assert all(n.author_id in counselor_of[n.student_id] for n in notes)
        assert all(n.contact_date < AS_OF for n in notes)
        follow_ups = [n.follow_up for n in notes if n.follow_up is not None]
        assert any(f < AS_OF for f in follow_ups) and any(f > AS_OF for f in follow_ups)
        assert {n.type.value for n in notes} >= {"parent_contact", "student_meeting", "referral"}
        assert all(n.method is not None and n.outcome is not None for n in notes)
    finally:
        engine.dispose()
