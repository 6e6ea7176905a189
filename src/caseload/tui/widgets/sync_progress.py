"""A sync's progress: one line per source, a bar for the resource being fetched.

Docked at the bottom of whichever screen is showing (the App moves it when the counselor
navigates), so the rest of the UI stays usable while a sync runs in its worker.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class SyncProgress(Horizontal):
    """``Syncing NAME: resource  [=====-----] 1,200 of 3,000``."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")

    def __init__(self, source: str) -> None:
        super().__init__(id="sync-progress")
        self.source = source
        self.resource = ""
        self.done = 0
        self.total: int | None = None

    def compose(self) -> ComposeResult:
        yield Label(self._text(), id="sync-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="sync-bar")

    def _text(self) -> str:
        of = f" of {self.total:,}" if self.total else ""
        what = f": {self.resource} {self.done:,}{of}" if self.resource else ""
        return f"Syncing {self.source}{what}"

    def show(self, resource: str, done: int, total: int | None) -> None:
        self.resource, self.done, self.total = resource, done, total
        if self.is_mounted:
            self._draw()

    def on_mount(self) -> None:
        # figures that came after compose and before the mount (show() could not draw them
        # then) are drawn now: the bar never stays behind the latest figures
        self._draw()

    def _draw(self) -> None:
        self.query_one("#sync-label", Label).update(self._text())
        bar = self.query_one("#sync-bar", ProgressBar)
        bar.update(total=self.total if self.total else None, progress=self.done)
