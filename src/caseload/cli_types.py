"""Argument types of the CLI's options that need more than a built-in type (kept apart from
cli.py, which parses and prints only)."""

from __future__ import annotations

import argparse
import datetime as dt


def serve_port(text: str) -> int:
    """A TCP port, 1 to 65535 (70000 ended ``serve`` in "unexpected OverflowError")."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (a whole number, 1 to 65535)")
    return port


def public_url(text: str) -> str:
    """``serve --public-url``: http or https with a host, scheme and host in lower case (an
    upper-case ``HTTPS://`` made the page open a websocket its own policy blocks)."""
    from caseload.tui.serve import normal_public_url

    try:
        return normal_public_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# the forms a past-day option takes (:func:`past_date`; domain/notes.py's PAST_DATE_SYNTAX,
# said for the command line, where the day they count back from is today)
PAST_DAY_FORMS = ("YYYY-MM-DD, today, yesterday, -7d, -2w, or a weekday name or M/D (the last "
                  "one, on or before today)")


def past_date(text: str) -> dt.date:
    """A date option that names a past day (``notes list/export --since/--until/--as-of``,
    ``flags --as-of``, ``changes --since/--as-of``, ``notes effects --as-of``, ``open/serve
    --as-of``): :func:`caseload.domain.notes.parse_date` with ``past=True`` against today's
    local date, as the app's past-day fields read it: ``today``, ``yesterday``, ``-7d``,
    ``-2w``, a weekday name or ``M/D`` (the last such day on or before today) or
    ``YYYY-MM-DD``. ISO input reads exactly as ``datetime.date.fromisoformat`` does (the
    basic ``YYYYMMDD`` form too, which these options took before they took the other forms);
    the day must fall within the years caseload works with
    (:func:`caseload.domain.schooldays.out_of_range`). ``notes add --date/--follow-up`` read
    forward instead (issue 12), in ``caseload.notes_cli``."""
    from caseload.domain.notes import ImpossibleDate, parse_date
    from caseload.domain.schooldays import out_of_range
    from caseload.domain.text import CODE_ECHOED, given

    try:
        day = parse_date(text, dt.date.today(), past=True)
    except ImpossibleDate as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except ValueError:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{given(text, CODE_ECHOED)} is not a date (use {PAST_DAY_FORMS})") from None
    why = out_of_range(day)
    if why:
        raise argparse.ArgumentTypeError(why)
    return day


__all__ = ["PAST_DAY_FORMS", "past_date", "public_url", "serve_port"]
