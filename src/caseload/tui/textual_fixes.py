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

A mount while being removed (``pruned_mount``; Textual 8.2.8): when a screen is removed while
it recomposes (the counselor quits just as a slow student screen's data arrives), Textual
prunes the new widgets' children first and their ``Mount`` handlers run after: ``Tabs`` then
raised ``ValueError`` (no tab with its initial id) and ``Header`` ``NoMatches`` (no
``HeaderTitle``), and the app ended on a traceback. ``apply()`` wraps both ``_on_mount``
handlers so that they do nothing for a widget being removed (``_pruning``).
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


def _skip_pruned_mount(cls: type) -> bool:
    """Make ``cls._on_mount`` do nothing for a widget being removed (``pruned_mount``);
    False when it has no such handler or it is wrapped already."""
    original = cls.__dict__.get("_on_mount")
    if original is None or getattr(original, "_caseload_pruned", False):
        return False

    @functools.wraps(original)
    def _on_mount(self: Any, event: Any) -> Any:
        if self._pruning:
            return None
        return original(self, event)

    _on_mount._caseload_pruned = True  # type: ignore[attr-defined]
    cls._on_mount = _on_mount  # type: ignore[attr-defined]
    return True


def apply() -> bool:
    """Apply the work-arounds this Textual needs; True when one was applied (now or before).

    The ``StylesCache`` one is applied only when the bug's shape is there (the method is an
    ``lru_cache`` wrapper), so a Textual that fixes it is left alone; the ``Tabs`` and
    ``Header`` ones only change what a widget being removed does."""
    global _applied
    if _applied:
        return True
    from textual.widgets._tabs import Tabs

    for widget in (Tabs, _TextualHeader):
        _skip_pruned_mount(widget)
    from textual._styles_cache import StylesCache

    current = StylesCache.__dict__.get("get_inner_outer")
    if current is None or not hasattr(current, "cache_clear"):
        return False
    current.cache_clear()  # let go of what it holds already
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[assignment,method-assign]
    _applied = True
    return True


__all__ = ["Header", "app_of", "apply", "drop_watchers"]
