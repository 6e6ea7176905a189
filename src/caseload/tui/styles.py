"""Rich styles for data cells, derived from the app's current Textual theme.

Widgets that draw ``rich.text.Text`` (the virtual table, the calendar, flag lists) take their
colours from here so both the light and the dark theme stay readable; they redraw when
``App.theme_changed_signal`` fires. Nothing in the TUI hard-codes a colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style

from caseload.domain.report import DayStatus, Severity

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

_CACHE: dict[str, dict[str, Style]] = {}


def unfollow_theme(node: DOMNode) -> None:
    """End ``node``'s subscriptions to ``App.theme_changed_signal``; call it from the
    ``on_unmount`` of every node that subscribes.

    Textual's ``Signal`` drops a gone subscriber only when it next publishes, and its callback
    holds the node: as themes rarely change, every screen and widget that subscribed stayed in
    memory with all it had drawn (each student -> class -> back left about 26,000 objects, and
    the collector's full passes grew with them, up to 0.3 s while opening a class)."""
    from caseload.tui.textual_fixes import app_of

    app = app_of(node)
    if app is not None:
        app.theme_changed_signal.unsubscribe(node)


def semantic_styles(app: App[object]) -> dict[str, Style]:
    """Styles by meaning: severities, day statuses, ``bad``/``warn``/``good``/``muted``."""
    key = app.theme
    styles = _CACHE.get(key)
    if styles is not None:
        return styles
    variables = app.theme_variables

    def color(name: str, fallback: str) -> str:
        value = variables.get(name, fallback)
        return value if value.startswith("#") and len(value) in (4, 7) else fallback

    error = color("text-error", "red")
    warning = color("text-warning", "yellow")
    success = color("text-success", "green")
    primary = color("text-primary", "blue")
    styles = {
        Severity.HIGH.value: Style(color=error, bold=True),
        Severity.MEDIUM.value: Style(color=warning),
        Severity.LOW.value: Style(color=primary),
        "bad": Style(color=error, bold=True),
        "warn": Style(color=warning),
        "good": Style(color=success),
        "info": Style(color=primary),
        "muted": Style(dim=True),
        "bold": Style(bold=True),
        DayStatus.PRESENT.value: Style(color=success),
        DayStatus.TARDY.value: Style(color=warning),
        DayStatus.EXCUSED.value: Style(color=primary),
        DayStatus.UNEXCUSED.value: Style(color=error, bold=True, reverse=True),
        DayStatus.NO_SCHOOL.value: Style(dim=True),
        DayStatus.NOT_ENROLLED.value: Style(dim=True),
    }
    _CACHE[key] = styles
    return styles
