"""The export audit log: who exported what, when, where and how many, and whether the file
was written (part of :class:`caseload.store.notes.NotesStore`). Entries are only appended;
their status is the one thing that changes.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from caseload.domain.notes import AuditEntry, AuditStatus, NoteValidationError
from caseload.store.notes_tables import AUDIT
from caseload.store.notes_values import ClockedStore, from_db


class AuditLog(ClockedStore):
    """The audit_log table."""

    def record_audit(
        self,
        *,
        actor: str,
        scope: str,
        format: str,
        path: str,
        count: int,
        action: str = "export",
        status: AuditStatus | str = AuditStatus.OK,
    ) -> AuditEntry:
        """Append an audit entry (who, when, action, scope, format, path, count, status).

        An export records its entry with ``status=started`` *before* writing the file, then
        :meth:`set_audit_status` to ``ok`` or ``failed``: a failed insert means no file."""
        if count < 0:
            raise NoteValidationError("count", "audit count must not be negative")
        state = AuditStatus(status)
        now = self._now()
        row = {
            "at": now,
            "actor": actor or "unknown",
            "action": action,
            "scope": scope,
            "format": format,
            "path": str(path),
            "count": int(count),
            "status": state.value,
        }
        with self.engine.begin() as conn:
            # (as stored: on a shared database a login's entry is dated by the database's
            # clock, migration 0025)
            new_id, stored_at = conn.execute(
                insert(AUDIT).returning(AUDIT.c.id, AUDIT.c.at), row).one()
        at = from_db(stored_at)
        assert at is not None
        return AuditEntry(
            id=int(new_id),
            at=at,
            actor=actor or "unknown",
            action=action,
            scope=scope,
            format=format,
            path=str(path),
            count=int(count),
            status=state,
        )

    def set_audit_status(self, entry: AuditEntry, status: AuditStatus | str) -> AuditEntry:
        """Mark an entry ``ok`` or ``failed`` (the only change an audit row ever sees)."""
        state = AuditStatus(status)
        with self.engine.begin() as conn:
            conn.execute(update(AUDIT).where(AUDIT.c.id == entry.id).values(status=state.value))
        return AuditEntry(
            id=entry.id, at=entry.at, actor=entry.actor, action=entry.action,
            scope=entry.scope, format=entry.format, path=entry.path, count=entry.count,
            status=state,
        )

    def audit(self, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, newest first."""
        stmt = select(AUDIT).order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            out = []
            for m in conn.execute(stmt).mappings():
                at = from_db(m["at"])
                assert at is not None
                out.append(
                    AuditEntry(
                        id=m["id"],
                        at=at,
                        actor=m["actor"],
                        action=m["action"],
                        scope=m["scope"],
                        format=m["format"],
                        path=m["path"],
                        count=m["count"],
                        status=AuditStatus(m["status"]),
                    )
                )
            return out
