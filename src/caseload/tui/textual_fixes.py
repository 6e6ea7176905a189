"""Work-arounds for Textual bugs that the app would otherwise suffer, each applied once and only
while the bug is there.

``StylesCache.get_inner_outer`` (Textual 8.2.8, upstream issue
https://github.com/Textualize/textual/issues/6665, open): the method is wrapped in
``functools.lru_cache(1024)`` as if it were a classmethod, so the cache's keys hold the
``StylesCache`` itself, one per widget ever rendered, and with it every line that widget last
rendered. A counselor opening students and classes all day keeps the last 1,024 widgets'
renders alive (about 26,000 objects for each student -> class -> back in the sample school),
and the collector's full passes grow with them: 100-280 ms pauses, enough to take opening a
class screen from about 90 ms to 250 ms. The colours are all the method reads; the fix caches
on them alone, so no widget is held.

``Header`` (Textual 8.2.8): a header watches the app's ``title`` and ``sub_title``, and Textual
drops a watcher only when the watched value next changes, which in this app it seldom does:
every screen's header stayed alive after its screen closed (two per student -> class -> back,
about 5,800 objects with what they drew). The screens use this module's ``Header``, which
removes its own watchers from the app when it is unmounted.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from textual.widgets import Header as _TextualHeader

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

_applied = False


def drop_watchers(obj: object, node: object, names: tuple[str, ...]) -> None:
    """Remove ``node``'s watchers of ``obj``'s reactives ``names`` (Textual keeps them in the
    object's ``__watchers``: (node, callback) lists by name, pruned only on a change)."""
    watchers = getattr(obj, "__watchers", None)
    if not isinstance(watchers, dict):
        return
    for name in names:
        listed = watchers.get(name)
        if listed:
            listed[:] = [(n, callback) for n, callback in listed if n is not node]


def app_of(node: DOMNode) -> App[object] | None:
    """``node.app``, or None once there is no app (shut down: nothing holds the node then)."""
    from textual._context import NoActiveAppError

    try:
        return node.app
    except NoActiveAppError:
        return None


class Header(_TextualHeader):
    """Textual's ``Header``, which lets go of the app when it is unmounted."""

    def on_unmount(self) -> None:
        app = app_of(self)
        if app is not None:
            drop_watchers(app, self, ("title", "sub_title"))


@functools.lru_cache(1024)
def _inner_outer(base_background: Any, background: Any) -> tuple[Any, Any]:
    from textual.style import Style  # what the method builds (not rich's Style)

    return (
        Style(background=base_background + background),
        Style(background=base_background),
    )


def _get_inner_outer(_self: object, base_background: Any, background: Any) -> tuple[Any, Any]:
    return _inner_outer(base_background, background)


def apply() -> bool:
    """Apply the work-arounds this Textual needs; True when one was applied (now or before).

    Each is applied only when the bug's shape is there (the method is an ``lru_cache``
    wrapper), so a Textual that fixes it is left alone."""
    global _applied
    if _applied:
        return True
    from textual._styles_cache import StylesCache

    current = StylesCache.__dict__.get("get_inner_outer")
    if current is None or not hasattr(current, "cache_clear"):
        return False
    current.cache_clear()  # let go of what it holds already
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[assignment,method-assign]
    _applied = True
    return True


__all__ = ["Header", "app_of", "apply", "drop_watchers"]
