"""Found on the twentieth session's walk at 80x24, each a test that failed before its fix.

- The Guardians tab cut a 66-character email at the terminal's edge at 100 and 120 columns,
  and a long name's family name at 80.
- The class screen cut a teacher's comment at 80 columns ("Not turn"; its header "Commen").
- The Notes tab put a note's type and contact before its status and follow-up date: a
  confidential parent contact made by home visit pushed "Status" off the screen and cut the
  follow-up date to "2026-11" (which reads as a month).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, update

from caseload.domain.notes import NoteType
from caseload.store.notes import NotesStore
from caseload.store.repository import Repository
from caseload.store.tables import METADATA
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import AS_OF, COUNSELOR, NO_INCIDENTS, NOW, make_app
from .test_class_short import open_class


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


# --- the Guardians tab never cuts a name or an address (audit s20) ------------------------------

LONG_EMAIL = "maria.guadalupe.hernandez-villanueva@district-families.example.org"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (160, 40)])
async def test_guardians_tab_shows_a_long_name_and_email_whole(
    engine: Engine, size: tuple[int, int]
) -> None:
    """At 100 and 120 columns a 66-character email was cut at the terminal's edge with no
    mark ("...hernandez-vil", "...@district-fam": each reads as a real address); at 80 the
    family name was cut ("Maria Guadalupe…")."""
    g = METADATA.tables["guardians"]
    with engine.begin() as conn:
        conn.execute(update(g).where(g.c.student_id == NO_INCIDENTS).values(
            given_name="Maria Guadalupe", family_name="Hernandez-Villanueva",
            email=LONG_EMAIL))
    app = make_app(engine)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        lines = screen_lines(app)
        top = next(i for i, line in enumerate(lines) if "Relationship" in line)
        header = lines[top]
        name_at, email_at = header.index("Name"), header.index("Email")
        body = lines[top + 1:-1]
        # each column's lines, read down the column (a wrapped cell goes on below)
        names = "".join(line[name_at:header.index("Relationship")].strip() for line in body)
        emails = "".join(line[email_at:].strip(" ▎▍▌▋▊▉█") for line in body)
        assert LONG_EMAIL in emails
        assert "Maria GuadalupeHernandez-Villanueva" in names or (
            "Maria Guadalupe Hernandez-Villanueva" in names)
        assert all(len(line.rstrip()) <= size[0] for line in lines)


# --- the class screen never cuts a teacher's comment (audit s20) --------------------------------

COMMENT = "Not turned in; talk to me."  # the sample school's comment on Homework 7, English 9


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_class_screen_shows_a_teachers_comment_whole(
    engine: Engine, size: tuple[int, int]
) -> None:
    """At 80x24 the comment was cut to "Not turn" at the terminal's edge (its header to
    "Commen"), readable only about 20 presses of → later; now it goes below the title."""
    app = make_app(engine)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_class(app, pilot, "stu-00316", "cls-ENG9-01")
        await pilot.press("m")  # the missing ones: Homework 7 among the first
        await settle(pilot)
        lines = screen_lines(app)
        assert all(len(line.rstrip()) <= size[0] for line in lines)
        assert "Status" in next(line for line in lines if "Due" in line and "Title" in line)
        at = next(i for i, line in enumerate(lines) if "Homework 7" in line)
        shown = " ".join(" ".join(line.split()) for line in lines[at:at + 3])
        assert COMMENT in shown, lines[at:at + 3]


# --- the help fits the terminal (audit s20) -------------------------------------------------------

async def test_help_fits_an_80x24_terminal(engine: Engine) -> None:
    """The help was one row taller than 24: its bottom border off the screen, which then
    scrolled (the accepted snapshot showed it too)."""
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for opened in ("caseload", "student"):
            if opened == "student":
                await pilot.press("escape")
                await settle(pilot)
                app.home.select_student(NO_INCIDENTS)
                await pilot.press("enter")
                await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen),
                                 what="student")
                await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            dialog = app.screen.query_one("#help-dialog")
            assert app.screen.region.contains_region(dialog.region), (opened, dialog.region)
            assert "ctrl+p: palette" in screen_lines(app)[-2], opened


# --- the classes table fits 80 columns with Ed-Fi's period names (audit s20, Grand Bend) --------

async def test_classes_tab_keeps_the_last_score_in_view_with_a_long_period_name(
    engine: Engine,
) -> None:
    """Ed-Fi's ClassPeriodName ("02 - Traditional", 16 cells) pushed "Last score" off an
    80-column screen: a lone "1", the start of "10-02", read as a value."""
    with engine.begin() as conn:
        for name in ("classes", "mat_class"):
            t = METADATA.tables[name]
            key = t.c.sourced_id if name == "classes" else t.c.class_id
            conn.execute(update(t).values(period="02 - Traditional").where(key.isnot(None)))
    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.home.select_student(NO_INCIDENTS)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        lines = screen_lines(app)
        header = next(line for line in lines if "Per" in line and "Grade" in line)
        assert "Last" in header
        chorus = next(line for line in lines if "Chorus" in line)
        assert "11-20" in chorus and "02 - T" in chorus, chorus
        assert all(len(line.rstrip()) <= 80 for line in lines)


async def test_a_student_with_no_current_class_says_so(engine: Engine) -> None:
    """(audit s20, Grand Bend: no StudentEnrollment) "Classes (0)" over an empty table header
    read as "takes no classes"; the data only says nothing about them."""
    app = CaseloadApp(Repository(engine), counselor_id=COUNSELOR, as_of=dt.date(2027, 7, 1),
                      now=lambda: NOW, me=COUNSELOR)  # after every term: no class in session
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_student(NO_INCIDENTS)
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen), what="student")
        await settle(pilot)
        text = " ".join(" ".join(line.split()) for line in screen_lines(app))
        assert "Classes (0)" in text
        assert "No classes in session on 2027-07-01 in the loaded data" in text
