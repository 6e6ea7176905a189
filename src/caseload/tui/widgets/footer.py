"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (new FooterKeys, their styles computed again) every time the
screen's bindings are refreshed: each focus change, each ``refresh_bindings()``, whether or not
a key or its label changed. Profiling the TUI found those rebuilds to be most of the CPU a
keypress costs. This Footer keeps what it last showed and skips the rebuild when nothing it
shows differs; it shows exactly what Textual's Footer shows.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """A Footer that recomposes only when the shown bindings change."""

    _shown: Hashable | None = None

    def _showing(self) -> Hashable:
        """What ``compose`` reads: the active bindings (a Binding is frozen), enabled or not."""
        return (self._bindings_ready, self.compact, self.show_command_palette,
                tuple((binding, enabled, tooltip) for _node, binding, enabled, tooltip
                      in self.screen.active_bindings.values()))

    def compose(self) -> ComposeResult:
        self._shown = self._showing()
        return super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (self._bindings_ready and screen.app.app_focus and self.is_attached
                and screen is self.screen and self._showing() == self._shown):
            return  # the same keys as shown: nothing to rebuild
        super().bindings_changed(screen)
