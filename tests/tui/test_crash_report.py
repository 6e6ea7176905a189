"""An unhandled error in the app ends it with the error's kind only (issue 13: no traceback
ever reaches a user, no message carries a note's text).

Textual ends an app on an unhandled exception by printing a Rich traceback *with the
locals of every frame* (``show_locals=True``): a handler holding a note's text, a student's
name or a secret in a local variable printed it to stderr when the app exited, as did the
exception's own message. ``CASELOAD_DEBUG=1`` still gives Textual's full traceback.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from caseload.tui import app as tui_app
from caseload.tui.app import CaseloadApp

from .fakes import AS_OF, FakeReader

NOTE = "Mother disclosed QZX private detail"


class FailingApp(CaseloadApp):
    CSS_PATH = str(Path(tui_app.__file__).parent / "app.tcss")
    BINDINGS = [("f12", "fail", "fail")]

    def action_fail(self) -> None:
        note_text = NOTE  # a handler's local, as a note editor's would be
        raise RuntimeError(f"could not save {note_text[:12]}")

    def _print_error_renderables(self) -> None:
        """What the app prints on stderr when it ends, kept (run_test's console is not
        the test's stderr)."""
        console = Console(file=io.StringIO(), width=100, color_system=None)
        for renderable in self._exit_renderables:
            console.print(renderable)
        self.printed = getattr(self, "printed", "") + console.file.getvalue()
        super()._print_error_renderables()


async def _crash() -> str:
    app = FailingApp(FakeReader(), counselor_id="c-rivera", as_of=AS_OF)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f12")
            await pilot.pause()
    return str(app.printed)


async def test_the_exit_report_holds_no_local_and_no_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CASELOAD_DEBUG", raising=False)
    shown = await _crash()
    assert "RuntimeError" in shown, shown
    assert "CASELOAD_DEBUG" in shown, shown
    assert "QZX" not in shown and "Mother" not in shown, shown


async def test_caseload_debug_keeps_textuals_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASELOAD_DEBUG", "1")
    shown = await _crash()
    assert "Traceback" in shown and "could not save" in shown, shown
