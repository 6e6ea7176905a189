"""The student screen's Guardians tab (issue 12): each guardian's name, relationship, phone and
email at 80x24 and 120x40, and ``n`` (or Enter) on a guardian starting a contact note with that
guardian filled in. On the sample school (its users.csv has guardians) and the fake reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Select, TextArea

from caseload.domain.notes import ContactMethod, NoteType
from caseload.domain.records import Guardian
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.guardian_contact import contact_line, note_prefill
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.screens.student import StudentScreen
from caseload.tui.widgets.key_table import KeyTable

from .conftest import THEMES, screen_text, settle, snapshot, wait_until
from .fakes import AS_OF as FAKE_AS_OF
from .fakes import NOW as FAKE_NOW
from .fakes import FakeReader

# On cns-3's caseload in the sample school, with two guardians: a parent with a phone only and
# a relative with an email only (and an accented name)
STUDENT = "stu-00050"
COUNSELOR = "cns-3"
AS_OF = dt.date(2026, 11, 20)  # the sample school's date (tests/tui/test_sample_snapshots.py)
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def _app(engine: Engine, store: NotesStore | None = None, theme: str | None = None
         ) -> CaseloadApp:
    return CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                       now=lambda: NOW, notes=store, theme=theme)


async def _guardians_tab(pilot: Pilot) -> None:
    await settle(pilot)
    app: CaseloadApp = pilot.app  # type: ignore[assignment]
    app.home.select_student(STUDENT)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)


async def test_guardians_tab_lists_name_relationship_phone_email(engine: Engine) -> None:
    expected = Repository(engine).guardians(STUDENT)
    assert [(g.name, g.relationship, g.phone, g.email) for g in expected] == [
        ("Aiden Hoffman", "parent", "(410) 555-0141", None),
        ("Lucía West", "relative", None, "lucia.west050@example.com")]
    app = _app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await _guardians_tab(pilot)
        assert isinstance(app.screen, StudentScreen)
        assert app.screen.active_tab == "tab-guardians"
        table = app.screen.query_one("#guardians", KeyTable)
        assert table.has_focus
        assert table.row_count == len(expected)
        for i, g in enumerate(expected):
            cells = [str(c) for c in table.get_row_at(i)]
            assert cells[0] == g.name
            assert cells[1].startswith(g.relationship or "—")
            assert cells[2] == (g.phone or "—") and cells[3] == (g.email or "—")
        assert f"Guardians ({len(expected)})" in screen_text(app)


LONG_EMAIL = "lucia.west.family.contact.for.school.matters050@example-district.org"


async def test_a_long_email_is_wrapped_whole_at_80_columns(engine: Engine) -> None:
    """It used to be cut at the Email column's 25 columns with an ellipsis, and nothing on
    the screen showed the rest: now the row grows and the address wraps in its column."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE guardians SET email = :e WHERE student_id = :s "
                          "AND email IS NOT NULL"), {"e": LONG_EMAIL, "s": STUDENT})
    app = _app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await _guardians_tab(pilot)
        table = app.screen.query_one("#guardians", KeyTable)
        width = next(c.width for c in table.columns.values() if c.key.value == "email")
        assert len(LONG_EMAIL) > width
        shown = screen_text(app)
        pieces = [LONG_EMAIL[i:i + width] for i in range(0, len(LONG_EMAIL), width)]
        lines = shown.splitlines()
        first = next(i for i, line in enumerate(lines) if pieces[0] in line)
        for i, piece in enumerate(pieces):  # one under the other, in the Email column
            assert piece in lines[first + i], (piece, lines[first + i])
            assert lines[first + i].index(piece) == lines[first].index(pieces[0])
        assert "(410) 555-0141" in shown  # the other guardian's row is still there


@pytest.mark.parametrize(("row", "key"), [(0, "n"), (1, "enter")])
async def test_key_on_a_guardian_starts_a_contact_note(engine: Engine, row: int,
                                                       key: str) -> None:
    """``n`` on the first guardian (phone: method phone), Enter on the second (email only:
    method email); the saved note keeps the contact line."""
    store = NotesStore(engine, clock=lambda: NOW)
    guardian = Repository(engine).guardians(STUDENT)[row]
    app = _app(engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _guardians_tab(pilot)
        for _ in range(row):
            await pilot.press("down")
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, NoteEditor), what="the editor")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await settle(pilot)
        area = editor.query_one("#note-text", TextArea)
        assert area.text == contact_line(guardian) + "\n"
        assert guardian.name in area.text
        assert editor.query_one("#note-type", Select).value == NoteType.PARENT_CONTACT.value
        method = ContactMethod.PHONE if guardian.phone else ContactMethod.EMAIL
        assert editor.query_one("#note-method", Select).value == method.value
        assert area.cursor_location == area.document.end  # typing goes on after the line
        area.insert("Left a message about the missing work.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteEditor), what="saved")
        [note] = store.list(student_id=STUDENT)
        assert note.text.startswith(contact_line(guardian))
        assert note.type is NoteType.PARENT_CONTACT and note.method is method


def test_prefill_says_only_what_is_known() -> None:
    g = Guardian("s", "g", "Rosa", "Able", None, None, "rosa@example.org", None, "edfi-xml")
    assert contact_line(g) == "Contact: Rosa Able, rosa@example.org"
    assert note_prefill(g)["method"] == ContactMethod.EMAIL.value
    g2 = Guardian("s", "g", "Al", "Able", "Mother", "555-0101", None, True, "edfi-xml")
    assert contact_line(g2) == "Contact: Al Able (Mother, primary contact), 555-0101"
    assert note_prefill(g2)["method"] == ContactMethod.PHONE.value
    nothing = Guardian("s", "g", "Al", "Able")
    assert note_prefill(nothing) == {"type": NoteType.PARENT_CONTACT.value, "method": "",
                                     "text": "Contact: Al Able\n"}


async def test_no_guardians_says_unknown_not_none() -> None:
    """The fake reader's students have no guardians: the tab says none were loaded."""
    app = CaseloadApp(FakeReader(), counselor_id="c-rivera", as_of=FAKE_AS_OF,
                      now=lambda: FAKE_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student("s006")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert "Guardians (0)" in screen_text(app)
        assert "No guardians loaded for this student" in screen_text(app)


@pytest.mark.parametrize("size", ["80x24", "120x40"])
def test_guardians_tab_snapshot(snap_compare, sample_cache: Path, size: str) -> None:
    from caseload.store.engine import make_engine

    engine = make_engine(f"sqlite:///{sample_cache}")
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                      now=lambda: NOW, theme=THEMES["dark"])
    try:
        assert snapshot(snap_compare, app, size, _guardians_tab)
    finally:
        engine.dispose()
