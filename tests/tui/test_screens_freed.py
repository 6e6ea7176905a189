"""Screens a counselor leaves are freed: opening students and classes all day must not keep
every screen, chart and table ever shown (and all they drew) in memory, where the collector's
full passes grow with them until opening a class pauses for a third of a second."""

from __future__ import annotations

import gc
import weakref

from caseload.tui import textual_fixes
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.student import StudentScreen

from .conftest import settle, wait_until

SIZE = (100, 32)


async def test_student_and_class_screens_left_are_freed(make_app):
    app = make_app()
    left: list[weakref.ref[object]] = []
    async with app.run_test(size=SIZE) as pilot:

        async def enter(screen_type: type, keep: str) -> None:
            """Enter, wait for ``screen_type``, and note it and its ``keep`` widgets."""
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, screen_type),
                             what=screen_type.__name__)
            await settle(pilot)
            left.append(weakref.ref(app.screen))
            left.extend(weakref.ref(w) for w in app.screen.query(keep))

        await settle(pilot)
        for _ in range(3):
            await enter(StudentScreen, "Header")
            await enter(ClassScreen, "#chart, Header")
            await pilot.press("escape", "escape")
            await wait_until(pilot, lambda: len(app.screen_stack) == 1, what="back home")
            await settle(pilot)
        gc.collect()
        alive = [type(ref()).__name__ for ref in left if ref() is not None]
        # (each screen subscribed to the theme signal, which held it; each header watched
        # the app's title, which held it)
        assert alive == []


def test_the_styles_cache_work_around_holds_no_widget_render():
    """Textual's ``StylesCache.get_inner_outer`` is an ``lru_cache`` on a method, keyed by the
    cache object itself (issue 6665); once the app is made, it is replaced by one keyed on the
    colours alone, and gives the same styles."""
    from textual._styles_cache import StylesCache
    from textual.color import Color

    assert textual_fixes.apply()
    holder = StylesCache()
    ref = weakref.ref(holder)
    inner, outer = holder.get_inner_outer(Color(10, 20, 30), Color(200, 0, 0, 0.5))
    assert (inner, outer) == StylesCache().get_inner_outer(Color(10, 20, 30),
                                                           Color(200, 0, 0, 0.5))
    assert inner.background == Color(10, 20, 30) + Color(200, 0, 0, 0.5)
    assert outer.background == Color(10, 20, 30)
    del holder
    gc.collect()
    assert ref() is None
