"""``OverflowScroll``: a ``VerticalScroll`` of bounded height that joins the tab order only
while its content is taller than it (then tab reaches it and the arrows, page up/down, home and
end scroll it), so what it holds can be read whole by keyboard, and a box whose content fits
is never a stop on the way through the fields."""

from __future__ import annotations

from textual.containers import VerticalScroll


class OverflowScroll(VerticalScroll):
    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0
