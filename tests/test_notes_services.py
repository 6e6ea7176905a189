"""The notes and export services (caseload.services.notes / .export): typed results and
typed errors, matched by type; no error message holds a note's text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from caseload.config import Config
from caseload.domain.notes import (
    AuditStatus,
    NoteConflict,
    NoteNotFound,
    NoteStatus,
    NoteType,
    NoteValidationError,
)
from caseload.services import export as export_service
from caseload.services import notes as notes_service
from caseload.services.context import Workspace
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from tests.paths import MIN_DATA

SECRET = "Mom says dad moved out; confidential"


@pytest.fixture
def ws(sqlite_engine) -> Workspace:
    load(sqlite_engine, read_path(MIN_DATA))
    return Workspace(sqlite_engine, Config(me="cns-1"))


def _add(ws: Workspace, **kw) -> object:
    base = dict(student_id="stu-1", type=NoteType.PARENT_CONTACT, text=SECRET,
                contact_date=dt.date(2026, 10, 1))
    base.update(kw)
    return notes_service.add_note(ws, notes_service.NewNote(**base))


def test_add_list_edit_done_delete_restore(ws):
    note = _add(ws, follow_up=dt.date(2026, 10, 8))
    assert note.author_id == "cns-1"
    listing = notes_service.list_notes(ws, notes_service.resolve_scope(ws))
    assert [n.id for n in listing.notes] == [note.id]
    assert listing.name("stu-1") == "Able, Ada" and listing.audit is None
    edited = notes_service.edit_note(ws, note.id, expected_revision=1, text="shorter")
    assert edited.revision == 2
    done = notes_service.mark_done(ws, note.id, expected_revision=2)
    assert done.status is NoteStatus.DONE
    assert notes_service.delete_note(ws, note.id).deleted
    assert not notes_service.restore_note(ws, note.id).deleted
    assert notes_service.follow_ups(ws, dt.date(2026, 12, 1)).notes == []  # done


def test_conflict_is_a_typed_exception_with_the_current_note(ws):
    note = _add(ws)
    notes_service.edit_note(ws, note.id, expected_revision=1, text="theirs")
    with pytest.raises(NoteConflict) as caught:
        notes_service.edit_note(ws, note.id, expected_revision=1, text=SECRET + " mine")
    exc = caught.value
    assert exc.note_id == note.id and exc.expected_revision == 1
    assert exc.current is not None and exc.current.text == "theirs"
    assert exc.current.revision == 2
    assert "theirs" not in str(exc) and SECRET not in str(exc)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"student_id": "stu-404"}, "student_id"),
        ({"text": "   "}, "text"),
        ({"follow_up": dt.date(2026, 9, 1)}, "follow_up"),
        ({"flags": ("NOPE",)}, "flags"),
        ({"class_id": "cls-404"}, "class_id"),
    ],
)
def test_validation_errors_have_fields_and_never_the_text(ws, changes, field):
    with pytest.raises(NoteValidationError) as caught:
        _add(ws, **changes)
    assert caught.value.field == field
    assert SECRET not in str(caught.value) and str(caught.value) == caught.value.reason


def test_edit_errors_never_echo_the_text(ws):
    note = _add(ws)
    with pytest.raises(NoteValidationError) as caught:
        notes_service.edit_note(ws, note.id, contact_date=SECRET)
    assert caught.value.field == "contact_date" and SECRET not in str(caught.value)
    with pytest.raises(NoteNotFound) as missing:
        notes_service.get_note(ws, 999)
    assert missing.value.note_id == 999 and str(missing.value) == "no note with id 999"


def test_audited_listing_records_first_and_marks_failures(ws):
    _add(ws)
    scope = notes_service.resolve_scope(ws, student_id="stu-1")
    seen: list[int] = []

    def emit(notes) -> None:
        assert notes_service.audit_log(ws)[0].status is AuditStatus.STARTED  # row first
        seen.append(len(notes))

    listing = notes_service.list_notes_audited(ws, scope, fmt="json", emit=emit)
    assert seen == [1] and listing.audit is not None
    assert listing.audit.status is AuditStatus.OK and listing.audit.action == "list"

    def broken(_notes) -> None:
        raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        notes_service.list_notes_audited(ws, scope, fmt="json", emit=broken)
    assert notes_service.audit_log(ws)[0].status is AuditStatus.FAILED


def test_export_service_typed_request(ws, tmp_path: Path):
    _add(ws)
    _add(ws, student_id="stu-2", contact_date=dt.date(2026, 10, 20))
    request = export_service.ExportRequest(
        format=export_service.ExportFormat.CSV, path=tmp_path / "n.csv",
        scope=notes_service.resolve_scope(ws), as_of=dt.date(2026, 10, 10),
    )
    result = export_service.export_notes(ws, request)
    assert result.entry.count == 1 and result.entry.status is AuditStatus.OK
    assert result.scope.until == dt.date(2026, 10, 10) and result.students == 1
    with pytest.raises(NoteValidationError) as caught:
        export_service.export_notes(ws, export_service.ExportRequest(
            format=export_service.ExportFormat.MD, path=tmp_path / "x.md",
            scope=notes_service.resolve_scope(ws, student_id="nobody")))
    assert caught.value.field == "student_id"


def test_batched_student_details_match_one_by_one(ws):
    from caseload.store.repository import Repository

    repo = Repository(ws.engine)
    as_of = dt.date(2026, 10, 20)
    batch = repo.student_details(["stu-1", "stu-2", "stu-3", "nobody"], as_of)
    assert set(batch) == {"stu-1", "stu-2", "stu-3"}
    for sid, detail in batch.items():
        assert detail == repo.student(sid, as_of)
    with pytest.raises(KeyError):
        repo.student("nobody", as_of)


def test_method_and_outcome_are_validated_and_editable(ws):
    from caseload.domain.notes import ContactMethod, ContactOutcome

    note = _add(ws, method=ContactMethod.HOME_VISIT, outcome=ContactOutcome.REACHED)
    assert note.to_json()["method"] == "home_visit" and note.to_json()["outcome"] == "reached"
    edited = notes_service.edit_note(ws, note.id, outcome="meeting_set")
    assert edited.outcome is ContactOutcome.MEETING_SET
    assert edited.method is ContactMethod.HOME_VISIT
    with pytest.raises(NoteValidationError) as caught:
        notes_service.edit_note(ws, note.id, method=SECRET)
    assert caught.value.field == "method" and SECRET not in str(caught.value)


def test_sqlite_is_one_user_and_lists_every_confidential_note(tmp_path: Path):
    """Only the PostgreSQL owner's store filters confidential notes itself (row-level
    security filters the granted logins); a SQLite cache has one user, who reads every
    note, whoever signed it (tests/test_access.py checks the owner)."""
    from caseload.services.context import open_workspace

    config = tmp_path / "c.toml"
    config.write_text('me = "cns-2"\n', encoding="utf-8")
    db = str(tmp_path / "cache.db")
    ws = open_workspace(db, str(config))
    try:
        load(ws.engine, read_path(MIN_DATA))
        assert not ws.owner
        note = _add(ws, author_id="cns-1", confidential=True)
        listing = notes_service.list_notes(ws, notes_service.NoteScope())
        assert [n.id for n in listing.notes] == [note.id]
        assert notes_service.get_note(ws, note.id).text == SECRET
    finally:
        ws.engine.dispose()
