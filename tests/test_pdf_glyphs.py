"""The PDF never drops a character silently: what its font cannot draw is printed as ``?``,
counted (never named) in the export's summary, and fpdf2's own "missing glyphs" warning,
which would name the characters on stderr, never gets out.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pypdf
import pytest

import caseload
from caseload.export import notes_export, notes_pdf
from caseload.export.notes_export import ExportInput
from tests.paths import REPO
from tests.test_notes_export import AS_OF, T0, make_note

# two CJK ideographs, a thumbs-up with a skin-tone modifier (two code points), accents
NOTE_TEXT = "Zoë said 漢字 👍🏽 to Núñez."
SHOWN = "Zoë said ?? ?? to Núñez."
UNSHOWN = 4
STUDENTS = {"s1": ("Ørsted, Zoë", "9")}


def _needs_dejavu() -> None:
    if notes_pdf.find_unicode_font() is None:
        pytest.skip("DejaVu Sans is not installed: the PDF uses Helvetica (latin-1)")


def _inp(text: str = NOTE_TEXT) -> ExportInput:
    return ExportInput(notes=[make_note(1, text=text)], students=STUDENTS, as_of=AS_OF,
                       generated_at=T0)


def _flat(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_unsupported_characters_print_as_question_marks_and_are_counted(capfd, caplog):
    _needs_dejavu()
    with caplog.at_level(logging.WARNING):
        data = notes_export.render(_inp(), "pdf")
    text = _flat(data)
    assert SHOWN in text  # a "?" where each missing character was; the accents kept
    assert "Ørsted, Zoë" in text
    # fpdf2 would log "Font ... is missing the following glyphs: '漢' ..." (the note's
    # characters, on stderr): nothing is logged, nothing printed
    assert not [r for r in caplog.records
                if r.name.startswith("fpdf") and r.levelno >= logging.WARNING]
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert notes_export.render_counted(_inp(), "pdf").replaced == UNSHOWN


def test_a_pdf_of_shown_characters_counts_none():
    _needs_dejavu()
    data, replaced = notes_export.render_counted(_inp("Zoë Ørsted — “quotes” … ½ € ™ ?"), "pdf")
    assert replaced == 0
    assert "Zoë Ørsted — “quotes” … ½ € ™ ?" in _flat(data)


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_text_formats_keep_every_character(fmt):
    data, replaced = notes_export.render_counted(_inp(), fmt)
    assert replaced == 0
    assert "漢字 👍🏽" in data.decode("utf-8-sig")


def test_helvetica_fallback_counts_what_latin1_cannot_show(monkeypatch):
    monkeypatch.setattr(notes_pdf, "FONT_DIRS", [])
    assert notes_pdf.find_unicode_font() is None
    data, replaced = notes_export.render_counted(_inp(NOTE_TEXT + " — ok"), "pdf")
    assert replaced == UNSHOWN  # the dash becomes "-", a look-alike: not counted
    assert SHOWN + " - ok" in _flat(data)


def test_a_name_cut_to_fit_counts_only_what_stays_on_the_line():
    _needs_dejavu()
    pdf = notes_pdf._Pdf("footer")
    pdf.font(10)
    cut = pdf.fit("ab漢" + "x" * 400 + "漢", 40)
    assert cut.startswith("ab?x") and cut.endswith("…")
    assert pdf.replaced == 1
    assert pdf.fit("漢字", 40) == "??" and pdf.replaced == 3


def test_fpdf_missing_glyph_warning_is_silenced_only_around_the_build(caplog):
    _needs_dejavu()
    from fpdf import FPDF

    regular, _ = notes_pdf.find_unicode_font() or (None, None)
    doc = FPDF()
    doc.add_font("DejaVu", "", str(regular))
    doc.add_page()
    doc.set_font("DejaVu", "", 10)
    doc.cell(0, 5, "漢")  # straight to fpdf2: the glyph is missing
    logger = logging.getLogger("fpdf.output")
    before = list(logger.filters)
    with caplog.at_level(logging.WARNING), notes_pdf._no_missing_glyph_warning():
        doc.output()
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    assert logger.filters == before  # removed again: nothing global changed


def test_a_plain_interpreter_prints_nothing_to_stderr(tmp_path):
    """No pytest logging capture here: fpdf2's warning would reach stderr through Python's
    last-resort handler, as it does from the CLI and under the TUI."""
    _needs_dejavu()
    script = textwrap.dedent(f"""
        import datetime as dt
        from caseload.export.notes_export import ExportInput, render
        from tests.test_notes_export import make_note
        inp = ExportInput(notes=[make_note(1, text={NOTE_TEXT!r})],
                          students={STUDENTS!r}, as_of=dt.date(2026, 1, 15))
        print(render(inp, "pdf")[:5].decode())
    """)
    src = Path(caseload.__file__).resolve().parents[1]  # the caseload under test
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    assert done.stdout.strip() == "%PDF-"


def test_render_keeps_returning_bytes():
    assert isinstance(notes_export.render(_inp(), "pdf"), bytes)
