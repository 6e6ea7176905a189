"""The sync's progress bar in the TUI: shown on the current screen while the sync runs in its
worker, following the counselor to another screen, gone when the sync ends; the header's
freshness is asked for again afterwards."""

from __future__ import annotations

import threading

from caseload.tui.app import AppActions
from caseload.tui.widgets.sync_progress import SyncProgress

from .conftest import screen_text, settle


async def test_sync_shows_a_progress_bar_and_keeps_the_ui_usable(make_app, reader):
    step = threading.Event()
    go_on = threading.Event()
    finish = threading.Event()

    def run_sync_progress(name, progress):
        progress("users", 0, None)
        progress("users", 500, 1000)
        step.set()
        go_on.wait(10)
        progress("results", 2000, 2000)
        finish.wait(10)
        return f"Synced {name}: 3,000 rows"

    app = make_app(actions=AppActions(run_sync_progress=run_sync_progress,
                                      sync_names=("district",)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        asked = reader.calls.count(("freshness",))
        await pilot.press("ctrl+r")  # one source configured: no question asked
        step.wait(10)
        for _ in range(200):  # the bar mounts first, then shows the latest figures
            await pilot.pause(0.05)
            if "users 500 of 1,000" in screen_text(app):
                break
        bar = app.screen.query_one(SyncProgress)
        assert "Syncing district: users 500 of 1,000" in screen_text(app)
        # the UI stays usable: open a student while the sync runs; the bar follows
        await pilot.press("enter")
        go_on.set()
        for _ in range(200):
            await pilot.pause(0.05)
            if "results 2,000 of 2,000" in screen_text(app):
                break
        assert type(app.screen).__name__ == "StudentScreen"
        assert "Syncing district: results 2,000 of 2,000" in screen_text(app)
        finish.set()
        await settle(pilot)
        assert not any(s.query(SyncProgress) for s in app.screen_stack)
        assert bar not in app.screen.query(SyncProgress)
        assert reader.calls.count(("freshness",)) > asked  # the header's freshness reloads
