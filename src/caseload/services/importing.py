"""The import use case: read an export, load it (sources/loader.py), refresh the derived facts
and the ranking, write the rejects file; and ``--check``, which does all the reading and
checking and writes nothing.

Called by ``caseload import`` (cli.py parses and prints what these return), by the demo and by
the TUI's command palette. Nothing here prints.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseload.domain.text import no_controls, plural
from caseload.services.calendar_check import calendar_lines, roster_lines, stated_days_lines
from caseload.services.facts import refresh_facts, refreshed_line

if TYPE_CHECKING:
    from caseload.config import Config
    from caseload.services.context import Workspace
    from caseload.sources.dataset import Dataset, Reject, SourceError

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (entity, done, total)

REJECT_COLUMNS = ("file", "line", "field", "reason", "row")
# Columns never copied to a rejects file (matched case-insensitively, anywhere in the name).
_CREDENTIAL = re.compile(
    r"password|passwd|passphrase|pwd|secret|token|credential|api.?key|private.?key", re.IGNORECASE
)
_CREDENTIAL_WORD = re.compile(r"password", re.IGNORECASE)

KIND_LABELS = {"oneroster-csv": "OneRoster CSV", "edfi-xml": "Ed-Fi XML"}
EXAMPLES_PER_GROUP = 3


class RejectsFileError(Exception):
    """The rejects file cannot be written safely (a symlink at the path, an unwritable folder).
    The message names the path. ``imported`` says whether the import itself was committed
    (the path is checked before importing, so only a late failure has it True)."""

    imported = False


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectGroup:
    """Rejected rows of one file for one reason: how many, and the first few places."""

    file: str
    reason: str
    count: int
    examples: tuple[str, ...]  # "users.csv:14"


@dataclass
class ImportSummary:
    """What one import did. ``lines()`` is the summary ``caseload import`` prints."""

    source: str
    kind: str
    counts: dict[str, int]
    deleted: dict[str, int]
    rejects: list[Reject]
    notices: list[str]
    as_of: str | None
    rejects_file: Path | None = None
    refreshed: int | None = None  # students whose facts the refresh recomputed

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def lines(self) -> list[str]:
        out = [f"Imported {self.kind_label} from {printable(self.source)}:"]
        out += _count_lines(self.counts)
        for entity, n in self.deleted.items():
            out.append(f"  deleted from {entity}: {n:,}")
        out += [f"  {printable(n)}" for n in self.notices]
        if self.rejects:
            out.append(f"  rejected rows: {len(self.rejects):,} (see {self.rejects_file})")
        if self.refreshed is not None:
            out.append(refreshed_line(self.refreshed))
        return out


@dataclass
class CheckReport:
    """What ``caseload import PATH --check`` found. Nothing was written."""

    source: str
    skip_invalid: bool
    kind: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    deletions: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    refusal: SourceError | None = None

    @property
    def would_import(self) -> bool:
        return self.refusal is None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind or "", self.kind or "unrecognized")

    def groups(self) -> list[RejectGroup]:
        return group_rejects(self.rejects)

    def lines(self) -> list[str]:
        src = printable(self.source)
        if self.refusal is not None:
            out = [f"Check of {src}: would be REFUSED (nothing would be imported):"]
            out.append(f"  {printable(self.refusal.describe())}")
            if not self.skip_invalid and self.refusal.skippable:  # a bad row, not a bad zip
                out.append("  (--skip-invalid would reject bad rows instead: check with it too)")
            return out
        out = [f"Check of {self.kind_label} from {src}: would import (nothing was written)"]
        out.append("would load:")
        out += _count_lines(self.counts) or ["  nothing"]
        for entity, n in self.deletions.items():
            out.append(f"  would delete from {entity}: {n:,}")
        out += [f"  {printable(_as_checked(n))}" for n in self.notices]
        if self.rejects:
            n = len(self.rejects)
            out.append(f"would reject: {n:,} row{'' if n == 1 else 's'}")
            for g in self.groups():
                where = ", ".join(g.examples)
                extra = g.count - len(g.examples)
                more = f", ... ({extra:,} more)" if extra > 0 else ""
                out.append(f"  {printable(g.file)}: {g.count:,} x {printable(g.reason)}")
                out.append(f"    e.g. {printable(where)}{more}")
        else:
            out.append("would reject: nothing")
        out.append("missing:" if self.missing else "missing: nothing")
        out += [f"  {printable(m)}" for m in self.missing]
        return out


def _as_checked(notice: str) -> str:
    """An import notice as ``--check`` says it: it writes no rejects file, it lists what it
    would reject below."""
    from caseload.sources.load_checks import NOT_ENROLLED_REJECTED

    return notice.replace(NOT_ENROLLED_REJECTED, " (would be rejected: counted under \"would "
                                                 "reject\" below; --check writes no rejects file)")


def printable(text: str | None) -> str:
    """Text from the data (paths, reasons, values) for a terminal: no raw control characters."""
    return no_controls(text, single_line=True)


def _count_lines(counts: dict[str, int]) -> list[str]:
    width = max((len(k) for k in counts), default=0)
    return [f"  {entity:<{width}}  {n:>9,}" for entity, n in counts.items()]


_GENERIC = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")


def group_rejects(rejects: Iterable[Reject]) -> list[RejectGroup]:
    """Rejects grouped by file and reason (values in quotes and numbers taken out of the reason,
    so "unknown classSourcedId 'c1'" and "... 'c2'" are one reason)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rejects:
        field_part = f"field '{r.field}': " if r.field else ""
        reason = field_part + _GENERIC.sub("…", r.reason)
        where = r.file if r.line is None else (
            f"{r.file}:{r.line}" if isinstance(r.line, int) else f"{r.file} ({r.line})"
        )
        groups.setdefault((r.file, reason), []).append(where)
    return [
        RejectGroup(file, reason, len(places), tuple(places[:EXAMPLES_PER_GROUP]))
        for (file, reason), places in groups.items()
    ]


