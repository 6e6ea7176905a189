"""``caseload notes add|list|export`` and ``caseload audit``: notes from the command line.

Wiring (in ``caseload.cli``)::

    from caseload import notes_cli
    notes_cli.add_commands(sub, lambda p: _globals(p, suppress=True))
    ...
    if args.command in notes_cli.COMMANDS:
        return notes_cli.run(args, engine, config, reader=repo_or_None)

Each handler takes ``(args, engine, config, reader=None)`` and returns an exit code. The
``reader`` (a ``CaseloadReader``, e.g. ``caseload.store.repository.Repository``) gives the
PDF its flags, grades and attendance; without one, :func:`default_reader` builds the
Repository when it exists. Heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from typing import Any, TextIO

from caseload.domain.notes import NoteType

EXIT_OK = 0
EXIT_ERROR = 1

COMMANDS = ("notes", "audit")
EXPORT_FORMATS = ("md", "csv", "json", "pdf")

Handler = Callable[..., int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _note_type(text: str) -> str:
    try:
        return NoteType.parse(text).value
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(
    subparsers: Any, add_globals: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add ``notes`` (with ``add``, ``list``, ``export``) and ``audit`` to ``subparsers``.

    ``add_globals(parser)`` adds the global options (``--db``, ``--config``) to each parser.
    Each leaf parser sets ``notes_handler``; :func:`run` calls it.
    """
    types = ", ".join(t.value for t in NoteType)

    notes = subparsers.add_parser(
        "notes", help="intervention notes: add, list, export",
        description="Intervention notes: add, list, export.",
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
    p.add_argument("--date", type=_date, metavar="DATE", help="contact date (default: today)")
    p.add_argument("--follow-up", type=_date, metavar="DATE", help="follow-up date")
    p.add_argument("--flag", action="append", default=[], metavar="CODE",
                   help="a flag code the note addresses (repeatable), e.g. LOW_GRADE")
    p.add_argument("--class", dest="class_id", metavar="ID", help="the class the note is about")
    p.add_argument("--author", metavar="ID", help="author (default: the config's `me`)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="what to print about the saved note")
    p.set_defaults(notes_handler=cmd_notes_add)

    p = actions.add_parser("list", help="list notes", description="List intervention notes.")
    add_globals(p)
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--student", metavar="ID", help="one student's notes")
    scope.add_argument("--counselor", metavar="ID|all",
                       help="notes on a counselor's caseload, or all (default: `me`, else all)")
    p.add_argument("--since", type=_date, metavar="DATE", help="contact date on or after")
    p.add_argument("--until", type=_date, metavar="DATE", help="contact date on or before")
    p.add_argument("--include-deleted", action="store_true", help="also deleted notes")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(notes_handler=cmd_notes_list)

    p = actions.add_parser(
        "export", help="export notes to md, csv, json or a PDF student summary",
        description="Export notes (owner-only file; recorded in the audit log).",
    )
    add_globals(p)
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--student", metavar="ID", help="one student")
    scope.add_argument("--counselor", metavar="ID|all",
                       help="a counselor's caseload, or all (default: `me`, else all)")
    p.add_argument("--since", type=_date, metavar="DATE", help="contact date on or after")
    p.add_argument("--until", type=_date, metavar="DATE", help="contact date on or before")
    p.add_argument("--as-of", type=_date, metavar="DATE",
                   help="as-of date for the PDF's flags, grades, attendance (default: today)")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    p.set_defaults(notes_handler=cmd_notes_export)

    p = subparsers.add_parser("audit", help="list the audit log (exports)",
                              description="List the audit log: who exported what, when, where.")
    add_globals(p)
    p.add_argument("--limit", type=int, metavar="N", help="newest N entries")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(notes_handler=cmd_audit)


def run(args: argparse.Namespace, engine: Any, config: Any, reader: Any = None) -> int:
    """Dispatch a parsed ``notes ...`` or ``audit`` command."""
    handler: Handler = args.notes_handler
    return handler(args, engine, config, reader=reader)


# --- helpers ---------------------------------------------------------------------------


def _err(message: str) -> None:
    print(f"caseload: error: {message}", file=sys.stderr)


def _me(config: Any) -> str | None:
    me = getattr(config, "me", None)
    return me if isinstance(me, str) and me.strip() else None


def _who(args: argparse.Namespace, config: Any) -> tuple[str | None, str | None]:
    """(student, counselor) scope: --student, else --counselor (``all``: None), else ``me``."""
    student = getattr(args, "student", None)
    if student:
        return student, None
    counselor = getattr(args, "counselor", None)
    if counselor is None:
        counselor = _me(config)
    if counselor in (None, "all"):
        return None, None
    return None, counselor


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


def _table(rows: list[list[str]], header: list[str], out: TextIO) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def default_reader(engine: Any, config: Any) -> Any:
    """The cache's CaseloadReader (``caseload.store.repository.Repository``), if available."""
    try:
        from caseload.store.repository import Repository
    except ImportError:
        return None
    thresholds = getattr(config, "thresholds", None) or {}
    try:
        return Repository(engine, thresholds=thresholds)
    except TypeError:
        return Repository(engine)


# --- handlers --------------------------------------------------------------------------


def cmd_notes_add(args: argparse.Namespace, engine: Any, config: Any, reader: Any = None) -> int:
    from caseload.store.notes import NotesStore

    text = args.text
    if text == "-":
        text = sys.stdin.read()
    author = args.author or _me(config) or "unknown"
    store = NotesStore(engine)
    try:
        note = store.add(
            student_id=args.student,
            author_id=author,
            type=args.type,
            text=text,
            contact_date=args.date,
            flags=args.flag,
            class_id=args.class_id,
            follow_up=args.follow_up,
        )
    except ValueError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if getattr(args, "format", "text") == "json":
        _print_json(note.to_json(), sys.stdout)
    else:
        print(f"Added note {note.id} for {_terminal(note.student_id)} "
              f"({note.type.words}, {note.contact_date.isoformat()}).")
    return EXIT_OK


def cmd_notes_list(args: argparse.Namespace, engine: Any, config: Any, reader: Any = None) -> int:
    from caseload.store.notes import NotesStore

    store = NotesStore(engine)
    student, counselor = _who(args, config)
    notes = store.list(
        student_id=student,
        counselor_id=counselor,
        since=args.since,
        until=args.until,
        include_deleted=args.include_deleted,
    )
    if args.format == "json":
        _print_json([n.to_json() for n in notes], sys.stdout)
        return EXIT_OK
    if not notes:
        print("No notes.")
        return EXIT_OK
    names = store.student_labels({n.student_id for n in notes})
    rows = []
    for n in notes:
        status = n.status.value + (" (deleted)" if n.deleted else "")
        rows.append([
            str(n.id),
            n.contact_date.isoformat(),
            _terminal(names.get(n.student_id, (n.student_id, None))[0], 24),
            n.type.words,
            status,
            n.follow_up.isoformat() if n.follow_up else "",
            _terminal(",".join(n.flags), 24),
            _terminal(n.text, 50),
        ])
    _table(rows, ["ID", "DATE", "STUDENT", "TYPE", "STATUS", "FOLLOW-UP", "FLAGS", "TEXT"],
           sys.stdout)
    return EXIT_OK


def cmd_notes_export(
    args: argparse.Namespace, engine: Any, config: Any, reader: Any = None
) -> int:
    from caseload.export.notes_export import export_and_audit, gather, scope_label
    from caseload.store.notes import NotesStore

    store = NotesStore(engine)
    student, counselor = _who(args, config)
    if args.since and args.until and args.until < args.since:
        _err(f"--until {args.until} is before --since {args.since}")
        return EXIT_ERROR
    as_of = args.as_of or dt.date.today()
    notes, students, named = gather(
        store, student_id=student, counselor_id=counselor, since=args.since, until=args.until,
        fmt=args.format,
    )
    if student is not None and student not in named and not notes:
        _err(f"no student with id {student!r}")
        return EXIT_ERROR

    detail_for: Callable[[str], Any] | None = None
    class_detail_for: Callable[[str, str], Any] | None = None
    if args.format == "pdf":
        reader = reader if reader is not None else default_reader(engine, config)
        if reader is not None:
            found = reader

            def detail_for(sid: str) -> Any:
                return found.student(sid, as_of)

            def class_detail_for(sid: str, cid: str) -> Any:
                return found.class_detail(sid, cid, as_of)
        else:
            print("caseload: note: grades, attendance and flags are unavailable; the PDF "
                  "holds the notes only.", file=sys.stderr)
    titles = store.class_titles({n.class_id for n in notes if n.class_id})
    try:
        entry = export_and_audit(
            store,
            notes,
            args.format,
            args.output,
            actor=_me(config) or "unknown",
            scope=scope_label(student_id=student, counselor_id=counselor,
                              since=args.since, until=args.until),
            students=students,
            as_of=as_of,
            detail_for=detail_for,
            class_detail_for=class_detail_for,
            class_titles=titles,
            since=args.since,
            until=args.until,
        )
    except OSError as exc:
        _err(f"cannot write {args.output}: {exc.strerror or exc}")
        return EXIT_ERROR
    plural = "" if entry.count == 1 else "s"
    print(f"Exported {entry.count} note{plural} to {_terminal(entry.path)} "
          f"({args.format}, readable by you only).")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, engine: Any, config: Any, reader: Any = None) -> int:
    from caseload.store.notes import NotesStore

    entries = NotesStore(engine).audit(limit=args.limit)
    if args.format == "json":
        _print_json([e.to_json() for e in entries], sys.stdout)
        return EXIT_OK
    if not entries:
        print("The audit log is empty.")
        return EXIT_OK
    rows = [
        [
            e.at.astimezone().strftime("%Y-%m-%d %H:%M"),
            _terminal(e.actor, 20),
            e.action,
            _terminal(e.scope, 40),
            e.format,
            str(e.count),
            _terminal(e.path),
        ]
        for e in entries
    ]
    _table(rows, ["WHEN", "WHO", "ACTION", "SCOPE", "FORMAT", "COUNT", "PATH"], sys.stdout)
    return EXIT_OK
