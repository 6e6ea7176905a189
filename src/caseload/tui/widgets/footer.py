"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (new FooterKeys, their styles computed again) every time the
screen's bindings are refreshed: each focus change, each ``refresh_bindings()``, whether or not
a key or its label changed. Profiling the TUI found those rebuilds to be most of the CPU a
keypress costs. This Footer keeps what it last showed and skips the rebuild when nothing it
shows differs (also when a rebuild was already scheduled and has shown the new keys); it shows
exactly what Textual's Footer shows. Its keys are created already in the
Footer's compact style, so their styles are computed once (see ``compose``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """A Footer that recomposes only when the shown bindings change."""

    _shown: Hashable | None = None

    def _showing(self) -> Hashable:
        """What ``compose`` reads: the active bindings (a Binding is frozen), enabled or not."""
        return (self._bindings_ready, self.compact, self.show_command_palette,
                tuple((binding, enabled, tooltip) for _node, binding, enabled, tooltip
                      in self.screen.active_bindings.values()))

    def compose(self) -> Iterator[Widget]:
        self._shown = self._showing()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "compact" in (widget._reactive_connect or {}):
                # A FooterKey starts compact (its reactive's default) and its watcher toggles
                # the class, then its data binding to this Footer toggles it back: the key's
                # styles computed two or three times. Start a bound key as this Footer shows it
                # (the binding then changes nothing), so its styles are computed once. (The
                # palette key is not bound: it stays compact, as Textual draws it.)
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        # Each change of the bindings schedules a rebuild for after the next refresh, so two
        # changes before it runs schedule two: the first shows the latest keys, the second
        # would build the same keys again. (Detached, Textual's recompose does nothing.)
        if self.is_attached and self._shown is not None and self._showing() == self._shown:
            return
        await super().recompose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (self._bindings_ready and screen.app.app_focus and self.is_attached
                and screen is self.screen and self._showing() == self._shown):
            return  # the same keys as shown: nothing to rebuild
        super().bindings_changed(screen)
