"""A ``SelectionList`` whose boxes differ by glyph, not only by colour (issue 12).

Textual draws ``X`` in every box and tells checked from unchecked by colour alone: too faint in
some themes, and the same under NO_COLOR. Here an unchecked box is blank (``▐ ▌``) and a checked
one shows ``X`` (``▐X▌``), in every theme.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

V = TypeVar("V")


class CheckList(SelectionList[V]):
    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return line
        try:
            selection = self.get_option_at_index(round(self.scroll_offset.y) + y)
        except OptionDoesNotExist:
            return line
        if selection.value in self.selected:
            return line
        inner = segments[1]
        segments[1] = Segment(" " * len(inner.text), inner.style, inner.control)
        return Strip(segments, line.cell_length)