# --- what is missing -------------------------------------------------------------------------


def missing_data(ds: Dataset) -> list[str]:
    """What an export lacks that changes what caseload can show (plain words, for --check)."""
    out: list[str] = []
    if not ds.attendance_events:
        out.append(
            "no attendance: the export has no attendance records (attendance is shown as unknown"
            ", \u2014, never as 100%)"
        )
    if not ds.line_items and not ds.results:
        out.append(
            "no gradebook: the export has no line items or results (classes show \"no gradebook\")"
        )
    elif not ds.results:
        out.append("no gradebook scores: line items but no results")
    if not ds.caseloads:
        where = " (caseloads.csv)" if ds.kind == "oneroster-csv" else ""
        out.append(
            f"no counselor assignments: the export assigns no students to counselors{where}; "
            "only \"all students\" can be listed"
        )
    out += calendar_lines(ds)  # per school: no calendar, or one that marks no day off
    out += roster_lines(ds)  # no enrollments; students with no school
    return out


# --- the rejects file --------------------------------------------------------------------------


def default_rejects_path(suffix: str = "") -> Path:
    return Path(f"caseload-rejects-{time.strftime('%Y%m%d-%H%M%S')}{suffix}.csv")


def check_rejects_path(path: Path) -> None:
    """Refuse a path where a rejects file must not be written (a symlink: it would be followed
    into someone else's file)."""
    if path.is_symlink():
        raise RejectsFileError(
            f"{printable(str(path))} is a symbolic link: refusing to write the rejects file "
            "through it (the link and its target are left untouched); choose another --rejects"
        )
    if path.exists() and not path.is_file():
        raise RejectsFileError(f"{printable(str(path))} exists and is not a file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise RejectsFileError(
            f"cannot write the rejects file {printable(str(path))}: "
            f"{printable(str(folder))} is not a writable folder"
        )


def _safe_row(raw: dict[str, str] | None) -> str:
    """The rejected row as JSON, without credential columns (password, pwd, secret, token...)."""
    if not raw:
        return ""
    kept = {k: v for k, v in raw.items() if not _CREDENTIAL.search(k)}
    return _safe_text(json.dumps(kept, ensure_ascii=False)) if kept else ""


def _safe_text(text: str) -> str:
    return _CREDENTIAL_WORD.sub("[credential]", text)


def write_rejects(path: Path, rejects: Iterable[Reject]) -> Path:
    """Write the rejected rows (``file,line,field,reason,row``) to a new owner-only (0600)
    file at ``path``: written to a temporary file in the same folder and renamed over the path,
    so an existing file (whatever its mode) is replaced, never rewritten in place. A symlink at
    ``path`` is refused (RejectsFileError). Credential columns are never copied."""
    check_rejects_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".caseload-rejects-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RejectsFileError(
            f"cannot write the rejects file {printable(str(path))}: {exc.strerror}"
        ) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(REJECT_COLUMNS)
            for r in rejects:
                field_name = r.field or ""
                w.writerow(
                    [
                        r.file,
                        "" if r.line is None else r.line,
                        _safe_text(field_name),
                        _safe_text(r.reason),
                        _safe_row(r.raw),
                    ]
                )
            fh.flush()
            os.fsync(fh.fileno())
        check_rejects_path(path)  # a link planted meanwhile is refused too (rename replaces it)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def fill_reject_rows(source: Path, ds: Dataset, rejects: list[Reject]) -> list[Reject]:
    """Rejects with their ``line`` and ``row`` filled where the loader knew only the record:
    the origin from ``Dataset.origin()``, the raw row read back from the export file."""
    from dataclasses import replace

    from caseload.sources.detect import raw_rows

    fixed: list[Reject] = []
    wanted: dict[str, set[int]] = {}
    for r in rejects:
        if r.line is not None and not isinstance(r.line, int) and r.file in _ENTITY_NAMES:
            key = str(r.line).removeprefix("record ").strip("'\"")
            origin = ds.origin(r.file, key)
            if origin is not None:
                file, _, line = origin.rpartition(":")
                r = replace(r, file=file, line=int(line) if line.isdigit() else line)
        if r.raw is None and isinstance(r.line, int):
            wanted.setdefault(r.file, set()).add(r.line)
        fixed.append(r)
    if not wanted:
        return fixed
    try:
        rows = raw_rows(source, wanted)
    except Exception as exc:  # the rows are a courtesy; the reject itself is what counts
        log.warning("rejected rows not read back: %s", type(exc).__name__)
        return fixed
    return [
        replace(r, raw=rows.get((r.file, r.line))) if r.raw is None and isinstance(r.line, int)
        else r
        for r in fixed
    ]


