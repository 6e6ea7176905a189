"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (new FooterKeys, their styles computed again) every time the
screen's bindings are refreshed: each focus change, each ``refresh_bindings()``, whether or not
a key or its label changed. Profiling the TUI found those rebuilds to be most of the CPU a
keypress costs. This Footer keeps what it last showed and skips the rebuild when nothing it
shows differs (also when a rebuild was already scheduled and has shown the new keys); it shows
exactly what Textual's Footer shows. Its keys are created already in the
Footer's compact style, so their styles are computed once (see ``compose``).

A screen may name keys the Footer shows only when there is room (``if_room``: binding ids
hidden from the Footer, most wanted first): each is shown, before the app's own keys (Quit,
Help), when it fits whole beside the others; a shown key the screen says elsewhere
(``gives_way``: the caseload's ``/ Filter``, whose box reads "/ filter by name or id") makes
room for the ones it names. Textual's Footer has no such priority: a key past the edge is cut.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence

from rich.cells import cell_len
from textual import events
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

# the palette key, docked right: its left border, "^p Palette" drawn compact, padding
PALETTE_EXTRA = 2


class Footer(TextualFooter):
    """A Footer that recomposes only when the shown bindings change (or, with ``if_room``
    keys, the width)."""

    _shown: Hashable | None = None

    def __init__(self, *, if_room: Sequence[str] = (),
                 gives_way: Mapping[str, Sequence[str]] | None = None,
                 id: str | None = None) -> None:
        """``gives_way``: a shown key's binding id -> the ``if_room`` ids it is left out for
        when one of them fits only without it."""
        super().__init__(id=id)
        self.if_room = tuple(if_room)
        self.gives_way = {key: tuple(ids) for key, ids in (gives_way or {}).items()}

    def _showing(self) -> Hashable:
        """What ``compose`` reads: the active bindings (a Binding is frozen), enabled or not,
        and the width when some keys are shown only if they fit."""
        return (self._bindings_ready, self.compact, self.show_command_palette,
                self.size.width if self.if_room else None,
                tuple((binding, enabled, tooltip) for _node, binding, enabled, tooltip
                      in self.screen.active_bindings.values()))

    def on_resize(self, event: events.Resize) -> None:
        if self.if_room and self._shown is not None and self._showing() != self._shown:
            self.call_after_refresh(self.recompose)

    def key_width(self, key_display: str, description: str) -> int:
        """The cells a key takes, as Textual's Footer CSS lays it out."""
        text = cell_len(key_display) + (cell_len(description) + 1 if description else 0)
        return text + (1 if self.compact else 2)  # compact: a margin; else the key's padding

    def compose(self) -> Iterator[Widget]:
        self._shown = self._showing()
        widgets = list(super().compose())
        if self.if_room and self._bindings_ready:
            widgets = self.fit(widgets)
        for widget in widgets:
            if isinstance(widget, FooterKey) and "compact" in (widget._reactive_connect or {}):
                # A FooterKey starts compact (its reactive's default) and its watcher toggles
                # the class, then its data binding to this Footer toggles it back: the key's
                # styles computed two or three times. Start a bound key as this Footer shows it
                # (the binding then changes nothing), so its styles are computed once. (The
                # palette key is not bound: it stays compact, as Textual draws it.)
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def fit(self, widgets: list[Widget]) -> list[Widget]:
        """``widgets`` (Textual's keys, the palette key last) with each ``if_room`` key that
        fits whole added before the app's keys, a ``gives_way`` key dropped for one that
        fits only without it."""
        active = self.screen.active_bindings
        by_id: dict[str, ActiveBinding] = {}
        for each in active.values():
            if each.binding.id:
                by_id.setdefault(each.binding.id, each)
        app_keys = {key for key, each in active.items() if each.node is self.app}
        keys = [w for w in widgets if isinstance(w, FooterKey)
                and not w.has_class("-command-palette")]
        room = self.size.width - sum(self.key_width(k.key_display, k.description)
                                     for k in keys) - sum(
            cell_len(w.key_display) + cell_len(w.description) + 1 + PALETTE_EXTRA
            for w in widgets if isinstance(w, FooterKey) and w.has_class("-command-palette"))
        giving = {by_id[shown].binding.key: ids for shown, ids in self.gives_way.items()
                  if shown in by_id}
        extras: list[Widget] = []
        for name in self.if_room:
            found = by_id.get(name)
            if found is None or found.binding.show:
                continue
            binding = found.binding
            display = self.app.get_key_display(binding)
            width = self.key_width(display, binding.description)
            yielding = [k for k in keys if name in giving.get(k.key, ()) and k in widgets]
            if width > room + sum(self.key_width(k.key_display, k.description)
                                  for k in yielding):
                continue  # does not fit, even without the keys that give way to it
            while width > room:
                gone = yielding.pop(0)
                widgets.remove(gone)
                room += self.key_width(gone.key_display, gone.description)
            extras.append(FooterKey(binding.key, display, binding.description, binding.action,
                                    disabled=not found.enabled, tooltip=found.tooltip)
                          .data_bind(compact=TextualFooter.compact))
            room -= width
        if not extras:
            return widgets
        at = next((i for i, w in enumerate(widgets) if isinstance(w, FooterKey)
                   and (w.key in app_keys or w.has_class("-command-palette"))), len(widgets))
        return widgets[:at] + extras + widgets[at:]

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
