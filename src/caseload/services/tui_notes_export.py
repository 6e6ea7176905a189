"""The TUI's notes export (``e``): gather the notes in scope, write the file (0600) and record
the audit entry. The CLI hands this function to the TUI (``run_app(export_notes=...)``), so the
TUI never imports the export layer or the store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

from caseload.domain.notes import AuditEntry
from caseload.domain.ports import CaseloadReader, NotesPort


def export_notes(
    store: NotesPort, reader: CaseloadReader, *, fmt: str, path: str,
    student_id: str | None, counselor_id: str | None, since: dt.date | None,
    until: dt.date | None, as_of: dt.date, actor: str,
) -> AuditEntry:
    """One student's notes (``student_id``), else the counselor's caseload's (None: every
    student's), from ``since`` to ``until``; ``pdf`` adds each student's summary as of
    ``as_of``. Returns the audit entry."""
    from caseload.export.notes_export import export_and_audit, gather, scope_label

    notes, students, _ = gather(store, student_id=student_id, counselor_id=counselor_id,
                                since=since, until=until, fmt=fmt)
    detail_for = class_detail_for = None
    if fmt == "pdf":
        def detail_for(sid: str) -> Any:
            return reader.student(sid, as_of)

        def class_detail_for(sid: str, cid: str) -> Any:
            return reader.class_detail(sid, cid, as_of)

    return export_and_audit(
        cast(Any, store), notes, fmt, Path(path).expanduser(), actor=actor,
        scope=scope_label(student_id=student_id, counselor_id=counselor_id, since=since,
                          until=until),
        students=students, as_of=as_of, detail_for=detail_for,
        class_detail_for=class_detail_for,
        class_titles=store.class_titles({n.class_id for n in notes if n.class_id}),
        since=since, until=until,
    )