_ENTITY_NAMES = frozenset(
    {
        "orgs", "academic_sessions", "calendar_days", "users", "courses", "classes",
        "enrollments", "categories", "line_items", "results", "attendance_events",
        "discipline_incidents", "student_incidents", "caseloads", "grading_policies",
    }
)


# --- derived data -----------------------------------------------------------------------------


# --- the use cases --------------------------------------------------------------------------


def import_path(
    ws: Workspace,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Read ``path``, load it, refresh facts and ranking, write the rejects.

    Raises SourceError (nothing imported, cache unchanged) or RejectsFileError (raised before
    anything is imported when the rejects path is unusable)."""
    return import_into(
        ws.engine, path, config=ws.config, skip_invalid=skip_invalid,
        rejects_path=rejects_path, progress=progress, on_wait=on_wait,
    )


def import_into(
    engine: Any,
    path: Path,
    *,
    config: Config | None = None,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    on_step: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    wait: bool = True,
) -> ImportSummary:
    """:func:`import_path` on an engine (the demo builds its own database). ``on_step`` (the
    demo's) is told each phase as it starts.

    One import or sync at a time (store/import_lock.py): the load and the refresh run under
    the cache's import lock; while another holds it this waits, telling ``on_wait`` once
    ("waiting for the import started at … by …"), or with ``wait=False`` raises
    ImportRunning, whose message names the running import."""
    from caseload.services.facts import check_refresh_workers
    from caseload.sources.detect import read_path
    from caseload.sources.loader import load
    from caseload.store.import_lock import import_lock

    check_refresh_workers()  # before anything is read or written
    step = on_step or (lambda _message: None)
    target = rejects_path or default_rejects_path()
    if skip_invalid:
        check_rejects_path(target)  # before anything is imported
    step(f"reading {path}")
    ds = read_path(path, skip_invalid=skip_invalid)
    with import_lock(engine, f"caseload import {path}", wait=wait, on_wait=on_wait):
        step("loading it into the database")
        report = load(engine, ds, skip_invalid=skip_invalid, progress=progress)
        summary = ImportSummary(
            source=str(path),
            kind=ds.kind,
            counts=dict(report.counts),
            deleted=dict(report.deleted),
            rejects=fill_reject_rows(path, ds, report.rejects) if report.rejects else [],
            notices=[
                *ds.notices, *(n for n in report.notices if n not in ds.notices),
                *stated_days_lines(ds),
            ],
            as_of=ds.as_of,
        )
        # The records read (millions of objects at district scale) are not needed past
        # here: let them go before the refresh, whose writes a garbage collection pass
        # over them would hold up (a note write waited 5 s behind one at 75,000 students).
        del ds
        step("computing flags and ranking every student")
        summary.refreshed = refresh_facts(engine, config, also_as_of=summary.as_of)
    if summary.rejects:
        try:
            summary.rejects_file = write_rejects(target, summary.rejects)
        except (RejectsFileError, OSError) as exc:
            late = RejectsFileError(
                f"{exc}; the import was committed, but its "
                f"{plural(len(summary.rejects), 'rejected row', grouped=True)} "
                f"{'was' if len(summary.rejects) == 1 else 'were'} not written (run it again "
                "with --rejects FILE)"
            )
            late.imported = True
            raise late from None
    return summary


def check_path(ws: Workspace, path: Path, *, skip_invalid: bool = False) -> CheckReport:
    """Everything an import would do short of writing: read and check ``path`` (the loader's
    reference checks run against the cache in a transaction that is rolled back). The cache,
    the folder and the import history are left exactly as they were."""
    from caseload.sources.dataset import SourceError
    from caseload.sources.detect import read_path
    from caseload.sources.loader import check

    report = CheckReport(source=str(path), skip_invalid=skip_invalid)
    try:
        ds = read_path(path, skip_invalid=skip_invalid)
        report.kind = ds.kind
        loaded = check(ws.engine, ds, skip_invalid=skip_invalid)
    except SourceError as exc:
        report.refusal = exc
        return report
    report.counts = dict(loaded.counts)
    report.deletions = dict(loaded.deleted)
    report.rejects = fill_reject_rows(path, ds, list(loaded.rejects))
    report.notices = [
        *ds.notices, *(n for n in loaded.notices if n not in ds.notices), *stated_days_lines(ds)
    ]
    report.missing = missing_data(ds)
    return report
