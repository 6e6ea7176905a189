"""The ``caseload`` command line.

Global options come before the command: ``caseload [--db URL] [--config PATH] COMMAND ...``
(they are accepted after it too). Bare ``caseload`` opens the app. Heavy modules (Textual,
SQLAlchemy) are imported inside the commands that need them so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

from caseload.cli_types import PAST_DAY_FORMS, past_date, public_url, serve_port

EXIT_OK = 0
EXIT_ERROR = 1


_AS_OF_HELP = f"as-of date (default: today): {PAST_DAY_FORMS}"


def _flag_code(text: str) -> str:
    """A flag's JSON code (``TRUANCY``); any case."""
    from caseload.domain.report import FlagCode
    from caseload.domain.text import CODE_ECHOED, given

    code = text.strip().upper()
    if code not in FlagCode.__members__.values():
        known = ", ".join(c.value for c in FlagCode)
        raise argparse.ArgumentTypeError(
            f"{given(text, CODE_ECHOED)} is not a flag code (one of {known})")
    return code


def _globals(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    p.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="database URL or SQLite path (default: $CASELOAD_DB, else the user data dir)",
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $CASELOAD_CONFIG, else the user config dir)",
    )


def version() -> str:
    """The installed distribution's version, else the package's own (a bare checkout)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("caseload")
    except PackageNotFoundError:
        from caseload import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        print(f"caseload {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseload",
        description="Early-warning triage for school counselors, from OneRoster and Ed-Fi data.",
    )
    _globals(parser, suppress=False)
    parser.add_argument(
        "--version", action=_VersionAction, nargs=0, help="print the version and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _globals(p, suppress=True)
        return p

    p = command("open", "open the app (the default command)")
    p.add_argument("--counselor", metavar="ID", help="whose caseload (default: the config's `me`)")
    p.add_argument("--as-of", type=past_date, metavar="DATE", help=_AS_OF_HELP)

    p = command("import", "load a OneRoster CSV folder/.zip or an Ed-Fi XML folder/.zip into "
                "the cache")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="load the valid rows and write the rejected ones to a rejects file",
    )
    p.add_argument(
        "--rejects",
        type=Path,
        metavar="FILE",
        help="where --skip-invalid writes rejected rows (default: ./caseload-rejects-<time>.csv)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="read and check everything, write nothing: print what would be loaded, rejected "
        "and missing (exit 0 if it would import, 1 if it would be refused)",
    )

    p = command("demo", "load the bundled sample school into a separate demo database and open it")
    p.add_argument("--no-open", action="store_true", help="prepare the demo database only")

    p = command("serve", "serve the app to a web browser (textual-serve), behind a token")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only)")
    p.add_argument("--port", type=serve_port, default=8000,
                   help="port to listen on, 1 to 65535 (default: 8000)")
    p.add_argument("--public-url", metavar="URL", type=public_url,
                   help="the address browsers use, with any reverse proxy's path prefix "
                        "(e.g. https://district.example/caseload); default http://HOST:PORT")
    p.add_argument("--counselor", metavar="ID", help="whose caseload (default: the config's `me`)")
    p.add_argument("--as-of", type=past_date, metavar="DATE", help=_AS_OF_HELP)

    p = command("flags", "early-warning flags and metrics per student")
    p.add_argument("--as-of", type=past_date, metavar="DATE", help=_AS_OF_HELP)
    p.add_argument("--counselor", metavar="ID|all", help="one counselor's caseload, or all")
    p.add_argument("--student", metavar="ID", help="one student")
    p.add_argument("--search", metavar="TEXT",
                   help="only students whose name, id or student number matches, as the "
                        "caseload screen's / filter does (accents and case ignored)")
    p.add_argument("--flag", action="append", type=_flag_code, metavar="CODE",
                   help="only students with this flag (its JSON code, e.g. TRUANCY); "
                        "repeat for any of several")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")

    p = command("changes", "what changed per student since a date: new and cleared flags, "
                "grade drops, absences, follow-ups due (docs/CHANGES.md)")
    p.add_argument("--since", type=past_date, metavar="DATE", required=True,
                   help=f"compare the flags at this date with those at --as-of: "
                        f"{PAST_DAY_FORMS}; write a negative offset as --since=-7d")
    p.add_argument("--as-of", type=past_date, metavar="DATE", help=_AS_OF_HELP)
    p.add_argument("--counselor", metavar="ID|all", help="one counselor's caseload, or all "
                   "(default: the config's `me`, else all)")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = command("sync", "bring the cache up to date from configured API sources (docs/SYNC.md)")
    p.add_argument("name", nargs="?", metavar="NAME", help="a [sources.NAME] (default: all)")
    p.add_argument("--full", action="store_true", help="fetch everything, not only changes")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="load the valid records and write the rejected ones to a rejects file",
    )
    p.add_argument("--rejects", type=Path, metavar="FILE", help="where --skip-invalid writes")

    p = command("login", "store a source's client secret (or a header value) in the OS keyring")
    p.add_argument("name", metavar="NAME", help="a [sources.NAME]")
    p.add_argument("--header", metavar="HEADER", help="store this extra header's value instead")

    from caseload import notes_cli

    notes_cli.add_commands(sub, lambda p: _globals(p, suppress=True))
    from caseload import admin_cli

    admin_cli.add_commands(sub, lambda p: _globals(p, suppress=True))
    return parser


# --- helpers ---------------------------------------------------------------------------


def _err(message: str) -> None:
    print(f"caseload: error: {message}", file=sys.stderr)


def _wait_note(message: str) -> None:
    print(f"caseload: {message}", file=sys.stderr, flush=True)


def _progress_bar(label_width: int) -> Any:
    """A started rich progress bar on stderr (label, bar, done/total), gone when stopped."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn(f"{{task.description:>{label_width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.start()
    return bar


class _DelayedProgress:
    """A progress bar on stderr that appears only once an import has run for a second."""

    def __init__(self, delay: float = 1.0):
        self.start = time.monotonic()
        self.delay = delay
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, entity: str, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.start < self.delay or not sys.stderr.isatty():
                return
            self.progress = _progress_bar(18)
        task = self.tasks.get(entity)
        if task is None:
            task = self.tasks[entity] = self.progress.add_task(entity, total=total)
        self.progress.update(task, completed=done)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def write_rejects(path: Path, rejects: list[Any]) -> None:
    """Rejected rows with the reason: a new owner-only file (see services/importing.py)."""
    from caseload.services.importing import write_rejects as write

    write(path, rejects)


def refresh_facts(
    engine: Any, config: Any = None, also_as_of: dt.date | str | None = None
) -> None:
    """Rebuild the analytics after new data: :func:`caseload.services.facts.refresh_facts`."""
    from caseload.services.facts import refresh_facts as refresh

    refresh(engine, config, also_as_of)


def run_import(
    engine: Any,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    quiet: bool = False,
    config: Any = None,
    progress_delay: float = 1.0,
    on_step: Any = None,
) -> dict[str, Any]:
    """Import ``path`` into ``engine`` (services/importing.py); print the summary unless
    ``quiet``. ``on_step`` (the demo's) is told each phase as it starts; the progress bar
    shows after ``progress_delay`` seconds on a terminal. Returns the counts, deletions,
    rejects and as-of date as a dict."""
    from caseload.services.importing import import_into

    progress = _DelayedProgress(progress_delay)

    def step(message: str) -> None:  # the bar goes before a step's line is printed
        progress.stop()
        on_step(message)

    try:
        summary = import_into(
            engine, path, config=config, skip_invalid=skip_invalid,
            rejects_path=rejects_path, progress=progress, on_step=step if on_step else None,
        )
    finally:
        progress.stop()
    if not quiet:
        print("\n".join(summary.lines()))
    result: dict[str, Any] = {
        "counts": summary.counts,
        "deleted": summary.deleted,
        "rejected": len(summary.rejects),
        "as_of": summary.as_of,
        "notices": summary.notices,
    }
    if summary.rejects_file is not None:
        result["rejects_file"] = str(summary.rejects_file)
    return result


# --- commands --------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    """``caseload import PATH [--skip-invalid] [--rejects FILE] [--check]``.

    Exit 0: imported (or, with --check, would import). Exit 1: refused, nothing imported
    (with --check: would be refused), or the rejects file could not be written safely."""
    from caseload.services import importing
    from caseload.services.context import new_sqlite_file, open_workspace, remove_new_cache
    from caseload.services.facts import check_refresh_workers
    from caseload.sources.dataset import SourceError

    if not args.check:  # (--check refreshes nothing: the variable does not concern it)
        check_refresh_workers()  # a bad $CASELOAD_REFRESH_WORKERS: refused before the cache opens
    if args.rejects is not None and not (args.skip_invalid and not args.check):
        why = "--check writes no rejects file" if args.check else "it goes with --skip-invalid"
        _wait_note(f"note: --rejects is not used ({why})")
    new = None if args.check else new_sqlite_file(args.db)
    ws = open_workspace(args.db, args.config, create=not args.check)
    if args.check:
        report = importing.check_path(ws, args.path, skip_invalid=args.skip_invalid)
        print("\n".join(report.lines()))
        return EXIT_OK if report.would_import else EXIT_ERROR
    progress = _DelayedProgress()
    try:
        summary = importing.import_path(
            ws, args.path, skip_invalid=args.skip_invalid, rejects_path=args.rejects,
            progress=progress, on_wait=_wait_note,
        )
    except SourceError as exc:
        progress.stop()
        message = importing.printable(exc.describe())
        if new is not None:  # (no empty cache is left where there was none)
            remove_new_cache(ws, new)
        hint = "\n(--skip-invalid would reject bad rows instead: try it with --check first)"
        _err(f"{message}\nNothing was imported; the cache is unchanged."
             + (hint if exc.skippable and not args.skip_invalid else ""))
        return EXIT_ERROR
    except importing.RejectsFileError as exc:
        progress.stop()
        if new is not None and not exc.imported:
            remove_new_cache(ws, new)
        _err(str(exc) if exc.imported else f"{exc}\nNothing was imported; the cache is unchanged.")
        return EXIT_ERROR
    progress.stop()
    print("\n".join(summary.lines()))
    return EXIT_OK


class _SyncProgress:
    """A progress bar per resource on stderr (rich, when stderr is a terminal); else quiet
    (the summary lists the counts)."""

    def __init__(self) -> None:
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}
        if sys.stderr.isatty():
            try:
                self.progress = _progress_bar(26)
            except ImportError:  # pragma: no cover - rich comes with textual
                return

    def __call__(self, resource: str, done: int, total: int | None) -> None:
        if self.progress is None:
            return
        task = self.tasks.get(resource)
        if task is None:
            task = self.tasks[resource] = self.progress.add_task(resource, total=total)
        self.progress.update(task, completed=done, total=total)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def run_sync(
    engine: Any,
    name: str,
    source_cfg: dict[str, Any],
    *,
    full: bool = False,
    skip_invalid: bool = False,
    progress: Any = None,
    config: Any = None,
    refresh: bool = True,
) -> Any:
    """Sync one source and rebuild the analytics (:func:`caseload.services.sync.sync_one`)."""
    from dataclasses import replace

    from caseload.config import Config
    from caseload.services.context import Workspace
    from caseload.services.sync import sync_one

    config = replace(config or Config(), sources={**(config.sources if config else {}),
                                                   name: source_cfg})
    return sync_one(Workspace(engine, config), name, full=full, skip_invalid=skip_invalid,
                    progress=progress, refresh=refresh)


def cmd_sync(args: argparse.Namespace) -> int:
    from caseload.config import load_config
    from caseload.services.context import open_workspace
    from caseload.services.facts import check_refresh_workers
    from caseload.services.importing import printable
    from caseload.services.sync import (
        SourceOutcome,
        SyncSetupError,
        source_names,
        summary_line,
        sync_sources,
    )

    check_refresh_workers()  # refused before the cache opens
    try:
        names = source_names(load_config(args.config), args.name)
    except SyncSetupError as exc:
        _err(str(exc))
        return EXIT_ERROR
    ws = open_workspace(args.db, args.config)
    bars: dict[str, _SyncProgress] = {}

    def progress_for(name: str) -> _SyncProgress:
        bars[name] = _SyncProgress()
        return bars[name]

    def show(outcome: SourceOutcome) -> None:
        bars.pop(outcome.name).stop()
        name, report = outcome.name, outcome.report
        if report is None:
            _err(f"{name}: {outcome.error}")
            print(f"Nothing was synced from {name}; the cache is unchanged.", file=sys.stderr)
            return
        print(summary_line(report) + ":")
        width = max((len(k) for k in report.fetched), default=0)
        for resource, n in report.fetched.items():
            print(f"  {resource:<{width}}  {n:>9,}")
        for entity, n in report.deleted.items():
            print(f"  deleted from {entity}: {n:,}")
        for notice in report.notices:
            print(f"  {printable(notice)}")
        for note in report.notes:
            print(f"  note: {note}")
        if report.rejects:
            target = args.rejects or Path(
                f"caseload-rejects-{time.strftime('%Y%m%d-%H%M%S')}-{name}.csv"
            )
            write_rejects(target, report.rejects)
            print(f"  rejected records: {len(report.rejects):,} (see {target})")

    run = sync_sources(ws, names, full=args.full, skip_invalid=args.skip_invalid,
                       progress_for=progress_for, on_outcome=show, on_wait=_wait_note)
    if run.refreshed is not None:
        from caseload.services.facts import refreshed_line

        print(refreshed_line(run.refreshed))
    if len(names) > 1:
        failed = f", {run.failed} failed" if run.failed else ""
        print(f"{run.synced} of {len(names)} sources synced{failed}")
    return EXIT_ERROR if run.failed else EXIT_OK


def cmd_login(args: argparse.Namespace) -> int:
    import getpass

    from caseload.config import load_config
    from caseload.services.sync import (
        NoSecretGiven,
        SecretMissing,
        UnknownSource,
        login_prompt,
        store_login_secret,
    )

    config = load_config(args.config)
    if args.name not in config.sources:
        _err(f"no source {args.name!r} in {config.path or 'the config file'}")
        return EXIT_ERROR
    secret = getpass.getpass(f"{login_prompt(args.header)} for {args.name}: ")
    try:
        stored = store_login_secret(config, args.name, secret, args.header)
    except (UnknownSource, NoSecretGiven, SecretMissing) as exc:
        _err(str(exc))
        return EXIT_ERROR
    print(
        f"Stored the {stored.what} for {stored.source} in the OS keyring "
        f"(${stored.env_var} overrides it)."
    )
    return EXIT_OK


def _say(message: str) -> None:
    print(message, flush=True)


def _prepare_demo(args: argparse.Namespace) -> tuple[Any, dt.date]:
    """The sample school (the checkout's sample_data/, else built from the package into the
    user data folder), imported into a fresh demo database, saying each step as it goes."""
    from caseload.services import demo
    from caseload.services.facts import check_refresh_workers

    check_refresh_workers()  # refused before the demo database is replaced
    ignored = bool(getattr(args, "db", None) or os.environ.get("CASELOAD_DB"))
    if ignored:  # (never silently)
        _say(f"The demo builds its own database, {demo.demo_database_path()}: --db and "
             "$CASELOAD_DB are not used.")
    started = time.monotonic()
    school = demo.sample_school(on_step=_say)
    if ignored:
        _say(f"(`caseload import {school.path}` loads the sample school into your cache.)")
    engine, path = demo.fresh_demo_database()
    _say(f"Building the demo database from the sample school in {school.path} (a few seconds)…")
    summary = run_import(
        engine,
        school.path,
        quiet=True,
        progress_delay=0.0,
        on_step=lambda step: _say(f"  {step}…"),
    )
    as_of = dt.date.fromisoformat(summary["as_of"]) if summary.get("as_of") else dt.date.today()
    written = demo.seed_demo_notes(engine, as_of)
    _say(f"  wrote {written} sample notes (contacts, interventions, follow-ups)")
    took = time.monotonic() - started
    _say(f"Demo database ready at {path} (as of {as_of}), built in {took:.0f} s.")
    return engine, as_of


def cmd_demo(args: argparse.Namespace) -> int:
    from caseload.config import load_config
    from caseload.services.context import Workspace

    engine, as_of = _prepare_demo(args)
    if args.no_open:
        return EXIT_OK
    ws = Workspace(engine=engine, config=load_config(getattr(args, "config", None)))
    return _open_app(ws, counselor=None, as_of=as_of, demo=True)


def _open_app(
    ws: Any, *, counselor: str | None, as_of: dt.date | None, demo: bool = False
) -> int:
    """Open the TUI on ``ws`` (a :class:`~caseload.services.context.Workspace`): the services
    build what it is handed (``caseload.services.app``); this only wires it in."""
    from caseload.services.app import prepare_app
    from caseload.tui.themes import check_theme

    check_theme(ws.config.theme, ws.config.path)  # (a config error before anything else)
    launch = prepare_app(ws, counselor=counselor, as_of=as_of, demo=demo)
    if launch.empty:
        print(
            "The cache is empty. Load your district's export with\n"
            "  caseload import PATH      (a OneRoster CSV or Ed-Fi XML folder, or a .zip)\n"
            "or try the bundled sample school with\n"
            "  caseload demo"
        )
        return EXIT_OK
    from functools import partial

    from caseload.services.changes import ChangesService
    from caseload.services.effects import intervention_changes
    from caseload.services.triage_export import export_triage
    from caseload.tui.app import AppActions, run_app

    run_app(
        launch.reader,
        counselor_id=launch.counselor_id,
        as_of=launch.as_of,
        actions=AppActions(
            run_import=launch.run_import,
            run_sync=launch.run_sync,
            sync_names=launch.sync_names,
            run_sync_progress=launch.run_sync_progress,
        ),
        theme=ws.config.theme,
        notes=launch.notes,
        me=launch.me,
        export_notes=launch.export_notes,
        export_triage=export_triage,
        keymap=ws.config.keymap,
        changes=ChangesService(ws),
        save_me=launch.save_me,
        intervention_changes=partial(intervention_changes, ws),
        thresholds=ws.config.thresholds,
    )
    return EXIT_OK


def cmd_open(args: argparse.Namespace) -> int:
    from caseload.services.context import open_workspace

    ws = open_workspace(getattr(args, "db", None), getattr(args, "config", None))
    return _open_app(
        ws, counselor=getattr(args, "counselor", None), as_of=getattr(args, "as_of", None)
    )


def cmd_flags(args: argparse.Namespace) -> int:
    """Parse, call the flags use case (``caseload.services.flags``), print."""
    from caseload.export.flags_output import write_flags
    from caseload.services.context import open_workspace
    from caseload.services.flags import StudentNotFound, flag_reports

    workspace = open_workspace(getattr(args, "db", None), args.config, existing=True)
    try:
        found = flag_reports(
            workspace, as_of=args.as_of, counselor=args.counselor, student=args.student,
            search=args.search, flags=args.flag or (),
        )
    except StudentNotFound as exc:
        _err(str(exc))
        return EXIT_ERROR
    if found.note:  # (not an error: the reports, none, still follow)
        print(f"caseload: note: {found.note}", file=sys.stderr)
    write_flags(sys.stdout, found.reports, found.as_of, args.format, color=_colour(sys.stdout))
    return EXIT_OK


def _colour(out: Any) -> bool:
    """Colour on a terminal, unless ``$NO_COLOR`` is set to anything (https://no-color.org;
    rich's progress bars and the Textual app honour it themselves)."""
    return out.isatty() and not os.environ.get("NO_COLOR")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app through textual-serve: each browser runs `caseload open` with our settings."""
    from caseload.services.context import check_workspace
    from caseload.tui.serve import ServeOptions, serve
    from caseload.tui.themes import check_theme

    # the cache and config every browser tab opens, checked before listening (as `open`
    # checks them): a --db that cannot be opened or a bad theme is one error here, with no
    # address or token printed
    config = check_workspace(getattr(args, "db", None), getattr(args, "config", None))
    check_theme(config.theme, config.path)
    # the app runs in a subprocess per browser: it reads the same cache and config from here
    if getattr(args, "db", None):
        os.environ["CASELOAD_DB"] = str(args.db)
    if getattr(args, "config", None):
        os.environ["CASELOAD_CONFIG"] = str(Path(args.config).resolve())
    options = ServeOptions(
        host=args.host, port=args.port, public_url=args.public_url,
        counselor=args.counselor, as_of=args.as_of.isoformat() if args.as_of else None,
    )
    try:
        serve(options, announce=lambda line: print(line, flush=True))
    except OSError as exc:  # the port is taken, the address is not this machine's
        _err(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_ERROR
    return EXIT_OK


def cmd_changes(args: argparse.Namespace) -> int:
    """Parse, call the changes use case (``caseload.services.changes``), print."""
    import json

    from caseload.services.changes import ChangesError, changes
    from caseload.services.context import open_workspace

    workspace = open_workspace(getattr(args, "db", None), args.config, existing=True)
    try:
        found = changes(workspace, since=args.since, as_of=args.as_of, counselor=args.counselor)
    except ChangesError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if args.format == "json":
        json.dump([c.to_json() for c in found.students], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    from caseload.domain.changes import change_words
    from caseload.domain.text import no_controls

    def plain(text: str) -> str:
        return no_controls(text, single_line=True)

    out = sys.stdout
    n = len(found.students)
    out.write(f"Changes from {found.since.isoformat()} to {found.as_of.isoformat()}: "
              f"{n} student{'s' if n != 1 else ''}\n")
    for c in found.students:
        parts = change_words(c, text=plain)
        who = f"{plain(c.name)[:28]:<28} {plain(c.student):<12}"
        out.write(f"{c.risk:>3}  {who} {parts}\n")
    return EXIT_OK


COMMANDS = {
    "open": cmd_open,
    "serve": cmd_serve,
    "changes": cmd_changes,
    "import": cmd_import,
    "demo": cmd_demo,
    "flags": cmd_flags,
    "sync": cmd_sync,
    "login": cmd_login,
}


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``parser.parse_args``, except that words left over on a ``notes`` command line are not
    repeated: they are usually a note's text typed without quotes (``--text Called home``),
    and no message echoes a note's text."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command == "notes":
            n = len(extra)
            parser.error(
                f"{n} unrecognized word{'s' if n != 1 else ''} (not repeated here: they may be "
                'part of a note\'s text); put text with spaces in quotes: --text "Called home"'
            )
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


# options that name a file: any bytes the file system allows (a Latin-1 file name) are kept
_FILE_OPTIONS = frozenset({"db", "config", "output"})


def _refuse_non_utf8(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A word typed in bytes that are not UTF-8 (Python hands them in as lone surrogates,
    which neither the database nor a search can take) is a usage error naming the option,
    never repeating the value (it may be a note's text)."""
    from caseload.domain.notes import NOT_UTF8, is_utf8

    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if dest in _FILE_OPTIONS or all(not isinstance(v, str) or is_utf8(v) for v in values):
            continue
        what = ("the note's text" if dest == "text"
                else f"the value of {_option(parser, dest) or dest}")
        parser.error(f"{what} {NOT_UTF8.replace('; nothing was saved', '')}")


def _option(parser: argparse.ArgumentParser, dest: str) -> str | None:
    """What sets ``dest`` on the command line (``--class`` for ``class_id``; a positional's
    ``NAME``), looked for in ``parser`` and its subcommands."""
    for action in parser._actions:
        if action.dest == dest:
            return max(action.option_strings, key=len, default=str(action.metavar or dest))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found = _option(sub, dest)
                if found:
                    return found
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    _refuse_non_utf8(parser, args)
    command = args.command or "open"
    if args.db is not None and not args.db.strip():  # (a script's unset variable)
        parser.error("--db names no database (an empty value)")
    from caseload.config import ConfigError
    from caseload.domain.access import DatabaseAccessError
    from caseload.sources.dataset import SourceError

    try:
        from caseload import admin_cli, notes_cli

        if command == admin_cli.COMMAND:
            return admin_cli.run(args)

        if command in notes_cli.COMMANDS:
            from caseload.services.context import open_workspace

            ws = open_workspace(getattr(args, "db", None), args.config, existing=True)
            return notes_cli.run(args, ws)
        return COMMANDS[command](args)
    except (ConfigError, SourceError, DatabaseAccessError) as exc:
        _err(str(exc))
        return EXIT_ERROR
    except FileNotFoundError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `caseload flags | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # issue 13: never a traceback, never a row's values
        if os.environ.get("CASELOAD_DEBUG"):
            raise
        from caseload.services.errors import plain_failure

        _err(plain_failure(exc))
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
