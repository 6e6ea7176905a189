"""Keys bound the same way on several screens and widgets, made in one place.

A screen that reloads, writes a note or opens the follow-ups binds the same key to the same
action with the same Footer label (and Footer visibility) as every other screen that does;
only the binding id and the tooltip, which name the screen's own data, are its own. Tables
list their cursor keys as rows of :data:`Move` and bind them with :func:`hidden_keys`.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

# A key hidden from the Footer: keys, action, description, binding id suffix, tooltip.
Move = tuple[str, str, str, str, str]


def hidden_keys(scope: str, moves: Iterable[Move]) -> list[Binding]:
    """One Footer-hidden binding per row of ``moves``, its id ``{scope}.{suffix}``."""
    return [
        Binding(keys, action, description, show=False, id=f"{scope}.{name}", tooltip=tooltip)
        for keys, action, description, name, tooltip in moves
    ]


def reload_key(id: str, tooltip: str) -> Binding:
    """``r``: read what the screen shows again from the cache (hidden from the Footer)."""
    return Binding("r", "reload", "Reload", show=False, id=id, tooltip=tooltip)


def note_key(id: str, tooltip: str) -> Binding:
    """``n``: write a note about the student in view (shown in the Footer)."""
    return Binding("n", "write_note", "Note", id=id, tooltip=tooltip)


def follow_ups_key(id: str, tooltip: str) -> Binding:
    """``u``: open the notes whose follow-up is due (hidden from the Footer)."""
    return Binding("u", "follow_ups", "Follow-ups", show=False, id=id, tooltip=tooltip)


def export_key(id: str, tooltip: str) -> Binding:
    """``e``: export notes (hidden from the Footer)."""
    return Binding("e", "export_notes", "Export", show=False, id=id, tooltip=tooltip)


def back_key(keys: str, tooltip: str) -> Binding:
    """Go back to the screen before (the one ``nav.back`` binding every screen names so)."""
    return Binding(keys, "back", "Back", id="nav.back", tooltip=tooltip)


def done_key(id: str, action: str, what: str) -> Binding:
    """``d``: mark ``what`` (a follow-up, the note under the cursor) done through the
    DoneModal, which asks the outcome and offers the next follow-up date."""
    return Binding("d", action, "Done", id=id,
                   tooltip=f"Mark {what} done: asks the outcome and offers the next follow-up date")
