"""The notes exports as Markdown, CSV and JSON (docs/EXPORTS.md; the JSON schema there is
:data:`JSON_SCHEMA`, a test keeps the two identical)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from caseload.domain.notes import Note, iso_utc
from caseload.export.notes_model import ExportContext, flag_words
from caseload.export.notes_text import md_escape, neutralize

JSON_SCHEMA_ID = "caseload-notes/1"

# --- Markdown ----------------------------------------------------------------------------


def render_markdown(
    notes: Sequence[Note], ctx: ExportContext, *, as_of: dt.date, generated_at: dt.datetime
) -> str:
    ordered = sorted(notes, key=ctx.sort_key)
    student_ids = list(dict.fromkeys(n.student_id for n in ordered))
    out = [
        "# Intervention notes",
        "",
        f"As of {as_of.isoformat()} · {len(ordered)} note{'s' if len(ordered) != 1 else ''} · "
        f"{len(student_ids)} student{'s' if len(student_ids) != 1 else ''} · "
        f"exported {generated_at.astimezone():%Y-%m-%d %H:%M}",
        "",
        "_Confidential student record._",
    ]
    if not ordered:
        out += ["", "No notes in this range."]
    current: str | None = None
    for note in ordered:
        if note.student_id != current:
            current = note.student_id
            grade = ctx.grade_level(current)
            grade_part = f" · grade {md_escape(grade)}" if grade else ""
            out += ["", f"## {md_escape(ctx.name(current))}{grade_part} ({md_escape(current)})"]
        head = f"{note.contact_date.isoformat()} · {note.type.words} · {note.status.value}"
        if note.deleted:
            head += " · deleted"
        if note.confidential:
            head += " · confidential: only its author may read it"
        out += ["", f"### {head}", ""]
        method = note.method.words if note.method else "not recorded"
        outcome = note.outcome.words if note.outcome else "not recorded"
        out.append(f"- Contact: {method} · outcome: {outcome}")
        out.append(f"- Flags: {md_escape(flag_words(note.flags)) if note.flags else 'none'}")
        if note.class_id:
            title = ctx.class_title(note.student_id, note.class_id)
            label = f"{title} ({note.class_id})" if title else note.class_id
            out.append(f"- Class: {md_escape(label)}")
        follow = note.follow_up.isoformat() if note.follow_up else "none"
        out.append(f"- Follow-up: {follow}")
        author = md_escape(ctx.author(note.author_id))
        out.append(f"- Author: {author} · revision {note.revision}")
        out.append("")
        for line in md_escape(note.text, multiline=True).split("\n"):
            out.append(f"> {line}".rstrip())
    return "\n".join(out) + "\n"


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "note_id",
    "student_id",
    "student_name",
    "grade_level",
    "contact_date",
    "type",
    "type_words",
    "method",
    "outcome",
    "flags",
    "class_id",
    "class_title",
    "text",
    "follow_up",
    "status",
    "author_id",
    "created_at",
    "updated_at",
    "revision",
    "deleted",
    "confidential",
    # added after the columns above (issue 12: names, words and local times beside the ids,
    # codes and UTC); every earlier column keeps its name and place
    "author_name",
    "method_words",
    "outcome_words",
    "created_local",
    "updated_local",
)


def local_time(when: dt.datetime) -> str:
    """``when`` in this computer's time zone, ``YYYY-MM-DD HH:MM`` (as the Markdown export's
    "exported" time and the notes history show it); a naive value is UTC, as in ``iso_utc``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


def render_csv(notes: Sequence[Note], ctx: ExportContext) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for note in sorted(notes, key=ctx.sort_key):
        row = (
            note.id,
            note.student_id,
            ctx.name(note.student_id),
            ctx.grade_level(note.student_id) or "",
            note.contact_date.isoformat(),
            note.type.value,
            note.type.words,
            note.method.value if note.method else "",
            note.outcome.value if note.outcome else "",
            ";".join(note.flags),
            note.class_id or "",
            ctx.class_title(note.student_id, note.class_id) or "",
            note.text,
            note.follow_up.isoformat() if note.follow_up else "",
            note.status.value,
            note.author_id,
            iso_utc(note.created_at),
            iso_utc(note.updated_at),
            note.revision,
            "true" if note.deleted else "false",
            "true" if note.confidential else "false",
            ctx.author_name(note.author_id) or "",
            note.method.words if note.method else "",
            note.outcome.words if note.outcome else "",
            local_time(note.created_at),
            local_time(note.updated_at),
        )
        writer.writerow([neutralize(cell) for cell in row])
    return buf.getvalue()


# --- JSON --------------------------------------------------------------------------------

_DATE = {"type": "string", "format": "date"}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_STR_OR_NULL = {"type": ["string", "null"]}

JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://caseload.invalid/schemas/caseload-notes-1.json",
    "title": "caseload notes export",
    "type": "object",
    "required": ["schema", "generated_at", "as_of", "count", "students", "notes"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": JSON_SCHEMA_ID},
        "generated_at": _TIME,
        "as_of": _DATE,
        "count": {"type": "integer", "minimum": 0},
        "students": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["name", "grade_level"],
                "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "grade_level": _STR_OR_NULL},
            },
        },
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id", "student_id", "author_id", "contact_date", "type", "type_words",
                    "method", "outcome", "flags", "class_id", "class_title", "text", "follow_up",
                    "status", "created_at", "updated_at", "revision", "deleted", "confidential",
                ],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "student_id": {"type": "string"},
                    "author_id": {"type": "string"},
                    "contact_date": _DATE,
                    "type": {
                        "enum": [
                            "student_meeting", "parent_contact", "teacher_consult", "referral",
                            "attendance_intervention", "sst_504_iep_meeting", "other",
                        ]
                    },
                    "type_words": {"type": "string"},
                    "method": {
                        "enum": [
                            "phone", "email", "text", "in_person", "letter", "home_visit",
                            "video", None,
                        ]
                    },
                    "outcome": {
                        "enum": [
                            "reached", "left_message", "no_answer", "wrong_number",
                            "meeting_set", "declined", None,
                        ]
                    },
                    "flags": {"type": "array", "items": {"type": "string"}},
                    "class_id": _STR_OR_NULL,
                    "class_title": _STR_OR_NULL,
                    "text": {"type": "string"},
                    "follow_up": _DATE_OR_NULL,
                    "status": {"enum": ["open", "done"]},
                    "created_at": _TIME,
                    "updated_at": _TIME,
                    "revision": {"type": "integer", "minimum": 1},
                    "deleted": {"type": "boolean"},
                    "confidential": {"type": "boolean"},
                },
            },
        },
    },
}


def notes_document(
    notes: Sequence[Note], ctx: ExportContext, *, as_of: dt.date, generated_at: dt.datetime
) -> dict[str, Any]:
    """The JSON export as a Python object (see :data:`JSON_SCHEMA`)."""
    ordered = sorted(notes, key=ctx.sort_key)
    students: dict[str, dict[str, Any]] = {}
    items = []
    for note in ordered:
        sid = note.student_id
        if sid not in students:
            students[sid] = {"name": ctx.name(sid), "grade_level": ctx.grade_level(sid)}
        item: dict[str, Any] = {}
        for key, value in note.to_json().items():
            item[key] = value
            if key == "class_id":
                item["class_title"] = ctx.class_title(sid, note.class_id)
        items.append(item)
    return {
        "schema": JSON_SCHEMA_ID,
        "generated_at": iso_utc(generated_at),
        "as_of": as_of.isoformat(),
        "count": len(items),
        "students": students,
        "notes": items,
    }


