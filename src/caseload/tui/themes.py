"""The config's ``theme``, checked before the app starts: by ``caseload open`` and ``demo``
before the terminal is taken over, and by ``caseload serve`` before it listens (each browser
tab runs ``caseload open``, which would otherwise show the error in every tab)."""

from __future__ import annotations


def check_theme(theme: object, path: object) -> None:
    """The config's ``theme`` (read from ``path``) is None or one of Textual's themes; else a
    ConfigError naming the setting and the file (an unknown one ended the app with an
    "unexpected InvalidThemeError" that named neither)."""
    if theme is None:
        return
    from textual.theme import BUILTIN_THEMES

    from caseload.config import ConfigError

    if not isinstance(theme, str) or theme not in BUILTIN_THEMES:
        raise ConfigError(f"{path}: theme {theme!r} is not a Textual theme (one of: "
                          f"{', '.join(sorted(BUILTIN_THEMES))})")
