"""A worker's answer that reaches the App as it exits (no screen left) changes nothing and
raises nothing: a loaded run once failed with IndexError when the freshness arrived after the
test's app had closed (the same could end a counselor's session with a traceback on quit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from caseload.tui import messages
from caseload.tui.app import CaseloadApp
from caseload.tui.screens.changes import LastSeen

from .conftest import settle


async def test_answers_after_the_last_screen_is_gone_are_ignored(
    make_app: Callable[..., CaseloadApp],
) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen_stack
    assert not app.screen_stack  # the app has exited: its screens are gone

    app._sync_latest = ("results", 10, 100)
    for message in (
        messages.FreshnessLoaded([]),
        messages.CounselorsLoaded([]),
        messages.DirectoryLoaded([]),
        LastSeen(app.as_of - dt.timedelta(days=7)),
        messages.SyncProgressed("OneRoster"),
        messages.ReloadAll(),
    ):
        getattr(app, message.handler_name)(message)  # IndexError / ScreenStackError unguarded
    assert app.session.freshness_loaded  # what needs no screen is still recorded
