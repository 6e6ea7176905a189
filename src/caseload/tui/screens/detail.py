"""``DetailScreen``: the base of the student and the class screens.

Shared: the back keys, the Header and Footer around a body, the loading pattern (the App
pushes the screen with its data when it arrives quickly, else at once with "Loading…" and
the data follows as a message), the error text in place of the body, reloading (``r``),
drawing again when the theme changes (the data colours come from the theme) and laying out
again, when the terminal's width changes, the tables whose columns are sized from it (on a
resize, or when the screen comes back on top: one under another gets no Resize). The data
source is injected (``DataRequests``), so a test can hand the screen a fake.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from caseload.tui import messages
from caseload.tui.keys import back_key
from caseload.tui.ports import DataRequests
from caseload.tui.safe import literal
from caseload.tui.styles import unfollow_theme
from caseload.tui.textual_fixes import Header
from caseload.tui.widgets.footer import Footer
from caseload.tui.widgets.key_table import KeyTable

D = TypeVar("D")

BACK_BINDINGS: list[BindingType] = [
    back_key("escape", "Go back to the previous screen"),
    Binding("backspace", "back", "Back", show=False, id="nav.back_backspace",
            tooltip="Go back to the previous screen"),
]


class DetailScreen(Screen[None], Generic[D]):
    """Subclasses set ``KIND`` (the ids ``KIND-loading`` and ``KIND-error``) and
    ``LOAD_GROUP`` (the worker group of the screen's own load), and implement ``reload``,
    ``set_titles``, ``loading_titles``, ``compose_detail``, ``focus_content`` and
    ``error_text`` (and ``other_load_failed`` for the other reads they make; ``fill_table``
    for the tables they compose with ``fitted``, sized from the terminal's width)."""

    KIND: ClassVar[str] = "detail"
    LOAD_GROUP: ClassVar[str] = "detail"
    BINDINGS: ClassVar[list[BindingType]] = [*BACK_BINDINGS]

    detail: reactive[Any] = reactive(None, recompose=True)
    error: reactive[str | None] = reactive(None, recompose=True)

    def __init__(self, data: DataRequests, *, detail: D | None = None,
                 as_of: dt.date | None = None) -> None:
        super().__init__()
        self.data = data
        self.as_of = as_of
        if detail is not None:
            self.set_reactive(DetailScreen.detail, detail)

    # -- to implement --------------------------------------------------------------------------

    def reload(self) -> None:
        raise NotImplementedError

    def loading_titles(self) -> tuple[str, str]:
        raise NotImplementedError

    def set_titles(self, detail: D) -> None:
        raise NotImplementedError

    def compose_detail(self, detail: D) -> ComposeResult:
        raise NotImplementedError

    def focus_content(self) -> None:
        raise NotImplementedError

    def error_text(self, message: messages.LoadFailed) -> str:
        raise NotImplementedError

    def other_load_failed(self, message: messages.LoadFailed) -> None:
        """A read other than the screen's own failed (the App has said why): shown where its
        answer would have been, never in place of the body."""

    def before_redraw(self) -> None:
        """Called before the body is composed again with new data or colours."""

    def fill_table(self, table: KeyTable, width: int) -> None:
        """Clear ``table`` (one whose columns depend on the terminal's width) and add its
        columns and rows for a terminal ``width`` wide. Only called with data loaded."""
        raise NotImplementedError

    # -- the terminal's width --------------------------------------------------------------------

    def fitted(self, table: KeyTable) -> KeyTable:
        """``table`` filled for the terminal's width (``fill_table``), as composed."""
        width = self.app.size.width
        self.fill_table(table, width)
        table.fitted_width = width
        return table

    def fit_width(self, width: int) -> None:
        """The terminal is ``width`` wide now: each table laid out for another width is filled
        again for this one (its cursor row and focus kept; ``KeyTable.refill``). Subclasses
        add what else depends on the width."""
        if self.detail is None:
            return
        for table in self.query(KeyTable):
            if table.fitted_width is not None and table.fitted_width != width:
                table.refill(partial(self.fill_table, table, width))
                table.fitted_width = width

    def on_resize(self, event: events.Resize) -> None:
        self.fit_width(event.size.width)

    def on_screen_resume(self) -> None:
        # a screen under another gets no Resize: the width may have changed meanwhile
        self.fit_width(self.app.size.width)

    # -- shared --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.detail is None:
            self.title, self.sub_title = self.loading_titles()
            self.reload()
        else:
            self.set_titles(self.detail)
            self.focus_content()

    def on_unmount(self) -> None:
        unfollow_theme(self)
        self.app.post_message(messages.ScreenClosed())

    def _theme_changed(self, _theme: object) -> None:
        # the data colours come from the theme: draw them again
        if self.detail is not None:
            self.before_redraw()
            self.refresh(recompose=True)
            self.call_after_refresh(self.focus_content)

    def show(self, detail: D, as_of: dt.date) -> None:
        """The data arrived (first load or reload)."""
        if self.detail is not None:
            self.before_redraw()
        self.as_of = as_of
        self.set_titles(detail)
        self.error = None
        self.detail = detail
        self.call_after_refresh(self.focus_content)

    def as_of_text(self) -> str:
        return f"as of {self.as_of.isoformat()}" if self.as_of else ""

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group != self.LOAD_GROUP:
            self.other_load_failed(message)
            return
        self.error = self.error_text(message)

    def compose(self) -> ComposeResult:
        yield Header()
        if self.error is not None:
            yield Static(literal(self.error), id=f"{self.KIND}-error")
        elif self.detail is None:
            yield Static(Text("Loading…"), id=f"{self.KIND}-loading")
        else:
            yield from self.compose_detail(self.detail)
        yield Footer()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.reload()
