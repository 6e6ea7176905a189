"""The export dialogs (``e``: notes, ``x``: the triage list) as a counselor drives them from
the keyboard (review s22, items 8 to 10 and 21):

- the notes export opens on its first field (Scope); Enter in a date goes to the next field
  and writes nothing; Enter in the file (the last field), ctrl+s or Export write;
- a file name ending in a format's extension (``mine.pdf``) is that format: the Format select
  follows the name, and a format chosen renames a name ending in another format's extension;
- a failure is one message in words in the dialog (no temporary ``.part`` name, no second
  "Something went wrong" notice) and the file field has the focus again.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from caseload.services.triage_export import export_triage
from caseload.store.notes import NotesStore
from caseload.tui.screens.export import ExportModal
from caseload.tui.screens.triage_export import TriageExportModal

from . import test_notes_tui as base
from .conftest import notices_asked, screen_text, settle, wait_until
from .test_notes_tui import AS_OF, COUNSELOR, STUDENT, make_notes_app

notes_engine = base.notes_engine
store = base.store
export_dir = base.export_dir


# --- the notes export dialog ----------------------------------------------------------------


async def _open_export(pilot) -> ExportModal:  # type: ignore[no-untyped-def]
    app = pilot.app
    await settle(pilot)
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportModal), what="the dialog")
    await settle(pilot)
    return app.screen  # type: ignore[no-any-return]


async def test_export_opens_on_scope_and_enter_in_a_date_moves_on_without_writing(
    notes_engine, store: NotesStore, tmp_path: Path,
) -> None:
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="A note",
              contact_date=AS_OF)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_export(pilot)
        assert app.focused is modal.query_one("#export-scope")  # the first field
        out = tmp_path / "notes.md"
        modal.query_one("#export-path", Input).value = str(out)
        modal.query_one("#export-since", Input).focus()
        await pilot.press(*"2026-11-01", "enter")
        await wait_until(pilot, lambda: app.focused is modal.query_one("#export-until"),
                         what="Enter to go on to the to date")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.focused is modal.query_one("#export-path"),
                         what="Enter to go on to the file")
        await settle(pilot)
        assert app.screen is modal and not modal.running
        assert store.audit() == [] and not out.exists()  # nothing written, nothing audited
        await pilot.press("enter")  # the last field's Enter writes, as the other dialogs'
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportModal),
                         what="the export written")
    assert out.exists() and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert store.audit()[0].scope == f"counselor:{COUNSELOR} since:2026-11-01 until:{AS_OF}"


async def test_a_file_name_ending_in_pdf_is_exported_as_a_pdf(
    notes_engine, store: NotesStore, tmp_path: Path,
) -> None:
    """"mine.pdf" was written as Markdown: the Format select alone decided."""
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other", text="A note",
              contact_date=AS_OF)
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_export(pilot)
        fmt = modal.query_one("#export-format", Select)
        box = modal.query_one("#export-path", Input)
        assert fmt.value == "md"
        out = tmp_path / "mine.PDF"
        box.value = str(out)
        await pilot.press("ctrl+s")  # at once: the name decides, handled or not yet
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportModal),
                         what="the export written")
    assert out.read_bytes().startswith(b"%PDF")
    assert store.audit()[0].format == "pdf"


async def test_the_format_select_and_the_file_name_follow_each_other(
    notes_engine, store: NotesStore, tmp_path: Path,
) -> None:
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_export(pilot)
        fmt = modal.query_one("#export-format", Select)
        box = modal.query_one("#export-path", Input)
        # the proposed name follows the select (as before)
        fmt.value = "json"
        await wait_until(pilot, lambda: box.value.endswith(f"{AS_OF.isoformat()}.json"),
                         what="the proposed name to follow")
        # a typed name's extension chooses the format...
        box.focus()
        box.value = ""
        await pilot.press(*str(tmp_path / "mine.csv"))
        await wait_until(pilot, lambda: fmt.value == "csv", what="the select to follow")
        # ...and a format chosen renames it
        fmt.value = "pdf"
        await wait_until(pilot, lambda: box.value == str(tmp_path / "mine.pdf"),
                         what="the name to follow")
        await settle(pilot)
        assert fmt.value == "pdf"
        # another extension is the counselor's: kept, the select decides
        box.value = str(tmp_path / "mine.txt")
        fmt.value = "md"
        await settle(pilot)
        assert (box.value, fmt.value) == (str(tmp_path / "mine.txt"), "md")


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
async def test_an_export_failure_is_one_message_in_words_then_the_file_again(
    notes_engine, store: NotesStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    store.add(student_id=STUDENT, author_id=COUNSELOR, type="other",
              text="Confidential xyzzy", contact_date=AS_OF)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "nodir" / "notes.md" if where == "missing folder" else folder
    expected = (f"Not exported: the folder {folder / 'nodir'} does not exist"
                if where == "missing folder" else
                f"Not exported: {folder} is a folder: add a file name")
    app = make_notes_app(notes_engine, store)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await _open_export(pilot)
        asked, _ = notices_asked(app, monkeypatch)
        modal.query_one("#export-path", Input).value = str(target)
        modal.query_one("#export-format", Select).focus()
        await pilot.press("ctrl+s")
        error = modal.query_one("#export-error", Static)
        await wait_until(pilot, lambda: "Not exported" in str(error.render()),
                         what="the failure shown")
        await settle(pilot)
        assert str(error.render()) == expected
        text = screen_text(app)
        assert ".part" not in text and "Errno" not in text and "xyzzy" not in text
        assert asked == []  # no "Something went wrong" notice besides the dialog's words
        assert app.screen is modal and app.focused is modal.query_one("#export-path")
    assert [e.status.value for e in store.audit()] == ["failed"]
    assert list(folder.iterdir()) == []  # no temporary file left


# --- the triage export dialog (x) -----------------------------------------------------------


async def _open_triage(pilot) -> TriageExportModal:  # type: ignore[no-untyped-def]
    app = pilot.app
    await settle(pilot)
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, TriageExportModal),
                     what="the dialog")
    await settle(pilot)
    return app.screen  # type: ignore[no-any-return]


async def test_triage_export_follows_the_extension_and_refuses_a_pdf(
    notes_engine, store: NotesStore, tmp_path: Path,
) -> None:
    app = make_notes_app(notes_engine, store)
    app.export_triage = export_triage  # as the CLI hands it over
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_triage(pilot)
        fmt = modal.query_one("#export-format", Select)
        box = modal.query_one("#export-path", Input)
        assert fmt.value == "csv"
        box.value = str(tmp_path / "list.pdf")
        await pilot.press("ctrl+s")
        error = modal.query_one("#export-error", Static)
        await wait_until(pilot, lambda: "PDF" in str(error.render()), what="the refusal")
        assert str(error.render()) == ("The list is written as CSV or Markdown, not PDF: end "
                                       "the file name in .csv or .md.")
        assert app.focused is box and store.audit() == []
        out = tmp_path / "list.md"
        box.value = str(out)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, TriageExportModal),
                         what="the export written")
    assert out.read_text(encoding="utf-8").startswith("#")  # Markdown, not CSV
    assert store.audit()[0].format == "md"


async def test_triage_export_failure_is_said_once_in_words(
    notes_engine, store: NotesStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_notes_app(notes_engine, store)
    app.export_triage = export_triage
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_triage(pilot)
        asked, _ = notices_asked(app, monkeypatch)
        modal.query_one("#export-path", Input).value = str(tmp_path / "nodir" / "list.csv")
        await pilot.press("ctrl+s")
        error = modal.query_one("#export-error", Static)
        await wait_until(pilot, lambda: "Not exported" in str(error.render()),
                         what="the failure shown")
        await settle(pilot)
        assert str(error.render()) == (
            f"Not exported: the folder {tmp_path / 'nodir'} does not exist")
        assert asked == [] and app.focused is modal.query_one("#export-path")
    assert [e.status.value for e in store.audit()] == ["failed"]


async def test_triage_export_of_a_changed_caseload_is_said_once_in_the_dialog(
    notes_engine, store: NotesStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A caseload changed since it was shown (a sync meanwhile): the dialog says to reload,
    and no "Something went wrong" notice says it again (TriageChanged is the counselor's to
    mend, as a file that cannot be written is)."""
    app = make_notes_app(notes_engine, store)

    def changed(*args: object, **kwargs: object) -> object:
        return export_triage(*args, **{**kwargs, "student_ids": ["gone"]})  # type: ignore[arg-type]

    app.export_triage = changed
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_triage(pilot)
        asked, _ = notices_asked(app, monkeypatch)
        modal.query_one("#export-path", Input).value = str(tmp_path / "list.csv")
        await pilot.press("ctrl+s")
        error = modal.query_one("#export-error", Static)
        await wait_until(pilot, lambda: "reload" in str(error.render()),
                         what="the refusal shown")
        await settle(pilot)
        assert "no longer in this caseload: reload (r) and export again" in str(error.render())
        assert asked == [] and isinstance(app.screen, TriageExportModal)
    assert not (tmp_path / "list.csv").exists() and store.audit() == []
