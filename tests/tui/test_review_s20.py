"""Review of session 20's changes: each a scenario that failed before its fix."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update

from caseload.store.tables import METADATA
from caseload.tui.screens.student import StudentScreen

from .conftest import screen_lines, settle, wait_until
from .test_audit_s19 import NO_INCIDENTS, make_app
from .test_audit_s20 import LONG_EMAIL

LONG_NAME = "Maria Guadalupe Hernandez-Villanueva de la Cruz"  # 47 characters


@pytest.mark.parametrize("size", [(100, 30), (120, 40)])
async def test_guardians_tab_a_long_name_does_not_push_the_email_off_the_screen(
    engine: Engine, size: tuple[int, int]
) -> None:
    """At 100 columns and up the name column took its whole width: a long name left the
    email under ``WRAP_MIN`` cells, so it was not wrapped but cut at the terminal's edge."""
    g = METADATA.tables["guardians"]
    given, family = LONG_NAME.rsplit(" ", 3)[0], " ".join(LONG_NAME.rsplit(" ", 3)[1:])
    with engine.begin() as conn:
        conn.execute(update(g).where(g.c.student_id == NO_INCIDENTS).values(
            given_name=given, family_name=family, email=LONG_EMAIL))
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
        assert "Email" in header, header
        email_at = header.index("Email")
        body = lines[top + 1:-1]
        emails = "".join(line[email_at:].strip(" ▎▍▌▋▊▉█") for line in body)
        assert LONG_EMAIL in emails, lines[top:top + 4]


# --- the class screen: the assignments table's own scroll bar (review s20) ---------------------

LONG_COMMENT = ("Not turned in; talk to me about the two missing labs and the make-up schedule "
                "before the end of the grading period, [bold]or else[/bold] call home please.")


async def test_class_screen_a_wrapped_comment_loses_no_character_at_120_columns(
    engine: Engine,
) -> None:
    """With all 43 assignments the table scrolls itself (its max-height is the body's), so
    its own scroll bar takes 2 cells on top of the body's: a comment wrapped at 47 cells was
    shown in 45, each line's last characters hidden ("...the two missin", "the end o")."""
    from .test_class_short import open_class

    r = METADATA.tables["results"]
    with engine.begin() as conn:
        conn.execute(update(r).where(r.c.comment == "Not turned in; talk to me.")
                     .values(comment=LONG_COMMENT))
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_class(app, pilot, "stu-00316", "cls-ENG9-01")
        table = screen.query_one("#assignments")
        assert table.virtual_size.width <= table.scrollable_content_region.width
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Homework 7" in line)
        shown = " ".join(" ".join(line.split()) for line in lines[at:at + 5])
        assert LONG_COMMENT in shown, lines[at:at + 5]


async def test_class_screen_keeps_not_yet_due_whole_at_80x24(engine: Engine) -> None:
    """At 80x24 the title column (comments below the titles) was 2 cells too wide: the
    Status column's "not yet due" showed as "not yet du"."""
    from .test_class_short import open_class

    app = make_app(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_class(app, pilot, "stu-00316", "cls-ENG9-01")
        await pilot.press("G")
        await settle(pilot)
        rows = [line for line in screen_lines(app) if "2026-11-23" in line]
        assert rows and all("not yet due" in row for row in rows), rows
