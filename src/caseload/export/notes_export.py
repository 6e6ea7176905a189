"""Writing intervention notes out: Markdown, CSV, JSON and the PDF for a meeting.

Formats and fields are documented in docs/EXPORTS.md. Every file is created readable by its
owner only (0600): notes are confidential student records. :func:`export_and_audit` records
the audit entry *before* the file exists (issue 11, "Audit first"), then writes it.

The pieces: :mod:`~caseload.export.notes_text` (text hygiene, owner-only files),
:mod:`~caseload.export.notes_model` (:class:`ExportInput`, gathering, scope labels),
:mod:`~caseload.export.notes_formats` (Markdown, CSV, JSON) and
:mod:`~caseload.export.notes_pdf` (the PDF). This module is the entry point and re-exports
their public names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypedDict, Unpack

from caseload.domain.notes import AuditEntry, AuditStatus, Note
from caseload.export.notes_formats import (
    CSV_COLUMNS,
    JSON_SCHEMA,
    JSON_SCHEMA_ID,
    notes_document,
    render_csv,
    render_markdown,
)
from caseload.export.notes_model import (
    ClassDetailFor,
    DetailFor,
    ExportContext,
    ExportInput,
    StudentInfo,
    gather,
    scope_label,
)
from caseload.export.notes_pdf import find_unicode_font, render_pdf
from caseload.export.notes_text import (
    FORMULA_TRIGGERS,
    clean_text,
    json_text,
    md_escape,
    neutralize,
    write_private,
)

if TYPE_CHECKING:
    from caseload.store.notes import NotesStore

__all__ = [
    "CSV_COLUMNS", "FORMATS", "FORMULA_TRIGGERS", "JSON_SCHEMA", "JSON_SCHEMA_ID",
    "ClassDetailFor", "DetailFor", "ExportContext", "ExportInput", "Rendered", "StudentInfo",
    "Written", "audited", "clean_text", "export_and_audit", "export_input",
    "export_input_audited", "export_input_written", "export_notes", "find_unicode_font",
    "gather", "md_escape", "neutralize", "notes_document", "render", "render_counted",
    "render_notes", "scope_label", "write_private",
]

FORMATS = ("md", "csv", "json", "pdf")


class Rendered(NamedTuple):
    """An export's bytes, and how many characters in them are printed as ``?`` because the
    format cannot show them (the PDF's font has no glyph for them; 0 for md, csv and json,
    which keep every character)."""

    data: bytes
    replaced: int = 0


def render(inp: ExportInput, fmt: str) -> bytes:
    """The export's bytes (nothing is written)."""
    return render_counted(inp, fmt).data


def render_counted(inp: ExportInput, fmt: str) -> Rendered:
    """The export's bytes and its count of characters printed as ``?`` (nothing is
    written)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    when = inp.generated_at or dt.datetime.now(dt.UTC)
    ctx = inp.context()
    if fmt == "md":
        return Rendered(render_markdown(inp.notes, ctx, as_of=inp.as_of, generated_at=when)
                        .encode("utf-8", "replace"))
    if fmt == "csv":
        # UTF-8 with a byte-order mark so spreadsheets detect the encoding (accents survive)
        return Rendered(render_csv(inp.notes, ctx).encode("utf-8-sig", "replace"))
    if fmt == "json":
        doc = notes_document(inp.notes, ctx, as_of=inp.as_of, generated_at=when)
        return Rendered((json_text(doc) + "\n").encode("utf-8", "replace"))
    return Rendered(*render_pdf(inp, when))


class ExportScope(TypedDict, total=False):
    """What an export covers beyond the notes and students (see :class:`ExportInput`)."""

    detail_for: DetailFor | None
    class_detail_for: ClassDetailFor | None
    class_titles: Mapping[str, str] | None
    since: dt.date | None
    until: dt.date | None


class ExportOptions(ExportScope, total=False):
    generated_at: dt.datetime | None
    all_students: bool


def export_input(
    notes: Sequence[Note],
    *,
    students: Mapping[str, StudentInfo],
    as_of: dt.date,
    **options: Unpack[ExportOptions],
) -> ExportInput:
    """An :class:`ExportInput` from the keyword arguments the older entry points take."""
    return ExportInput(
        notes=notes, students=students, as_of=as_of, since=options.get("since"),
        until=options.get("until"), detail_for=options.get("detail_for"),
        class_detail_for=options.get("class_detail_for"),
        class_titles=dict(options.get("class_titles") or {}),
        generated_at=options.get("generated_at"),
        all_students=options.get("all_students", False),
    )


def render_notes(
    notes: Sequence[Note], fmt: str, *, students: Mapping[str, StudentInfo], as_of: dt.date,
    **options: Unpack[ExportOptions],
) -> bytes:
    """The export's bytes (nothing is written). See :func:`export_notes`."""
    return render(export_input(notes, students=students, as_of=as_of, **options), fmt)


