"""SVG snapshots of the notes screens on the sample school: the note editor, the Notes tab with
notes, a note's history, the follow-ups screen and the export dialog (sizes and themes by the
rule in conftest.py).

The as-of date is fixed (2026-11-20) and the clock frozen, for the App and the NotesStore, so
every date and timestamp is stable. Update with
``pytest tests/tui/test_notes_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from caseload.store.notes import NotesStore
from caseload.tui.app import CaseloadApp

from . import test_notes_tui as base
from .conftest import THEMES, Run, SharedSnapshots, screen_text, settle, variants, wait_until
from .test_notes_tui import AS_OF, COUNSELOR, NOW, STUDENT, make_notes_app

# the sample cache (a fresh copy per test) and the export dialog's fixed folder
notes_engine = base.notes_engine
export_dir = base.export_dir


def _app(pilot: Pilot) -> CaseloadApp:
    return pilot.app  # type: ignore[return-value]


def seed(store: NotesStore) -> None:
    """A few notes on the caseload: two for the pictured student, follow-ups due."""
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="parent_contact",
              text="Called his mother about English 9.\nShe will check the portal weekly.",
              contact_date=dt.date(2026, 11, 3), flags=["LOW_GRADE"],
              follow_up=dt.date(2026, 11, 17), method="phone", outcome="reached")
    met = store.add(student_id=STUDENT, author_id=COUNSELOR, type="student_meeting",
                    text="Met at lunch; plan: missing essays by Friday.",
                    contact_date=dt.date(2026, 11, 12), follow_up=dt.date(2026, 11, 19))
    store.update(met.id, expected_revision=1,
                 text="[bold]Met[/bold] at lunch; plan: turn in missing essays by Friday.")
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="teacher_consult",
              text="Teacher reports better effort.", contact_date=dt.date(2026, 10, 28),
              status="done")


async def _to_student(pilot: Pilot) -> None:
    await settle(pilot)
    app = _app(pilot)
    app.home.select_student(STUDENT)
    await pilot.press("enter")
    await settle(pilot)


async def _editor(pilot: Pilot) -> None:
    await settle(pilot)
    app = _app(pilot)
    app.home.select_student(STUDENT)
    await pilot.press("n")
    await settle(pilot)
    editor = app.screen
    editor.query_one("#note-flags").select_all()  # type: ignore[attr-defined]
    editor.query_one("#note-text", TextArea).text = (
        "Met with Sam about English 9.\nAgreed: one missing essay a week; check in Friday."
    )
    editor.query_one("#note-follow-up", Input).value = "2026-11-27"
    editor.query_one("#note-method", Select).value = "in_person"
    editor.query_one("#note-outcome", Select).value = "meeting_set"
    await wait_until(pilot, lambda: "Draft saved" in screen_text(app), what="the draft autosave")
    await settle(pilot)
    editor.query_one("#note-text", TextArea).focus()


async def _notes_tab(pilot: Pilot) -> None:
    await _to_student(pilot)
    await pilot.press("4")
    await settle(pilot)


async def _history(pilot: Pilot) -> None:
    await _notes_tab(pilot)
    await pilot.press("v")
    await settle(pilot)


async def _follow_ups(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("u")
    await settle(pilot)


async def _export(pilot: Pilot) -> None:
    await _to_student(pilot)
    await pilot.press("e")
    await settle(pilot)


SCREENS: dict[str, Run] = {
    "note_editor": _editor,
    "notes_tab": _notes_tab,
    "note_history": _history,
    "follow_ups": _follow_ups,
    "export_modal": _export,
}


@pytest.mark.parametrize(("screen", "cases"), variants(
    SCREENS, wide=["notes_tab", "follow_ups"],
    fresh=["notes_tab"]))  # the student screen's classes table takes another form at 100 columns
def test_notes_snapshot(shared_snapshots: SharedSnapshots, notes_engine: Engine, screen: str,
                        cases: list[tuple[str, str]]) -> None:
    """Each screen's shots in a theme from one app run (``shared_snapshots``)."""
    store = NotesStore(notes_engine, clock=lambda: NOW)
    seed(store)
    app = make_notes_app(notes_engine, store, theme=THEMES[cases[0][1]])
    assert app.as_of == AS_OF
    shared_snapshots(app, screen, SCREENS[screen], cases)
