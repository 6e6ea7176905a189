"""The sync's progress bar in the TUI: shown on the current screen while the sync runs in its
worker, following the counselor to another screen, gone when the sync ends; the header's
freshness is asked for again afterwards."""

from __future__ import annotations

import threading

from caseload.tui.app import AppActions
from caseload.tui.widgets.sync_progress import SyncProgress

from .conftest import screen_text, settle, wait_until


async def test_sync_shows_a_progress_bar_and_keeps_the_ui_usable(make_app, reader):
    # the fake sync holds at each step until the test has read the bar there (no timeout:
    # the test releases it in any case before the app exits)
    step = threading.Event()
    go_on = threading.Event()
    finish = threading.Event()

    def run_sync_progress(name, progress):
        progress("users", 0, None)
        progress("users", 500, 1000)
        step.set()
        go_on.wait()
        progress("results", 2000, 2000)
        finish.wait()
        return f"Synced {name}: 3,000 rows"

    app = make_app(actions=AppActions(run_sync_progress=run_sync_progress,
                                      sync_names=("district",)))
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(pilot)
            asked = reader.calls.count(("freshness",))
            await pilot.press("ctrl+r")  # one source configured: no question asked
            await wait_until(pilot, step.is_set, what="the sync at users 500 of 1,000")
            # the bar mounts first, then shows the latest figures
            await wait_until(pilot, lambda: "users 500 of 1,000" in screen_text(app),
                             what="the bar at users 500 of 1,000")
            bar = app.screen.query_one(SyncProgress)
            assert "Syncing district: users 500 of 1,000" in screen_text(app)
            # the UI stays usable: open a student while the sync runs; the bar follows
            await pilot.press("enter")
            go_on.set()
            await wait_until(pilot, lambda: "results 2,000 of 2,000" in screen_text(app),
                             what="the bar at results 2,000 of 2,000")
            assert type(app.screen).__name__ == "StudentScreen"
            assert "Syncing district: results 2,000 of 2,000" in screen_text(app)
        finally:
            go_on.set()
            finish.set()
        await settle(pilot)
        assert not any(s.query(SyncProgress) for s in app.screen_stack)
        assert bar not in app.screen.query(SyncProgress)
        assert reader.calls.count(("freshness",)) > asked  # the header's freshness reloads
