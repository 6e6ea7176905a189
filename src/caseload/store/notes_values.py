"""What the notes store and the audit log share: the clock, UTC timestamps in and out of the
database, a note from its row, and the checks of what a user typed (each failure a
:class:`~caseload.domain.notes.NoteValidationError` naming the field).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Engine

from caseload.domain.notes import (
    NOT_UTF8,
    ContactMethod,
    ContactOutcome,
    Note,
    NoteStatus,
    NoteType,
    NoteValidationError,
    is_utf8,
)
from caseload.domain.report import FlagCode
from caseload.domain.text import CODE_ECHOED, given

_CHUNK = 500  # ids per IN (...) list
Row = Mapping[Any, Any]  # a result row's mapping


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Conversions -------------------------------------------------------------------------


def to_db(value: dt.datetime) -> dt.datetime:
    """Aware UTC for storage (a naive clock value is taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def from_db(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def note_from(m: Row, *, note_id: int | None = None) -> Note:
    created = from_db(m["created_at"])
    updated = from_db(m["updated_at"])
    assert created is not None and updated is not None
    return Note(
        id=int(note_id if note_id is not None else m["id"]),
        student_id=m["student_id"],
        author_id=m["author_id"],
        contact_date=m["contact_date"],
        type=NoteType(m["type"]),
        flags=tuple(json.loads(m["flags"] or "[]")),
        class_id=m["class_id"],
        text=m["text"],
        follow_up=m["follow_up"],
        status=NoteStatus(m["status"]),
        created_at=created,
        updated_at=updated,
        deleted=bool(m["deleted"]),
        revision=int(m["revision"]),
        deleted_at=from_db(m["deleted_at"]),
        method=ContactMethod(m["method"]) if m["method"] else None,
        outcome=ContactOutcome(m["outcome"]) if m["outcome"] else None,
        updated_by=m.get("updated_by") or m["author_id"],
        confidential=bool(m.get("confidential") or False),
    )


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


# --- Validation --------------------------------------------------------------------------


def clean_flags(flags: Iterable[str] | str | None, kept: Iterable[str] = ()) -> tuple[str, ...]:
    """The flag codes a note addresses, each a kind of flag the rules raise
    (:meth:`FlagCode.parse`: any case; blanks and repeats dropped). ``kept``: the codes the
    note already has, kept as stored though the rules may no longer know one (an edit that
    leaves a note's old flag alone never fails on it)."""
    if flags is None:
        return ()
    if isinstance(flags, str):
        flags = [flags]
    had = set(kept)
    out: list[str] = []
    for raw in flags:
        text = str(raw).strip()
        if not text:
            continue
        if text in had:
            code = text
        else:
            try:
                code = FlagCode.parse(text).value
            except ValueError as exc:
                raise NoteValidationError("flags", str(exc)) from None
        if code not in out:
            out.append(code)
    return tuple(out)


def clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise NoteValidationError("text", "note text must be a string")
    if not text.strip():
        raise NoteValidationError("text", "note text is empty")
    if not is_utf8(text):
        raise NoteValidationError("text", f"the note's text {NOT_UTF8}")
    return text


def _field(what: str) -> str:
    return what.replace("-", "_").replace(" date", "_date").replace(" ", "_").replace(
        "follow_up_date", "follow_up")


def clean_date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    # echo a short date-like value only: a long string may be text pasted in the wrong field
    if isinstance(value, str) and len(value) <= 20:
        raise NoteValidationError(_field(what), f"{what} {value!r} is not a date (YYYY-MM-DD)")
    raise NoteValidationError(_field(what), f"{what} is not a date (YYYY-MM-DD)")


def clean_optional_date(value: Any, what: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_date(value, what)


def clean_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NoteValidationError(_field(what), f"{what} is empty")
    if not is_utf8(value):
        raise NoteValidationError(_field(what), f"the {what} {NOT_UTF8}")
    return value.strip()


def parse_type(value: Any) -> NoteType:
    try:
        return NoteType.parse(value)
    except ValueError as exc:
        raise NoteValidationError("type", str(exc)) from None


def parse_status(value: Any) -> NoteStatus:
    try:
        return NoteStatus.parse(value)
    except ValueError as exc:
        raise NoteValidationError("status", str(exc)) from None


_Choice = TypeVar("_Choice", bound=StrEnum)


def _parse_choice(choices: type[_Choice], field: str, value: Any) -> _Choice | None:
    """``value`` as one of ``choices`` (case, spaces and ``-``/``_`` forgiven); None when
    blank; NoteValidationError on ``field`` for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return choices(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(c.value for c in choices)
        raise NoteValidationError(
            field, f"unknown contact {field} {given(value, CODE_ECHOED)} (expected one of: {valid})"
        ) from None


def parse_method(value: Any) -> ContactMethod | None:
    return _parse_choice(ContactMethod, "method", value)


def parse_outcome(value: Any) -> ContactOutcome | None:
    return _parse_choice(ContactOutcome, "outcome", value)


# --- Stores ------------------------------------------------------------------------------


class ClockedStore:
    """A store over a migrated cache engine with an injectable clock (UTC)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], dt.datetime] = utcnow):
        self.engine = engine
        self.clock = clock

    def _now(self) -> dt.datetime:
        return to_db(self.clock())

    def _today(self) -> dt.date:
        now = self.clock()
        return (now.astimezone() if now.tzinfo else now).date()
