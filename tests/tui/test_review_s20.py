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
