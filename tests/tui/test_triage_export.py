"""Issue 12: ``x`` on the caseload exports the triage list exactly as filtered and sorted on
screen (CSV and Markdown, with flags and evidence), audited like the notes exports."""

from __future__ import annotations

import csv
import dataclasses
import io
import stat
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from caseload.domain.notes import AuditEntry, AuditStatus
from caseload.export.triage import CSV_COLUMNS, TriageList, render_csv, render_md
from caseload.services.triage_export import TriageChanged, export_triage
from caseload.store.notes import NotesStore
from caseload.tui.screens.triage_export import TriageExportModal

from . import test_notes_tui as base
from .conftest import notices_asked, settle, wait_until
from .fakes import AS_OF, NOW, FakeReader
from .test_notes_tui import make_notes_app

notes_engine = base.notes_engine
store = base.store
export_dir = base.export_dir


class FakeAudit:
    def __init__(self) -> None:
        self.statuses: list[str] = []

    def record_audit(self, *, actor, scope, format, path, count, action="export",  # type: ignore[no-untyped-def]
                     status=AuditStatus.OK):
        self.statuses.append(AuditStatus(status).value)
        return AuditEntry(id=1, at=NOW, actor=actor, action=action, scope=scope, format=format,
                          path=path, count=count, status=AuditStatus(status))

    def set_audit_status(self, entry, status):  # type: ignore[no-untyped-def]
        self.statuses.append(AuditStatus(status).value)
        return dataclasses.replace(entry, status=AuditStatus(status))


def _reports():  # type: ignore[no-untyped-def]
    reader = FakeReader()
    reports = reader.caseload("c-rivera", AS_OF)
    flagged = next(r for r in reports if r.flags)
    # a name that would be a spreadsheet formula and Markdown markup: shown literally
    first = dataclasses.replace(flagged.flags[0], evidence={"grade": 64.2, "class": "=x|y"})
    evil = dataclasses.replace(flagged, name="=HYPERLINK(\"x\") *bold* |pipe|",
                               flags=(first, *flagged.flags[1:]))
    return [evil, *[r for r in reports if r.id != flagged.id]]


def test_csv_one_row_per_flag_in_screen_order_neutralized() -> None:
    reports = _reports()
    data = render_csv(TriageList(reports, AS_OF, "Caseload of Rivera, Ana", "sorted by risk",
                                 NOW)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert list(rows[0]) == CSV_COLUMNS
    ranks = list(dict.fromkeys((r["rank"], r["student_id"]) for r in rows))
    assert [sid for _, sid in ranks] == [r.id for r in reports]
    first = [r for r in rows if r["rank"] == "1"]
    assert len(first) == len(reports[0].flags)
    assert first[0]["name"].startswith("'=HYPERLINK")
    assert first[0]["message"] == reports[0].flags[0].message
    assert first[0]["evidence"] == '{"class": "=x|y", "grade": 64.2}'
    assert {r["points"] for r in first} <= {"1", "2", "3", "0"}
    unflagged = [r for r in reports if not r.flags]
    if unflagged:
        row = next(r for r in rows if r["student_id"] == unflagged[0].id)
        assert row["flag_code"] == ""


def test_csv_leaves_classes_below_70_empty_when_no_class_has_a_grade() -> None:
    """EXPORTS.md: an unknown figure is an empty cell, never 0. With no grade in any class,
    how many classes are below 70 is unknown (it was written 0 beside an empty lowest)."""
    report = _reports()[0]
    ungraded = tuple(dataclasses.replace(c, grade=None) for c in report.metrics.classes)
    report = dataclasses.replace(
        report, metrics=dataclasses.replace(report.metrics, classes=ungraded))
    data = render_csv(TriageList([report], AS_OF, "All students", "", NOW)).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(data)))
    assert row["lowest_grade"] == "" and row["classes_below_70"] == ""


def test_markdown_table_and_flags_with_evidence_literal() -> None:
    reports = _reports()
    text = render_md(TriageList(reports, AS_OF, "Caseload of Rivera, Ana",
                                "filter 'ar' · sorted by name", NOW)).decode()
    assert "# Triage list: Caseload of Rivera, Ana" in text
    assert "filter 'ar' · sorted by name" in text
    assert "\\*bold\\*" in text and "\\|pipe\\|" in text
    flag = reports[0].flags[0]
    assert f"{flag.code.label} ({flag.code.value})" in text
    assert r"evidence: class: =x\|y; grade: 64.2" in text
    assert text.index(reports[0].id) < text.index(reports[1].id)


