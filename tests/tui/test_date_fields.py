"""The app's date fields, as the s22 usability review typed them (items 1, 2, 4, 5 and 21).

Fields that ask for a past day (the changes' "since", the as-of date, the notes export's from
and to) read ``11/13`` and ``mon`` as the last such day on or before the as-of date shown, and
``-7d`` from it. A note's dates keep the forward reading (issue 12), counted from today whatever the as-of
date; a contact date after today is asked about before it is saved, and the done dialog asks
about an M/D that has just passed. In the as-of prompt ``today`` is the calendar's today.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from caseload.config import Config
from caseload.services.context import Workspace
from caseload.services.export import app_exporter
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.tui.app import CaseloadApp
from caseload.tui.ports import ExportRequest
from caseload.tui.screens.confirm import ConfirmModal
from caseload.tui.screens.done import DoneModal
from caseload.tui.screens.export import ExportModal
from caseload.tui.screens.follow_ups import FollowUpsScreen
from caseload.tui.screens.modals import PromptModal
from caseload.tui.screens.note_editor import NoteEditor
from caseload.tui.session import NoteDay, Session

from .conftest import screen_text, settle, wait_until
from .test_changes_screen import Host, loaded
from .test_notes_tui import (
    AS_OF,
    COUNSELOR,
    STUDENT,
    make_notes_app,
    notes_engine,
    open_editor,
    store,
)

__all__ = ["notes_engine", "store"]  # the fixtures, imported for pytest

# the review's machine: the demo's as-of date is 2026-11-20 (a Friday), the clock 2026-12-05
LATER = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)


def shown(app: App[object], selector: str) -> str:
    """The text of the widget ``selector`` on the screen on top, its lines joined."""
    return " ".join(str(app.screen.query_one(selector, Static).render()).split())


async def prompt_open(pilot: Pilot[object]) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, PromptModal)
                     and bool(app.screen.query("#prompt-input")), what="the prompt")


async def prompt_answer(pilot: Pilot[object], text: str) -> str:
    """Type ``text`` in the open prompt and press Enter; the error it shows ("" if none)."""
    app = pilot.app
    assert isinstance(app.screen, PromptModal)
    prompt = app.screen
    prompt.query_one("#prompt-input", Input).value = text
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is not prompt or bool(
        str(prompt.query_one("#prompt-error", Static).render())), what=f"{text} answered")
    if app.screen is prompt:
        return str(prompt.query_one("#prompt-error", Static).render())
    return ""


async def asked_of_contact(pilot: Pilot[object], typed: str, text: str) -> tuple[NoteEditor, str]:
    """A new note with the contact date ``typed`` and ``text``, saved: the question asked of
    a contact date after today, answered "go back" (Escape); the editor, and the question."""
    app = pilot.app
    editor = await open_editor(pilot)
    editor.query_one("#note-contact", Input).value = typed
    editor.query_one("#note-text", TextArea).text = text
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="question")
    question = shown(app, "#confirm-question")
    await pilot.press("escape")  # as "go back"
    await wait_until(pilot, lambda: app.screen is editor, what="back in the editor")
    return editor, question


# --- item 1: "Changes since" takes its own examples --------------------------------------------


async def test_changes_since_reads_its_examples_back_from_the_as_of_date() -> None:
    app = Host()  # as of Friday 2026-11-20
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await loaded(app, pilot)
        for typed, since in (("11/13", dt.date(2026, 11, 13)), ("mon", dt.date(2026, 11, 16)),
                             ("fri", dt.date(2026, 11, 20)), ("-7d", dt.date(2026, 11, 13)),
                             ("10/31", dt.date(2026, 10, 31))):
            await pilot.press("w")
            await prompt_open(pilot)
            assert "counted back from the as-of date 2026-11-20" in shown(app, ".dialog-title")
            assert await prompt_answer(pilot, typed) == ""
            await wait_until(pilot, lambda s=since: app.calls[-1] == s and screen.loaded,
                             what=f"the changes since {typed}")
            assert screen.since == since
        await pilot.press("w")
        await prompt_open(pilot)
        said = await prompt_answer(pilot, "+3d")
        assert said == ("2026-11-23 is after the as-of date (2026-11-20): pick a day on or "
                        "before it."), said


# --- item 4: the as-of date prompt ---------------------------------------------------------------


async def test_the_as_of_prompt_counts_back_from_the_as_of_date_shown(make_app, reader) -> None:
    """``11/13`` was 2027-11-13 (a year past the data) and ``-7d`` counted from the clock
    (the fake reader's clock is 2026-01-15); both now count from the as-of date on screen."""
    app = make_app(as_of=dt.date(2026, 11, 20))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for typed, as_of in (("11/13", dt.date(2026, 11, 13)), ("-7d", dt.date(2026, 11, 6)),
                             ("mon", dt.date(2026, 11, 2))):
            shown_before = app.as_of.isoformat()
            app.action_change_as_of()
            await prompt_open(pilot)
            assert f"counted back from the as-of date {shown_before}" in shown(
                app, ".dialog-title")
            assert await prompt_answer(pilot, typed) == ""
            await wait_until(pilot, lambda a=as_of: app.as_of == a, what=f"as of {typed}")
        await settle(pilot)
        assert "as of 2026-11-02" in screen_text(app)
        app.action_change_as_of()  # "today": the calendar's today, the way back to it
        await prompt_open(pilot)
        assert await prompt_answer(pilot, "today") == ""
        await wait_until(pilot, lambda: app.as_of == app.session.today(), what="back to today")


# --- item 21: the notes export's from and to ---------------------------------------------------


async def test_the_export_dates_count_back_from_the_as_of_date(
    notes_engine: Engine, store: NotesStore, monkeypatch,
) -> None:
    app = make_notes_app(notes_engine, store)
    asked: list[ExportRequest] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.notes_calls is not None
        monkeypatch.setattr(app.notes_calls, "export_notes",
                            lambda _target, request: asked.append(request))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportModal), what="export")
        assert ("From and to: YYYY-MM-DD, or 11/1, -30d, mon (counted back from the as-of date "
                "2026-11-20); without a to date the range ends at the as-of date."
                in shown(app, ".dialog-help"))
        modal = app.screen
        modal.query_one("#export-since", Input).value = "11/1"
        modal.query_one("#export-until", Input).value = "mon"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(asked), what="the export asked for")
        assert (asked[0].since, asked[0].until) == (dt.date(2026, 11, 1), dt.date(2026, 11, 16))


