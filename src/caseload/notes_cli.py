"""``caseload notes add|list|export|effects|delete|restore`` and ``caseload audit`` from the
command line.

Wiring (in ``caseload.cli``)::

    from caseload import notes_cli
    notes_cli.add_commands(sub, lambda p: _globals(p, suppress=True))
    ...
    if args.command in notes_cli.COMMANDS:
        return notes_cli.run(args, open_workspace(args.db, args.config))

This module parses arguments and prints; the use cases are in ``caseload.services.notes`` and
``caseload.services.export`` (it imports neither SQLAlchemy, SQLModel nor ``caseload.store``).
Each handler takes ``(args, workspace, reader=None)`` and returns an exit code. The
``reader`` (a ``CaseloadReader``) gives the PDF its flags, grades and attendance; without
one, the export service builds the cache's Repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caseload.cli_types import PAST_DAY_FORMS, past_date
from caseload.domain.exports import ExportWriteError, extension
from caseload.domain.notes import (
    DATE_SYNTAX,
    NOT_UTF8,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteError,
    NoteType,
    days_after_words,
    is_utf8,
    parse_date,
)
from caseload.domain.rounding import round_half_up
from caseload.domain.text import CODE_ECHOED, ID_ECHOED, given, plural

if TYPE_CHECKING:
    from caseload.services.context import Workspace

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # (argparse's own code for a usage error)

COMMANDS = ("notes", "audit")
EXPORT_FORMATS = ("md", "csv", "json", "pdf")

Handler = Callable[..., int]


def _date(text: str) -> dt.date:
    """A date as a counselor types it (``today``, ``-1d``, ``fri``, ``3/14``, ISO...):
    :func:`caseload.domain.notes.parse_date` against today's local date, within the years
    caseload works with (:func:`caseload.domain.schooldays.out_of_range`)."""
    from caseload.domain.schooldays import out_of_range

    try:
        day = parse_date(text, dt.date.today())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    why = out_of_range(day)
    if why:
        raise argparse.ArgumentTypeError(why)
    return day


def _count(text: str) -> int:
    """A whole number of 1 or more (``--limit``: 0 would print "the log is empty")."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return n


def _note_type(text: str) -> str:
    try:
        return NoteType.parse(text).value
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _method(text: str) -> str:
    """``--method``: one of the contact methods (a ``type``, not argparse's ``choices``, whose
    "invalid choice" error repeats the value whole: it may be a note's text)."""
    return _choice(ContactMethod, "contact method", text)


def _outcome(text: str) -> str:
    """``--outcome``: one of the contact outcomes (as :func:`_method`)."""
    return _choice(ContactOutcome, "contact outcome", text)


def _choice(choices: type[ContactMethod] | type[ContactOutcome], what: str, text: str) -> str:
    if text in {c.value for c in choices}:
        return text
    valid = ", ".join(c.value for c in choices)
    raise argparse.ArgumentTypeError(
        f"unknown {what} {given(text, CODE_ECHOED)} (expected one of: {valid})")


def _author(text: str) -> str:
    """``--author``: an id, so at most :data:`~caseload.domain.text.ID_ECHOED` characters
    and no whitespace (a longer value may be a note's text typed in the wrong option; it
    would be stored as the author and shown in exports and the audit log)."""
    if len(text) > ID_ECHOED or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"{given(text)} is not an author id (at most {ID_ECHOED} characters, no spaces)")
    return text


def _flag_code(text: str) -> str:
    """A flag the note addresses: a kind of flag the rules raise (any case); else a usage
    error naming the codes, as ``--type`` and ``caseload flags --flag`` are."""
    from caseload.domain.report import FlagCode  # (not at --help: it imports the records)

    if not is_utf8(text):  # main's check refuses it, naming the option, never the value
        return text
    try:
        return FlagCode.parse(text).value
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_scope(p: argparse.ArgumentParser, student_help: str, counselor_help: str) -> None:
    """``--student`` or ``--counselor``, then ``--since`` and ``--until`` (notes list, export)."""
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--student", metavar="ID", help=student_help)
    scope.add_argument("--counselor", metavar="ID|all", help=counselor_help)
    p.add_argument("--since", type=past_date, metavar="DATE",
                   help=f"contact date on or after: {PAST_DAY_FORMS}; write a negative offset "
                        "as --since=-7d")
    p.add_argument("--until", type=past_date, metavar="DATE",
                   help="contact date on or before (the same forms)")


