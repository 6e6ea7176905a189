"""The title and subtitle a screen's Header shows whole when the terminal is narrow.

Textual's Header draws "title — subtitle" between its icon (8 cells) and the clock's space
(10), centred, and cuts the end with "…": at 60 columns the caseload's "as of 2026-11-20"
became "as of 2026-1…". A screen offers its titles from the fullest to the shortest; the
first that fits is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

HEADER_SIDES = 18  # Textual's Header: its icon (8 cells) and the clock's space (10)


def fitting_titles(width: int, choices: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The first ``(title, sub_title)`` of ``choices`` whole in a Header ``width`` wide
    (else the last, which the Header cuts)."""
    for title, sub_title in choices:
        if cell_len(f"{title} — {sub_title}") <= width - HEADER_SIDES:
            return title, sub_title
    return choices[-1]