# --- item 2: a contact date after today is asked about, never saved silently -------------------


async def test_a_contact_date_after_today_is_asked_about_and_the_note_kept(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """``11/1`` typed on 11/20 (a past day meant) reads, as issue 12 says, as the next 11/1:
    saving asks first, saying so; going back keeps everything typed; saving anyway saves."""
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        assert app.session.note_day() == NoteDay(AS_OF, "today")
        contact = editor.query_one("#note-contact", Input)
        contact.focus()
        contact.value = ""
        await pilot.press(*"11/1", "tab")  # leaving the field shows the date it reads
        await wait_until(pilot, lambda: contact.value == "2027-11-01", what="the date read")
        editor.query_one("#note-text", TextArea).focus()
        await pilot.press(*"Phone call with mom.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="question")
        assert shown(app, "#confirm-question") == (
            "The contact date 11/1 means the next 11/1: 2027-11-01, 346 days after today "
            "(2026-11-20). For the last 11/1, go back and type 2026-11-01. Save the note with "
            "that date?")
        await wait_until(pilot, lambda: "Save with 2027-11-01" in screen_text(app),
                         what="the choices drawn")
        await pilot.press("enter")  # the first choice: go back
        await wait_until(pilot, lambda: app.screen is editor, what="back in the editor")
        assert app.focused is contact and store.list(student_id=STUDENT) == []
        assert editor.query_one("#note-text", TextArea).text == "Phone call with mom."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="again")
        await pilot.press("tab", "enter")  # save with that date
        await wait_until(pilot, lambda: bool(store.list(student_id=STUDENT)), what="saved")
        [note] = store.list(student_id=STUDENT)
        assert note.contact_date == dt.date(2027, 11, 1)
        assert note.text == "Phone call with mom."


async def test_tomorrow_is_asked_about_and_a_past_day_is_not(
    notes_engine: Engine, store: NotesStore,
) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        editor, question = await asked_of_contact(pilot, "tomorrow", "Met in the hall.")
        assert question.startswith(
            "The contact date is 2026-11-21, 1 day after today (2026-11-20).")
        editor.query_one("#note-contact", Input).value = "-1d"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(store.list(student_id=STUDENT)), what="saved")
        assert store.list(student_id=STUDENT)[0].contact_date == dt.date(2026, 11, 19)


