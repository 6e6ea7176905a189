"""Every output of a grade, rate or percentage rounds half up (domain/rounding.py, audit s21a
D3): a tie such as 46.25 or 85.35 (stored as 85.3499...) is shown 46.3 and 85.4 in the flags
table, the CSV exports, the triage Markdown, the PDF, `notes effects` and the change lines."""

from __future__ import annotations

import datetime as dt

from caseload.domain.changes import GradeDrop
from caseload.domain.effects import NoteEffect
from caseload.domain.notes import ContactMethod, NoteType
from caseload.export import flags_output, notes_pdf, triage


def test_exports_round_ties_half_up() -> None:
    assert flags_output._fmt(46.25) == "46.3"
    assert flags_output._fmt(85.35, "%") == "85.4%"
    assert triage._pct(85.35) == "85.4%"
    assert triage._num(46.25, 1) == 46.3
    assert triage._num(7) == 7
    assert notes_pdf._fmt_pct(92.45) == "92.5%"


def test_domain_outputs_round_ties_half_up() -> None:
    e = NoteEffect(1, dt.date(2026, 11, 3), NoteType.PARENT_CONTACT, ContactMethod.PHONE,
                   attendance_before=77.5, attendance_after=85.35, days_before=8, days_after=15)
    assert e.to_json()["attendance_before"] == 77.5
    assert e.to_json()["attendance_after"] == 85.4
    # whole percents: 77.5 -> 78
    assert e.text() == "since the 11/3 parent call: 78% to 85% attendance (8 and 15 days)"
    assert GradeDrop("c", "Algebra I", 46.25, 12.25).to_json() == {
        "class": "c", "from": 46.3, "to": 12.3}
