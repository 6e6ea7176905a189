"""The triage list export use case (``x`` on the caseload; docs/EXPORTS.md).

The screen hands over the ids of the students it shows, in its order; this reads their full
reports (flags with messages and evidence) from the reader, records the audit entry
(``started``) before the file exists, writes it (0600) and marks the entry ``ok`` or
``failed``, like the notes exports. A student the screen showed but the reader no longer has
(the cache changed meanwhile) stops the export: nothing is dropped in silence.

Imports no store module (the TUI imports this; it never reads the store itself).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from caseload.domain.exports import TriageChanged
from caseload.domain.notes import AuditEntry, AuditStatus
from caseload.domain.ports import CaseloadReader


class AuditTrail(Protocol):
    """The audit calls of the notes store (``caseload.store.audit_log.AuditLog``)."""

    def record_audit(self, *, actor: str, scope: str, format: str, path: str, count: int,
                     action: str = "export",
                     status: AuditStatus | str = AuditStatus.OK) -> AuditEntry: ...

    def set_audit_status(self, entry: AuditEntry, status: AuditStatus | str) -> AuditEntry: ...


def scope_label(counselor_id: str | None) -> str:
    """The audit entry's scope: ``triage counselor:ID`` or ``triage all``."""
    return f"triage counselor:{counselor_id}" if counselor_id else "triage all"


def export_triage(
    audit: AuditTrail, reader: CaseloadReader, *, fmt: str, path: str | Path,
    student_ids: Sequence[str], counselor_id: str | None, as_of: dt.date, actor: str,
    scope: str, view: str, clock: Callable[[], dt.datetime] | None = None,
) -> AuditEntry:
    """Write the students ``student_ids`` (in that order) as ``fmt`` (``csv`` or ``md``) to
    ``path``. ``scope`` and ``view`` say in the file what the list is ("Caseload of …",
    "filter 'ar' · sorted by name"). Returns the audit entry (``ok``); raises ValueError for
    a bad format or a changed caseload, OSError when the file cannot be written (the entry
    then says ``failed``)."""
    from caseload.export.notes_text import write_private
    from caseload.export.triage import FORMATS, TriageList, render

    if fmt not in FORMATS:
        raise ValueError(f"unknown triage export format {fmt!r} (csv or md)")
    by_id = {r.id: r for r in reader.caseload(counselor_id, as_of)}
    missing = [sid for sid in student_ids if sid not in by_id]
    if missing:
        raise TriageChanged(f"{len(missing)} of the students shown are no longer in this "
                            "caseload: reload (r) and export again")
    now = (clock or (lambda: dt.datetime.now(dt.UTC)))()
    triage = TriageList([by_id[sid] for sid in student_ids], as_of, scope, view, now)
    data = render(triage, fmt)
    target = Path(path).expanduser()
    entry = audit.record_audit(actor=actor or "unknown", scope=scope_label(counselor_id),
                               format=fmt, path=os.path.abspath(target), count=len(student_ids),
                               action="export", status=AuditStatus.STARTED)
    try:
        write_private(target, data)
    except BaseException:
        audit.set_audit_status(entry, AuditStatus.FAILED)
        raise
    return audit.set_audit_status(entry, AuditStatus.OK)