# --- item 5: one day every note field counts from ----------------------------------------------


def later_app(engine: Engine, store: NotesStore) -> CaseloadApp:
    """The demo as the review ran it: as of 2026-11-20, on a clock two weeks later."""
    ws = Workspace(engine, Config())
    return CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=AS_OF,
                       now=lambda: LATER, notes=store,
                       export_notes=app_exporter(ws, clock=lambda: LATER))


def test_the_note_day_is_today_whatever_the_as_of_date() -> None:
    """Issue 12: "+3d" is three days from today, in the app as on the command line (the
    review of this session's first fix: counting from a moved as-of date saved ``today``
    typed on 12/05 as 11/20, and asked nothing of a contact date after the real today)."""
    clock = [LATER]
    session = Session("c", AS_OF, now=lambda: clock[0])  # as in the demo: moved
    assert session.note_day() == NoteDay(dt.date(2026, 12, 5), "today")
    clock[0] = LATER + dt.timedelta(hours=12)  # past midnight
    assert session.note_day() == NoteDay(dt.date(2026, 12, 6), "today")
    session.move_as_of(dt.date(2026, 11, 13))
    assert session.note_day() == NoteDay(dt.date(2026, 12, 6), "today")


async def test_note_dates_count_from_today_and_the_contact_date_starts_at_the_as_of_date(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """As of 11/20 on a clock at 12/05: a new note's contact date starts at 11/20 (the day
    looked at, so the caseload's "days since note" counts it); ``today`` is 12/05 and ``+1w``
    a week from it, as issue 12 says; a contact date of today is not "after today"."""
    app = later_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        assert editor.query_one("#note-contact", Input).value == "2026-11-20"
        editor.query_one("#note-contact", Input).value = "today"
        editor.query_one("#note-text", TextArea).text = "Called mom about the absences."
        editor.query_one("#note-follow-up", Input).value = "+1w"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(store.list(student_id=STUDENT)), what="saved")
        [note] = store.list(student_id=STUDENT)
        assert (note.contact_date, note.follow_up) == (dt.date(2026, 12, 5),
                                                       dt.date(2026, 12, 12))


async def test_a_contact_date_after_the_real_today_is_asked_about_with_the_as_of_moved(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """The question compares with the calendar's today, not the as-of date: ``+3d`` on a
    clock at 12/05 (as of 11/20) is 12/08, after today: asked."""
    app = later_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        _editor, question = await asked_of_contact(pilot, "+3d", "Will call.")
        assert question.startswith(
            "The contact date is 2026-12-08, 3 days after today (2026-12-05).")
        assert store.list(student_id=STUDENT) == []


async def test_the_next_follow_up_counts_from_today_and_asks_of_a_day_just_passed(
    notes_engine: Engine, store: NotesStore,
) -> None:
    """On a clock at 12/05 (as of 11/20): the next follow-up offered is a week from today;
    ``yesterday`` is refused, naming today; ``11/25``, passed ten days before today, reads as
    next year's (issue 12): said under the field, taken on a second Enter."""
    students = [r.id for r in Repository(notes_engine).caseload(COUNSELOR, AS_OF)][:1]
    first = store.add(student_id=students[0], author_id=COUNSELOR, type="referral",
                      text="call back", contact_date=dt.date(2026, 11, 1),
                      follow_up=dt.date(2026, 11, 17))
    app = later_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, FollowUpsScreen), what="u")
        screen = app.screen
        await wait_until(pilot, lambda: [n.id for n in screen.notes] == [first.id],
                         what="due")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DoneModal), what="done")
        modal = app.screen
        field = modal.query_one("#done-next", Input)
        assert field.value == "2026-12-12"  # a week on from today
        error = modal.query_one("#done-error", Static)
        field.focus()
        field.value = "yesterday"
        await pilot.press("enter")
        await wait_until(pilot, lambda: str(error.render()) != "", what="refused")
        assert str(error.render()) == ("The next follow-up date 2026-12-04 is not after "
                                       "today (2026-12-05).")
        field.value = "11/25"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "has passed" in str(error.render()), what="asked")
        assert app.screen is modal and app.focused is field
        await pilot.press("enter")
        await wait_until(pilot, lambda: store.get(first.id).follow_up == dt.date(2027, 11, 25),
                         what="taken on Enter again")