def test_export_audits_started_then_ok_and_file_is_private(tmp_path: Path) -> None:
    audit, reader = FakeAudit(), FakeReader()
    ids = [r.id for r in reader.caseload("c-rivera", AS_OF)][::-1]
    path = tmp_path / "triage.csv"
    entry = export_triage(audit, reader, fmt="csv", path=path, student_ids=ids,
                          counselor_id="c-rivera", as_of=AS_OF, actor="c-rivera",
                          scope="Caseload", view="sorted by name")
    assert audit.statuses == ["started", "ok"]
    assert (entry.count, entry.scope, entry.format) == (len(ids), "triage counselor:c-rivera",
                                                        "csv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert list(dict.fromkeys(r["student_id"] for r in rows)) == ids


def test_export_failure_marks_the_entry_failed(tmp_path: Path) -> None:
    audit, reader = FakeAudit(), FakeReader()
    ids = [r.id for r in reader.caseload("c-rivera", AS_OF)]
    with pytest.raises(OSError):
        export_triage(audit, reader, fmt="md", path=tmp_path / "no" / "such" / "dir.md",
                      student_ids=ids, counselor_id="c-rivera", as_of=AS_OF, actor="me",
                      scope="Caseload", view="")
    assert audit.statuses == ["started", "failed"]


def test_a_student_no_longer_there_stops_the_export(tmp_path: Path) -> None:
    audit = FakeAudit()
    with pytest.raises(TriageChanged, match="reload"):
        export_triage(audit, FakeReader(), fmt="csv", path=tmp_path / "t.csv",
                      student_ids=["gone"], counselor_id="c-rivera", as_of=AS_OF, actor="me",
                      scope="Caseload", view="")
    assert audit.statuses == []
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize("fmt", ["csv", "md"])
async def test_x_exports_the_list_as_filtered_and_sorted(
    notes_engine, store: NotesStore, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_notes_app(notes_engine, store)
    app.export_triage = export_triage  # as the CLI hands it over
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ar", "enter")
        await settle(pilot)
        await pilot.press("s", "n", "s", "n")  # by name, reversed
        await settle(pilot)
        shown = [r.id for r in app.home.view]
        assert 1 < len(shown) < len(app.home.reports)
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TriageExportModal)
        what = str(modal.query_one("#triage-what", Static).render())
        assert f"{len(shown)} students" in what and "sorted by name (reversed)" in what
        target = tmp_path / f"triage.{fmt}"
        modal.query_one("#export-format", Select).value = fmt
        modal.query_one("#export-path", Input).value = str(target)
        asked, when_closed = notices_asked(app, monkeypatch)
        await pilot.press("ctrl+s")
        # App.notify is a message the app handles on its next turn: wait for the notice
        # itself, not only for the dialog to be gone
        await wait_until(pilot, lambda: not isinstance(app.screen, TriageExportModal)
                         and len(app._notifications) > 0, what="the export to be told")
        told = [str(n.message) for n in app._notifications]
        await settle(pilot)
        # said by the dialog before it closed (it came from the caseload's result callback,
        # run later: a moment with the dialog gone and nothing notified yet)
        written = f"Exported {len(shown)} students to {target.resolve()}"
        assert when_closed[:1] == [[written]] and asked == [written] and told == [written]
        assert target.exists() and stat.S_IMODE(target.stat().st_mode) == 0o600
        text = target.read_text(encoding="utf-8-sig")
        if fmt == "csv":
            assert target.read_bytes().startswith(b"\xef\xbb\xbfrank,")  # Excel: a BOM
            rows = list(csv.DictReader(io.StringIO(text)))
            assert list(dict.fromkeys(r["student_id"] for r in rows)) == shown
        else:
            positions = [text.index(f"({sid})") for sid in shown]
            assert positions == sorted(positions)
            assert "filter 'ar' · sorted by name (reversed)" in text
        entry = store.audit(limit=1)[0]
        assert (entry.status, entry.count, entry.format) == (AuditStatus.OK, len(shown), fmt)
        assert entry.path == str(target.resolve())


async def test_x_on_a_list_of_one_says_one_student(notes_engine, store: NotesStore) -> None:
    app = make_notes_app(notes_engine, store)
    app.export_triage = export_triage
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *base.STUDENT, "enter")
        await settle(pilot)
        assert [r.id for r in app.home.view] == [base.STUDENT]
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TriageExportModal)
        what = str(modal.query_one("#triage-what", Static).render())
        assert what.startswith("1 student · ") and "1 students" not in what
