"""Unsaved note editor contents, one draft per (author, student, note), kept until the note is
saved or the draft thrown away (part of :class:`caseload.store.notes.NotesStore`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from caseload.domain.notes import NoteDraft, NoteValidationError
from caseload.store.collation import code_points
from caseload.store.notes_tables import DRAFTS
from caseload.store.notes_values import ClockedStore, Row, clean_id, from_db, json_default


class NoteDrafts(ClockedStore):
    """The drafts table."""

    def save_draft(
        self, author_id: str, student_id: str, note_id: int | None, payload: Row
    ) -> NoteDraft:
        """Save (replace) the draft for (author, student, note; ``None`` for a new note)."""
        if not isinstance(payload, Mapping):
            raise NoteValidationError("payload", "a draft payload must be a JSON object (a dict)")
        author_id = clean_id(author_id, "author id")
        student_id = clean_id(student_id, "student id")
        body = json.dumps(dict(payload), default=json_default, ensure_ascii=False)
        now = self._now()
        key = {"author_id": author_id, "student_id": student_id, "note_key": note_id or 0}
        values = {"payload": body, "saved_at": now}
        with self.engine.begin() as conn:
            dialect = conn.dialect.name
            pk = [DRAFTS.c.author_id, DRAFTS.c.student_id, DRAFTS.c.note_key]
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                lite = sqlite_insert(DRAFTS).values(**key, **values)
                conn.execute(lite.on_conflict_do_update(index_elements=pk, set_=values))
            elif dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                pg = pg_insert(DRAFTS).values(**key, **values)
                conn.execute(pg.on_conflict_do_update(index_elements=pk, set_=values))
            else:  # pragma: no cover - other backends
                where = self._draft_where(author_id, student_id, note_id)
                conn.execute(delete(DRAFTS).where(*where))
                conn.execute(insert(DRAFTS), {**key, **values})
        saved = from_db(now)
        assert saved is not None
        return NoteDraft(author_id, student_id, note_id, json.loads(body), saved)

    @staticmethod
    def _draft_where(author_id: str, student_id: str, note_id: int | None) -> list[Any]:
        return [
            DRAFTS.c.author_id == author_id,
            DRAFTS.c.student_id == student_id,
            DRAFTS.c.note_key == (note_id or 0),
        ]

    @staticmethod
    def _draft_from(m: Row) -> NoteDraft:
        saved = from_db(m["saved_at"])
        assert saved is not None
        try:
            payload = json.loads(m["payload"])
        except ValueError:
            payload = {"text": m["payload"]}  # never lose typed text to a bad encoding
        return NoteDraft(
            author_id=m["author_id"],
            student_id=m["student_id"],
            note_id=m["note_key"] or None,
            payload=payload if isinstance(payload, dict) else {"value": payload},
            saved_at=saved,
        )

    def load_draft(
        self, author_id: str, student_id: str, note_id: int | None = None
    ) -> NoteDraft | None:
        with self.engine.connect() as conn:
            where = self._draft_where(author_id, student_id, note_id)
            row = conn.execute(select(DRAFTS).where(*where)).mappings().first()
            return None if row is None else self._draft_from(row)

    def drafts(self, author_id: str) -> list[NoteDraft]:
        """The author's unsaved drafts, newest first (offer to recover them at start-up)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(DRAFTS)
                .where(DRAFTS.c.author_id == author_id)
                # (student ids by code point on both backends: store/collation.py)
                .order_by(DRAFTS.c.saved_at.desc(), code_points(DRAFTS.c.student_id),
                          DRAFTS.c.note_key)
            ).mappings()
            return [self._draft_from(m) for m in rows]

    def discard_draft(self, author_id: str, student_id: str, note_id: int | None = None) -> bool:
        """Drop a draft (after saving the note, or when the user throws it away)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(DRAFTS).where(*self._draft_where(author_id, student_id, note_id))
            )
            return bool(result.rowcount)