def export_notes(
    notes: Sequence[Note], fmt: str, path: str | os.PathLike[str], *,
    students: Mapping[str, StudentInfo], as_of: dt.date, **options: Unpack[ExportOptions],
) -> int:
    """Write ``notes`` as ``fmt`` (md, csv, json, pdf) to ``path`` (0600), unaudited; the
    note count. The PDF: a cover page, then a summary per student with notes (with
    ``all_students``, per student in ``students`` too). The file is written only once the
    whole export rendered: a failure leaves no file."""
    data = render_notes(notes, fmt, students=students, as_of=as_of, **options)
    write_private(path, data)
    return len(notes)


def audited(
    store: NotesStore,
    write: Callable[[], None],
    *,
    actor: str,
    action: str,
    scope: str,
    fmt: str,
    path: str,
    count: int,
) -> AuditEntry:
    """Audit first: record the entry (``started``) *before* ``write()`` runs, then mark it
    ``ok``, or ``failed`` when ``write`` raises (the exception goes on). When the audit insert
    fails, ``write`` never runs: nothing leaves the cache unaudited."""
    entry = store.record_audit(
        actor=actor or "unknown", action=action, scope=scope, format=fmt, path=path,
        count=count, status=AuditStatus.STARTED,
    )
    try:
        write()
    except BaseException:
        store.set_audit_status(entry, AuditStatus.FAILED)
        raise
    return store.set_audit_status(entry, AuditStatus.OK)


def export_and_audit(
    store: NotesStore,
    notes: Sequence[Note],
    fmt: str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    scope: str,
    students: Mapping[str, StudentInfo],
    as_of: dt.date,
    **scope_options: Unpack[ExportScope],
) -> AuditEntry:
    """Render (as :func:`export_notes`), record the audit entry, then write the file (0600).

    The entry exists before the file does (see :func:`audited`): a failed audit insert leaves
    no file, a failed write leaves an entry marked ``failed``."""
    inp = export_input(
        notes, students=students, as_of=as_of, generated_at=store.clock(), **scope_options
    )
    return export_input_audited(store, inp, fmt, path, actor=actor, scope=scope)


def export_input_audited(
    store: NotesStore,
    inp: ExportInput,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    scope: str,
) -> AuditEntry:
    """Render ``inp``, record the audit entry (``started``), write the file, mark the entry
    ``ok`` (or ``failed``). Authors are named from the cache's users."""
    return export_input_written(store, inp, fmt, path, actor=actor, scope=scope).entry


class Written(NamedTuple):
    """An audited export: its audit entry, and how many characters the file prints as
    ``?`` (see :class:`Rendered`)."""

    entry: AuditEntry
    replaced: int


def export_input_written(
    store: NotesStore,
    inp: ExportInput,
    fmt: str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    scope: str,
) -> Written:
    """:func:`export_input_audited`, with the count of characters printed as ``?``."""
    if not inp.authors:
        labels = store.student_labels({n.author_id for n in inp.notes})
        inp = dataclasses.replace(inp, authors={k: v[0] for k, v in labels.items()})
    data, replaced = render_counted(inp, fmt)
    entry = audited(
        store,
        lambda: write_private(path, data),
        actor=actor,
        action="export",
        scope=scope,
        fmt=fmt,
        path=os.path.abspath(path),  # as asked: a symlink there is refused, not followed
        count=len(inp.notes),
    )
    return Written(entry, replaced)
