"""How the app ends on an error nothing handled (issue 13: no traceback ever reaches a user,
no message carries a note's text or any other row's values).

Textual ends an app on an unhandled exception by printing a Rich traceback with the locals of
every frame (``show_locals=True``) and the exception's message: a handler holding a note's
text, a student's name or a secret printed it on stderr as the app exited. The app says the
error's kind instead (a database failure in words, as the CLI says it), and
``CASELOAD_DEBUG=1`` gives Textual's full traceback, as it gives the CLI's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def exit_message(exc: BaseException | None) -> str:
    """What the app prints as it ends on ``exc``: its kind, never its text."""
    from caseload.db_errors import WITHHELD, is_database_error, user_message

    if exc is None:
        return f"caseload: error: the app stopped unexpectedly; {WITHHELD}"
    if is_database_error(exc):  # told in words (busy, read-only, disk full...) or by kind
        return f"caseload: error: {user_message(exc)}"
    return f"caseload: error: unexpected {type(exc).__name__}; {WITHHELD}"


def fatal_error(app: Any, textuals: Callable[[], None]) -> None:
    """``App._fatal_error`` (called while the exception is being handled): Textual's own
    (``textuals``) under ``CASELOAD_DEBUG``, else the bell, :func:`exit_message` and the
    app's exit."""
    if os.environ.get("CASELOAD_DEBUG"):
        textuals()
        return
    from rich.text import Text

    app.bell()
    exc = sys.exc_info()[1] or getattr(app, "_exception", None)  # (Textual keeps the first)
    app._exit_renderables.append(Text(exit_message(exc), end=""))
    app._close_messages_no_wait()
