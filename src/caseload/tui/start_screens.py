"""The screens the app opens by itself at start-up, once what they show has been read: "since
you last looked" and the first run's "who are you?".

A user quick with a key may have opened a note editor, or another dialog, by then. They never
open over one (a note editor anywhere on the stack, or a dialog on top: one pushed over it
hid the note being written, and typing went on into it unseen); like the follow-ups, they
wait until it is closed, then open in the order their data arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App


class StartScreens:
    """Start-up screens, each opened (``show``) at once, or when no editor or dialog is left."""

    def __init__(self, app: App[None]) -> None:
        self.app = app
        self._waiting: list[Callable[[], object]] = []
        self._following = False  # the app's screen changes, followed once one waits

    @property
    def waiting(self) -> int:
        """How many wait for a note editor or a dialog to be closed."""
        return len(self._waiting)

    def show(self, open_screen: Callable[[], object]) -> None:
        """Run ``open_screen`` (it pushes a start-up screen) now, or once it may."""
        self._waiting.append(open_screen)
        if not self._following:
            self._following = True
            self.app.screen_change_signal.subscribe(self.app, self._changed)
        self._open_waiting()

    def covered(self) -> bool:
        """Whether a note editor is open (anywhere on the stack) or a dialog is on top."""
        from textual.screen import ModalScreen

        from caseload.tui.screens.note_editor import NoteEditor

        stack = self.app.screen_stack
        return isinstance(stack[-1], ModalScreen) or any(
            isinstance(screen, NoteEditor) for screen in stack
        )

    def _changed(self, _screen: object) -> None:
        if self._waiting:  # (after the push or pop that changed it has finished)
            self.app.call_later(self._open_waiting)

    def _open_waiting(self) -> None:
        while self._waiting and self.app.screen_stack and not self.covered():
            self._waiting.pop(0)()