def add_commands(
    subparsers: Any, add_globals: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add ``notes`` (``add``, ``list``, ``export``, ``effects``, ``delete``, ``restore``) and
    ``audit``.

    ``add_globals(parser)`` adds the global options (``--db``, ``--config``) to each parser.
    Each leaf parser sets ``notes_handler``; :func:`run` calls it.
    """
    types = ", ".join(t.value for t in NoteType)

    notes = subparsers.add_parser(
        "notes", help="intervention notes: add, list, export, effects, delete, restore",
        description="Intervention notes: add, list, export, effects, delete, restore.",
    )
    add_globals(notes)
    actions = notes.add_subparsers(dest="notes_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="write a note for a student",
                           description="Write an intervention note for a student.")
    add_globals(p)
    p.add_argument("--student", required=True, metavar="ID", help="the student's sourcedId")
    p.add_argument("--type", required=True, type=_note_type, metavar="TYPE",
                   help=f"one of: {types}")
    p.add_argument("--text", required=True, help="the note ('-' reads it from stdin)")
    p.add_argument("--date", type=_date, metavar="DATE",
                   help=f"contact date (default: today): {DATE_SYNTAX}; write a negative "
                        "offset as --date=-1d")
    p.add_argument("--follow-up", type=_date, metavar="DATE",
                   help="follow-up date, e.g. +2w, fri, 3/14")
    p.add_argument("--method", type=_method, metavar="CODE",
                   help="how the contact was made: "
                        + ", ".join(m.value for m in ContactMethod))
    p.add_argument("--outcome", type=_outcome, metavar="CODE",
                   help="what came of it: " + ", ".join(o.value for o in ContactOutcome))
    p.add_argument("--flag", action="append", default=[], type=_flag_code, metavar="CODE",
                   help="a flag the note addresses, by its code, e.g. LOW_GRADE (repeatable; "
                        "a code the rules do not raise is refused with the list)")
    p.add_argument("--class", dest="class_id", metavar="ID",
                   help="the class the note is about: one the student is or was enrolled "
                        "in, or has gradebook scores in")
    p.add_argument("--author", type=_author, metavar="ID",
                   help="author (default: the config's `me`)")
    p.add_argument("--confidential", action="store_true",
                   help="only its author reads it (enforced on a shared PostgreSQL database)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="what to print about the saved note")
    p.set_defaults(notes_handler=cmd_notes_add)

    p = actions.add_parser("list", help="list notes", description="List intervention notes.")
    add_globals(p)
    _add_scope(p, "one student's notes",
               "notes on a counselor's caseload, or all (default: `me`, else all)")
    p.add_argument("--include-deleted", action="store_true", help="also deleted notes")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="json is recorded in the audit log, like an export")
    p.set_defaults(notes_handler=cmd_notes_list)

    p = actions.add_parser(
        "export", help="export notes to md, csv, json or a PDF student summary",
        description="Export notes (owner-only file; recorded in the audit log).",
    )
    add_globals(p)
    _add_scope(p, "one student", "a counselor's caseload, or all (default: `me`, else all)")
    p.add_argument("--as-of", type=past_date, metavar="DATE",
                   help="as-of date for the PDF's flags, grades, attendance (default: today); "
                        "the range ends there unless --until says otherwise")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--all-students", action="store_true",
                   help="PDF: a summary for every student in scope, not only those with notes")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    p.set_defaults(notes_handler=cmd_notes_export)

    p = actions.add_parser(
        "effects", help="attendance before and after each intervention note",
        description="Did it work? For each intervention note of a student (every type but "
                    "other): the attendance rate over the last N enrolled school days before "
                    "the note's date and the first N from it, up to the as-of date.",
    )
    add_globals(p)
    p.add_argument("--student", required=True, metavar="ID", help="the student's sourcedId")
    p.add_argument("--as-of", type=past_date, metavar="DATE", help="as-of date (default: today)")
    p.add_argument("--days", type=int, default=15, metavar="N",
                   help="school days before and after each note (default: 15)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(notes_handler=cmd_notes_effects)

    for name, verb, handler in (("delete", "Delete", cmd_notes_delete),
                                ("restore", "Restore a deleted", cmd_notes_restore)):
        p = actions.add_parser(
            name, help=f"{verb.lower()} a note" if name == "delete" else "undo a delete",
            description=f"{verb} note (a deleted note and its revisions stay in the cache; "
                        "`caseload notes restore ID` undoes a delete).",
        )
        add_globals(p)
        p.add_argument("note_id", type=int, metavar="ID", help="the note's id (notes list)")
        p.set_defaults(notes_handler=handler)

    p = subparsers.add_parser("audit", help="list the audit log (exports)",
                              description="List the audit log: who exported what, when, where.")
    add_globals(p)
    p.add_argument("--limit", type=_count, metavar="N", help="newest N entries (1 or more)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(notes_handler=cmd_audit)


def run(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    """Dispatch a parsed ``notes ...`` or ``audit`` command."""
    handler: Handler = args.notes_handler
    return handler(args, ws, reader=reader)


# --- helpers ---------------------------------------------------------------------------


def _err(message: str) -> None:
    print(f"caseload: error: {message}", file=sys.stderr)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _terminal(text: object, width: int | None = None) -> str:
    """One line, control characters shown as '?', cut to ``width``."""
    value = str(text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    value = _UNSAFE.sub("?", value.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
    if width is not None and len(value) > width:
        value = value[: max(0, width - 1)] + "…"
    return value


def _print_json(data: Any, out: TextIO) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    out.write(re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text))
    out.write("\n")
    out.flush()


def _table(rows: list[list[str]], header: list[str], out: TextIO) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def _scope(args: argparse.Namespace, ws: Workspace) -> Any:
    from caseload.services.notes import resolve_scope

    return resolve_scope(
        ws, student_id=getattr(args, "student", None), counselor=getattr(args, "counselor", None),
        since=getattr(args, "since", None), until=getattr(args, "until", None),
        include_deleted=getattr(args, "include_deleted", False),
    )


class _Progress:
    """``PDF: 12/40 student summaries`` on stderr, redrawn in place on a terminal."""

    def __init__(self, out: TextIO):
        self.out = out
        self.tty = out.isatty()
        self.shown = False

    def __call__(self, done: int, total: int, what: str) -> None:
        line = f"caseload: PDF: {done}/{total} {what}"
        if self.tty:
            self.out.write("\r" + line)
            if done >= total:
                self.out.write("\n")
        elif done == 1 or done >= total or done % 25 == 0:
            self.out.write(line + "\n")
        self.out.flush()
        self.shown = True


# --- handlers --------------------------------------------------------------------------


def cmd_notes_add(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    from caseload.services.notes import NewNote, add_note

    text = args.text
    if text == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError:  # a strict UTF-8 stdin; else the store refuses it
            _err(f"the note's text (standard input) {NOT_UTF8}")
            return EXIT_ERROR
    new = NewNote(
        student_id=args.student, type=NoteType(args.type), text=text, contact_date=args.date,
        follow_up=args.follow_up, flags=tuple(args.flag), class_id=args.class_id,
        author_id=args.author,
        method=ContactMethod(args.method) if args.method else None,
        outcome=ContactOutcome(args.outcome) if args.outcome else None,
        confidential=getattr(args, "confidential", False),
    )
    try:
        note = add_note(ws, new)
    except NoteError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if getattr(args, "format", "text") == "json":
        _print_json(note.to_json(), sys.stdout)
    else:
        print(f"Added note {note.id} for {_terminal(note.student_id)} "
              f"({note.type.words}, {note.contact_date.isoformat()}).")
    today = dt.date.today()
    if args.date is not None and args.date > today:  # saved as asked, but never silently
        print(f"caseload: warning: the contact date is {days_after_words(args.date, today)}: "
              "M/D and weekday names mean the next such day; for a past day type the date "
              "(YYYY-MM-DD) or an offset (--date=-4d)", file=sys.stderr)
    return EXIT_OK


def cmd_notes_list(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    from caseload.services.notes import list_notes, list_notes_audited

    scope = _scope(args, ws)
    try:
        scope.check_range()  # (refused before the audit log records a listing)
    except NoteError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if args.format == "json":
        def emit(notes: Sequence[Note]) -> None:
            _print_json([n.to_json() for n in notes], sys.stdout)

        list_notes_audited(ws, scope, fmt="json", emit=emit)
        return EXIT_OK
    listing = list_notes(ws, scope)
    if not listing.notes:
        print("No notes.")
        return EXIT_OK
    rows = []
    for n in listing.notes:
        marks = ", ".join(m for m, on in (("deleted", n.deleted),
                                          ("confidential", n.confidential)) if on)
        status = n.status.value + (f" ({marks})" if marks else "")  # (as the exports mark it)
        rows.append([
            str(n.id),
            n.contact_date.isoformat(),
            _terminal(listing.name(n.student_id), 24),
            n.type.words,
            n.method.words if n.method else "",
            n.outcome.words if n.outcome else "",
            status,
            n.follow_up.isoformat() if n.follow_up else "",
            _terminal(",".join(n.flags), 24),
            _terminal(n.text, 50),
        ])
    _table(rows, ["ID", "DATE", "STUDENT", "TYPE", "METHOD", "OUTCOME", "STATUS", "FOLLOW-UP",
                  "FLAGS", "TEXT"], sys.stdout)
    return EXIT_OK


def cmd_notes_export(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    from caseload.services.export import ExportFormat, ExportRequest, export_notes

    if args.output == "-":  # (an export is a file: owner-only and audited, never stdout)
        _err("-o - would be a file named '-': give a file name")
        return EXIT_USAGE
    ext = extension(args.output)
    if ext in EXPORT_FORMATS and ext != args.format:  # (the name would say another format)
        _err(f"argument -o/--output: {_terminal(args.output)} ends in .{ext}, another format "
             f"than --format {args.format}: change one of them (nothing was written)")
        return EXIT_USAGE
    request = ExportRequest(
        format=ExportFormat(args.format), path=Path(args.output).expanduser(),
        scope=_scope(args, ws), as_of=args.as_of,
        all_students=getattr(args, "all_students", False),
    )
    progress = _Progress(sys.stderr) if request.format is ExportFormat.PDF else None
    try:
        result = export_notes(ws, request, reader=reader, progress=progress)
    except NoteError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except ExportWriteError as exc:  # said in words: the folder is missing, it is a folder…
        _err(f"not exported: {_terminal(exc)} (the audit log says failed)")
        return EXIT_ERROR
    except OSError as exc:
        _err(f"cannot write {args.output}: {exc.strerror or exc} (the audit log says failed)")
        return EXIT_ERROR
    if result.reader_missing:
        print("caseload: note: grades, attendance and flags are unavailable; the PDF "
              "holds the notes only.", file=sys.stderr)
    entry = result.entry
    plural = "" if entry.count == 1 else "s"
    print(f"Exported {entry.count} note{plural} to {_terminal(entry.path)} "
          f"({args.format}, readable by you only){result.notice}.")
    return EXIT_OK


def _note_action(args: argparse.Namespace, ws: Workspace, restore: bool) -> int:
    from caseload.services.notes import delete_note, get_note, restore_note

    try:
        before = get_note(ws, args.note_id)
        # (asked even when nothing is to do: only its author may change it, and the store
        # says so; an unchanged note gets no new revision there)
        note = (restore_note if restore else delete_note)(ws, args.note_id)
    except NoteError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if before.deleted != restore:  # nothing to do: said, not reported as done
        state = "not deleted" if restore else "already deleted"
        print(f"note {before.id} is {state}; nothing changed.")
        return EXIT_OK
    if restore:
        print(f"Restored note {note.id} for {_terminal(note.student_id)}.")
    else:
        print(f"Deleted note {note.id} for {_terminal(note.student_id)} "
              f"(`caseload notes restore {note.id}` undoes this).")
    return EXIT_OK


def cmd_notes_delete(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    return _note_action(args, ws, restore=False)


def cmd_notes_restore(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    return _note_action(args, ws, restore=True)


def cmd_notes_effects(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    """Parse, call the effects use case (``caseload.services.effects``), print."""
    from caseload.services.effects import EffectsError, note_effects
    from caseload.services.flags import StudentNotFound

    try:
        found = note_effects(ws, args.student, as_of=args.as_of, days=args.days)
    except (StudentNotFound, EffectsError) as exc:
        _err(str(exc))
        return EXIT_ERROR
    if args.format == "json":
        _print_json([e.to_json() for e in found], sys.stdout)
        return EXIT_OK
    if not found:
        print("No intervention notes.")
        return EXIT_OK

    def cell(rate: float | None, days: int) -> str:
        return "—" if rate is None else f"{round_half_up(rate):.1f}% of {plural(days, 'day')}"

    _table(
        [[str(e.note), e.date.isoformat(), e.type.value,
          cell(e.attendance_before, e.days_before), cell(e.attendance_after, e.days_after)]
         for e in found],
        ["note", "date", "type", "before", "after"],
        sys.stdout,
    )
    return EXIT_OK


def _local_time(at: dt.datetime) -> str:
    """``2026-12-05 16:18 EST``: the audit table's WHEN, in local time with its zone (the
    JSON's ``at`` is UTC), so a time is never read in the wrong zone."""
    local = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


def cmd_audit(args: argparse.Namespace, ws: Workspace, reader: Any = None) -> int:
    from caseload.services.notes import audit_log

    entries = audit_log(ws, limit=args.limit)
    if args.format == "json":
        _print_json([e.to_json() for e in entries], sys.stdout)
        return EXIT_OK
    if not entries:
        print("The audit log is empty.")
        return EXIT_OK
    rows = [
        [
            _local_time(e.at),
            _terminal(e.actor, 20),
            e.action,
            _terminal(e.scope, 40),
            e.format,
            str(e.count),
            e.status.value,
            _terminal(e.path),
        ]
        for e in entries
    ]
    _table(rows, ["WHEN", "WHO", "ACTION", "SCOPE", "FORMAT", "COUNT", "STATUS", "PATH"],
           sys.stdout)
    return EXIT_OK
