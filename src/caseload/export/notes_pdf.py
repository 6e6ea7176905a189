"""The PDF for a meeting: a cover page, then a summary per student (fpdf2)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from caseload.domain.notes import Note
from caseload.domain.report import StudentDetail, risk_points
from caseload.domain.rounding import round_half_up
from caseload.domain.text import plural
from caseload.export.notes_model import ExportContext, ExportInput, flag_words
from caseload.export.notes_text import clean_text

if TYPE_CHECKING:
    from fpdf import FPDF

# --- PDF ---------------------------------------------------------------------------------

# Where a Unicode TTF may be: fpdf2's own package (none ship today), the system's DejaVu,
# matplotlib's bundled copy. Tests clear this to exercise the latin-1 fallback.
FONT_DIRS: list[Path] = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
    Path.home() / ".fonts",
    Path.home() / ".local" / "share" / "fonts",
]


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def find_unicode_font() -> tuple[Path, Path | None] | None:
    """(regular, bold or None) DejaVu Sans TTF files, or None when there is none."""
    dirs = list(FONT_DIRS)
    if not dirs:
        return None
    for pkg, sub in (("fpdf", "fonts"), ("matplotlib", "mpl-data/fonts/ttf")):
        base = _package_dir(pkg)
        if base is not None:
            dirs.insert(0, base / sub)
    for folder in dirs:
        regular = folder / "DejaVuSans.ttf"
        if regular.is_file():
            bold = folder / "DejaVuSans-Bold.ttf"
            return regular, (bold if bold.is_file() else None)
    return None


_LATIN1_MAP = str.maketrans(
    {
        "\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
        "\u201d": '"', "\u2026": "...",
        "•": "*", "→": "->", "≤": "<=", "≥": ">=", "\u00a0": " ",
    }
)  # (U+FFFD, from a bad decode, is not Latin-1 either: printed as "?" and counted)


# Helvetica (latin-1): every character above U+00FF is one the font cannot show.
_NOT_LATIN1 = re.compile("[^\x00-\xff]")


def _missing_pattern(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A pattern matching one character *not* among ``codepoints`` (nor a newline, which
    fpdf2 breaks lines at): a character class of the font's code point ranges, negated."""
    ranges: list[str] = []
    start = end = -2
    for cp in sorted(set(codepoints) | {ord("\n")}):
        if cp == end + 1:
            end = cp
            continue
        if start >= 0:
            ranges.append(f"\\U{start:08x}-\\U{end:08x}")
        start = end = cp
    ranges.append(f"\\U{start:08x}-\\U{end:08x}")
    return re.compile("[^" + "".join(ranges) + "]")


class _MissingGlyphsFilter(logging.Filter):
    """Drops fpdf2's "Font ... is missing the following glyphs: ..." warning, which would
    print (with the characters, which come from notes) to stderr. :meth:`_Pdf.t` replaces
    every such character first, so it never fires; this is the safety net."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Font %s is missing the following glyphs")


@contextlib.contextmanager
def _no_missing_glyph_warning() -> Iterator[None]:
    """Silence the missing-glyphs warning of fpdf2's output logger while the block runs
    (a filter on that one logger, removed after: nothing global changes)."""
    logger = logging.getLogger("fpdf.output")
    quiet = _MissingGlyphsFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


class PdfRendering(NamedTuple):
    """A rendered PDF and how many characters in it are printed as ``?`` because its font
    has no glyph for them (a count only: never which characters, nor where)."""

    data: bytes
    replaced: int


class _Pdf:
    """fpdf2 with a Unicode font when there is one, else Helvetica and latin-1 text.

    Every character the font cannot draw is printed as ``?`` (:meth:`t`), one ``?`` a code
    point, and counted in :attr:`replaced`: fpdf2 itself would leave it out of the page,
    silently but for a warning on stderr."""

    def __init__(self, footer_text: str):
        from fpdf import FPDF

        footer = footer_text
        owner = self

        class _Doc(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                owner.font(7)
                self.set_text_color(110)
                self.cell(0, 5, owner.t(f"{footer} · page {self.page_no()}/{{nb}}"), align="C")
                self.set_text_color(0)

        self.doc: FPDF = _Doc(orientation="P", unit="mm", format="letter")
        self.doc.set_margins(15, 15, 15)
        self.doc.set_auto_page_break(True, margin=18)
        self.doc.set_title("Student summary")
        self.doc.set_creator("caseload")
        self.replaced = 0  # characters printed as "?": the font has no glyph for them
        fonts = find_unicode_font()
        self.unicode = fonts is not None
        self._missing = _NOT_LATIN1
        if fonts is not None:
            from fpdf.fonts import TTFFont

            regular, bold = fonts
            self.doc.add_font("DejaVu", "", str(regular))
            self.doc.add_font("DejaVu", "B", str(bold or regular))
            self.family = "DejaVu"
            # what both faces can draw (the bold one lacks a few of the regular's glyphs):
            # any text may be set in either
            faces = [set(f.cmap) for f in self.doc.fonts.values() if isinstance(f, TTFFont)]
            self._missing = _missing_pattern(set.intersection(*faces))
        else:
            self.family = "helvetica"

    def _prepared(self, text: object, multiline: bool) -> str:
        """``text`` cleaned (and mapped to latin-1 look-alikes for Helvetica), before the
        characters the font cannot show are replaced."""
        value = clean_text(text, multiline=multiline)
        return value if self.unicode else value.translate(_LATIN1_MAP)

    def t(self, text: object, *, multiline: bool = False) -> str:
        """``text`` as printed: cleaned, every character the font cannot show as ``?``
        (counted in :attr:`replaced`)."""
        shown, replaced = self._missing.subn("?", self._prepared(text, multiline))
        self.replaced += replaced
        return shown

    def font(self, size: float, bold: bool = False) -> None:
        self.doc.set_font(self.family, "B" if bold else "", size)

    def page_header(self, label: str, as_of: dt.date, title: str) -> None:
        """A page's head: the small grey ``label`` and as-of date, then ``title`` in large
        bold; leaves the font at the body size."""
        doc = self.doc
        width = doc.epw
        self.font(9)
        doc.set_text_color(90)
        self.at(doc.l_margin, width / 2, 5, self.t(label))
        self.at(doc.l_margin + width / 2, width / 2, 5, self.t(f"As of {as_of.isoformat()}"),
                "R")
        doc.set_xy(doc.l_margin, doc.get_y() + 5)
        doc.set_text_color(0)
        self.font(18, bold=True)
        self.para(width, 9, self.t(title))
        self.font(10)

    def para(self, width: float, height: float, text: str) -> None:
        """``text`` in a box ``width`` wide, then the next line at the left margin: one
        ``cell`` when it fits on a line (fpdf2's line breaking is the slow part of a PDF),
        else ``multi_cell``."""
        doc = self.doc
        if "\n" not in text and self.width(text) <= width - 2 * doc.c_margin:
            if doc.get_y() + height > doc.page_break_trigger:
                doc.add_page()
            self.at(doc.get_x(), width, height, text)
            doc.set_xy(doc.l_margin, doc.get_y() + height)
        else:
            doc.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    def at(self, x: float, width: float, height: float, text: str, align: str = "L") -> None:
        """One line of ``text`` in the box (x, current y, width, height), placed as a cell
        would place it, with ``text()`` (several times cheaper than ``cell()``)."""
        doc = self.doc
        if not text:
            return
        x = x + width - doc.c_margin - self.width(text) if align == "R" else x + doc.c_margin
        doc.text(x, doc.get_y() + 0.5 * height + 0.3 * doc.font_size, text)

    def width(self, text: str) -> float:
        """The width of ``text`` in the current font, in mm: the font's glyph widths summed
        (what ``get_string_width`` computes for plain text, without its per-call copy of
        the graphics state, which made it the PDF's most expensive call)."""
        doc = self.doc
        font = doc.current_font
        if font is None:  # no font set yet: fpdf2's own call says so
            return float(doc.get_string_width(text))
        return float(font.get_text_width(text, doc.font_size_pt, None)[1]) / doc.k

    def fit(self, raw: object, width: float) -> str:
        """``raw`` as :meth:`t` prints it, cut (with "…") to fit one line of a cell ``width``
        wide; only the replaced characters that stay on the line are counted."""
        room = width - 2 * self.doc.c_margin
        value = self._prepared(raw, False)
        text = self._missing.sub("?", value)  # one "?" a character: positions match
        if self.width(text) <= room:
            self.replaced += len(self._missing.findall(value))
            return text
        ellipsis = self.t("…")
        low, high = 0, len(text)  # the longest prefix that fits, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            if self.width(text[:mid] + ellipsis) <= room:
                low = mid
            else:
                high = mid - 1
        self.replaced += len(self._missing.findall(value[:low]))
        return text[:low] + ellipsis


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{round_half_up(value):.1f}%"


def _pdf_student(
    pdf: _Pdf,
    student_id: str,
    notes: Sequence[Note],
    ctx: ExportContext,
    *,
    as_of: dt.date,
    since: dt.date | None,
    until: dt.date | None,
) -> None:
    doc = pdf.doc
    doc.add_page()
    detail = ctx.detail(student_id)
    width = doc.epw

    pdf.page_header("Student summary · confidential", as_of, ctx.name(student_id))
    facts = [f"ID {student_id}"]
    grade = ctx.grade_level(student_id)
    if grade:
        facts.insert(0, f"Grade {grade}")
    if detail is not None:
        if detail.local_id:
            facts.append(f"Local ID {detail.local_id}")
        if detail.school:
            facts.append(detail.school)
        if detail.counselors:
            facts.append("Counselor: " + "; ".join(detail.counselors))
    pdf.para(width, 5, pdf.t(" · ".join(facts)))
    doc.ln(2)

    if detail is None:
        _pdf_heading(pdf, "Current data")
        pdf.font(10)
        doc.multi_cell(width, 5, pdf.t("No current grades, attendance or flags for this student "
                                       "in the cache."), new_x="LMARGIN", new_y="NEXT")
    else:
        _pdf_flags(pdf, detail)
        _pdf_grades(pdf, detail)
        _pdf_attendance(pdf, detail)
        _pdf_charts(pdf, detail)
    _pdf_notes(pdf, student_id, notes, ctx, since=since, until=until)


def _pdf_heading(pdf: _Pdf, text: str) -> None:
    doc = pdf.doc
    if doc.get_y() + 20 > doc.page_break_trigger:
        doc.add_page()
    doc.ln(3)
    pdf.font(12, bold=True)
    pdf.at(doc.l_margin, doc.epw, 7, pdf.fit(text, doc.epw))
    doc.set_xy(doc.l_margin, doc.get_y() + 7)
    doc.set_draw_color(160)
    doc.line(doc.l_margin, doc.get_y(), doc.l_margin + doc.epw, doc.get_y())
    doc.set_draw_color(0)
    doc.ln(1.5)


def _pdf_flags(pdf: _Pdf, detail: StudentDetail) -> None:
    doc = pdf.doc
    _pdf_heading(pdf, "Current flags")
    flags = detail.report.flags
    if not flags:
        pdf.font(10)
        pdf.para(doc.epw, 5, pdf.t("No flags."))
        return
    # the points each flag adds to Risk, as the student screen shows them ("+2 LOW"): never a
    # severity word, which reads as a flag code beside one ("MEDIUM · LOW", issue 12)
    for flag, points in risk_points(flags):
        pdf.font(9, bold=True)
        label = f"+{points} {flag.code.label}"
        if doc.get_y() + 5 > doc.page_break_trigger:
            doc.add_page()
        pdf.at(doc.l_margin, 38, 5, pdf.fit(label, 38))
        doc.set_x(doc.l_margin + 38)
        pdf.font(10)
        pdf.para(doc.epw - 38, 5, pdf.t(flag.message))
    pdf.font(9)
    doc.set_text_color(90)
    pdf.para(doc.epw, 5, pdf.t(f"= risk {detail.report.risk} (high +3, medium +2, low +1; "
                               "STALE once)"))
    doc.set_text_color(0)


_GRADE_COLS = (("Class", 62.0, "L"), ("Teacher", 46.0, "L"), ("Grade", 20.0, "R"),
               ("Missing", 18.0, "R"), ("Last score", 40.0, "L"))


def _pdf_grades(pdf: _Pdf, detail: StudentDetail) -> None:
    """The classes as a plain grid of one-line cells (fpdf2's table() costs ~0.3 s a
    student). "Last score" is the class's last score date, the one definition every screen
    uses (``ClassMetrics.last_score_date``)."""
    doc = pdf.doc
    _pdf_heading(pdf, "Grades")
    classes = detail.report.metrics.classes
    pdf.font(9)
    if not classes:
        pdf.para(doc.epw, 5, pdf.t("No current classes."))
        return
    scale = doc.epw / sum(w for _, w, _ in _GRADE_COLS)
    widths = [w * scale for _, w, _ in _GRADE_COLS]
    pdf.font(9, bold=True)
    if doc.get_y() + 10.5 > doc.page_break_trigger:
        doc.add_page()
    top = doc.get_y()
    doc.set_fill_color(235)
    doc.rect(doc.l_margin, top, doc.epw, 5.5, style="F")
    doc.line(doc.l_margin, top + 5.5, doc.l_margin + doc.epw, top + 5.5)
    x = doc.l_margin
    for (title, _, align), width in zip(_GRADE_COLS, widths, strict=True):
        pdf.at(x, width, 5.5, pdf.t(title), align)
        x += width
    doc.set_xy(doc.l_margin, top + 5.5)
    doc.set_fill_color(255)
    pdf.font(9)
    for c in classes:
        if doc.get_y() + 5 > doc.page_break_trigger:
            doc.add_page()
        cells = (
            f"{c.title}" + (f" ({_period(c.period)})" if c.period else ""),
            c.teacher or "—",
            _fmt_pct(c.grade),
            # no line items: nothing can be missing or not (JSON null, the screen's
            # "no gradebook"), never a 0
            str(c.missing) if c.gradebook else "—",
            (c.last_score_date.isoformat() if c.last_score_date else "—") if c.gradebook
            else "no gradebook",
        )
        x = doc.l_margin
        for text, (_, _, align), width in zip(cells, _GRADE_COLS, widths, strict=True):
            pdf.at(x, width, 5, pdf.fit(text, width), align)
            x += width
        doc.set_xy(doc.l_margin, doc.get_y() + 5)


def _pdf_attendance(pdf: _Pdf, detail: StudentDetail) -> None:
    doc = pdf.doc
    _pdf_heading(pdf, "Attendance")
    m = detail.report.metrics
    att = detail.attendance
    if not att.known or m.days_absent is None:  # none loaded for the school: unknown
        pdf.font(10)
        pdf.para(doc.epw, 5, pdf.t("No attendance data (none was loaded for this "
                                   "student's school)"))
        return
    rate = m.attendance_rate if m.attendance_rate is not None else att.attendance_rate
    lines = [
        f"Attendance rate: {_fmt_pct(rate)}",
        f"Days absent: {m.days_absent} of {plural(m.school_days or 0, 'school day')}",
        "Unexcused absences, last 30 days: "
        + ("— (no day of the 30 is recorded)" if m.unexcused_30d is None else str(m.unexcused_30d)),
        f"Current absence streak: "
        f"{plural(att.current_streak or m.absence_streak or 0, 'school day')} "
        f"(longest {att.longest_streak})",
    ]
    if att.through is not None:
        lines.insert(0, f"Attendance through {att.through.isoformat()} (the last day recorded "
                        "for the school; later days are not counted)")
    if (weekdays := m.school_days_all_weekdays) is not None:  # (as the Attendance tab says)
        lines.insert(0, f"{weekdays.note} (holidays and breaks count as school days)")
    for label, limit, used, left in att.truancy:
        lines.append(f"Truancy ({label}): {used} unexcused days, past the limit of {limit}"
                     if used > limit else  # TRUANCY: more than the limit
                     f"Truancy ({label}): {used} of {limit} unexcused days used, {left} left")
    pdf.font(10)
    for line in lines:
        pdf.para(doc.epw, 5, pdf.t(line))


def _pdf_charts(pdf: _Pdf, detail: StudentDetail) -> None:
    below = [c for c in detail.report.metrics.classes if c.grade is not None and c.grade < 70]
    if not below:
        return
    _pdf_heading(pdf, "Weekly grade, classes below 70%")
    doc = pdf.doc
    gap = 6.0
    half = (doc.epw - gap) / 2
    for i in range(0, len(below), 2):  # two small charts a row: a summary stays within 2 pages
        row = below[i : i + 2]
        if doc.get_y() + _CHART_H + 14 > doc.page_break_trigger:
            doc.add_page()
        top = doc.get_y()
        bottom = top
        for j, klass in enumerate(row):
            x = doc.l_margin + j * (half + gap)
            bottom = max(bottom, _pdf_chart(pdf, f"{klass.title} · now {_fmt_pct(klass.grade)}",
                                            klass.weekly, x=x, top=top, width=half))
        doc.set_xy(doc.l_margin, bottom)


_CHART_H = 24.0


def _pdf_chart(
    pdf: _Pdf, title: str, weekly: Sequence[tuple[dt.date, float]], *, x: float, top: float,
    width: float,
) -> float:
    """A line chart of weekly grades (0-100 %, the 70 % line dashed) in the box at (x, top)
    ``width`` wide, fpdf2 primitives only; the y below it."""
    doc = pdf.doc
    height = _CHART_H
    pdf.font(9, bold=True)
    doc.set_xy(x, top)
    doc.cell(width, 5, pdf.t(title))
    left = x + 8
    top = top + 6
    width = width - 10
    bottom = top + height

    def y_of(value: float) -> float:
        return bottom - max(0.0, min(100.0, value)) / 100.0 * height

    pdf.font(6)
    doc.set_line_width(0.2)
    for tick in (0, 50, 70, 100):
        y = y_of(tick)
        doc.set_draw_color(200)
        if tick == 70:
            doc.set_draw_color(200, 60, 60)
            doc.set_dash_pattern(dash=1.2, gap=1.0)
        doc.line(left, y, left + width, y)
        doc.set_dash_pattern()
        doc.text(x, y + 1, f"{tick}")
    doc.set_draw_color(0)
    doc.line(left, top, left, bottom)
    doc.line(left, bottom, left + width, bottom)
    points = list(weekly)
    if not points:
        doc.text(left + 3, top + height / 2, pdf.t("No complete weeks yet."))
    else:
        step = width / max(1, len(points) - 1)
        xy = [(left + (i * step if len(points) > 1 else width / 2), y_of(g))
              for i, (_, g) in enumerate(points)]
        doc.set_draw_color(30, 80, 160)
        doc.set_fill_color(30, 80, 160)
        doc.set_line_width(0.5)
        if len(xy) > 1:
            doc.polyline(xy, style="D")
        for px, py in xy:
            doc.circle(px, py, 0.7, style="F")
        doc.set_line_width(0.2)
        doc.set_draw_color(0)
        doc.set_fill_color(255)
        first, last = points[0][0], points[-1][0]
        doc.text(left, bottom + 3, first.isoformat())
        if len(points) > 1:
            label = last.isoformat()
            doc.text(left + width - pdf.width(label), bottom + 3, label)
    return bottom + 5


def _pdf_notes(
    pdf: _Pdf,
    student_id: str,
    notes: Sequence[Note],
    ctx: ExportContext,
    *,
    since: dt.date | None,
    until: dt.date | None,
) -> None:
    doc = pdf.doc
    span = ""
    if since or until:
        span = f" ({since.isoformat() if since else '…'} to {until.isoformat() if until else '…'})"
    _pdf_heading(pdf, f"Notes{span}")
    if not notes:
        pdf.font(10)
        pdf.para(doc.epw, 5, pdf.t("No notes in this range."))
        return
    for note in sorted(notes, key=lambda n: (n.contact_date, n.id)):
        if doc.get_y() + 18 > doc.page_break_trigger:
            doc.add_page()
        pdf.font(10, bold=True)
        head = f"{note.contact_date.isoformat()} · {note.type.words}"
        if note.method or note.outcome:
            head += (f" · {note.method.words if note.method else 'contact'}: "
                     f"{note.outcome.words if note.outcome else 'no outcome recorded'}")
        head += f" · {note.status.value}"
        if note.follow_up:
            head += f" · follow-up {note.follow_up.isoformat()}"
        if note.deleted:
            head += " · deleted"
        if note.confidential:
            head += " · confidential: only its author may read it"
        pdf.para(doc.epw, 5.5, pdf.t(head))
        pdf.font(9)
        extra = []
        if note.flags:
            extra.append("Flags: " + flag_words(note.flags))
        if note.class_id:
            title = ctx.class_title(student_id, note.class_id)
            extra.append("Class: " + (f"{title} ({note.class_id})" if title else note.class_id))
        extra.append(f"By {ctx.author(note.author_id)}")
        doc.set_text_color(80)
        pdf.para(doc.epw, 4.5, pdf.t(" · ".join(extra)))
        doc.set_text_color(0)
        pdf.font(10)
        pdf.para(doc.epw, 5, pdf.t(note.text, multiline=True))
        doc.ln(2.5)


def _pdf_cover(pdf: _Pdf, inp: ExportInput, ctx: ExportContext, noted: Sequence[str]) -> None:
    """Page 1: counselor, range, counts by type and by outcome, open follow-ups."""
    doc = pdf.doc
    doc.add_page()
    width = doc.epw
    notes = [n for n in inp.notes if not n.deleted]
    pdf.page_header("Notes for a meeting · confidential", inp.as_of, "Caseload notes")
    span = (f"{inp.since.isoformat() if inp.since else 'the first note'} to "
            f"{inp.until.isoformat() if inp.until else 'the latest note'}")
    shown = len(ctx.students) if inp.all_students else len(noted)
    lines = [
        (f"Student: {inp.student}" if inp.student
         else f"Counselor: {inp.counselor or 'all counselors'}"),
        f"Range: {span}",
        f"{plural(len(notes), 'note')} about {plural(len(noted), 'student')}; "
        f"{plural(shown, 'student summary', 'student summaries')} "
        f"{'follows' if shown == 1 else 'follow'}"
        + (" (every student in scope)" if inp.all_students else " (students with notes)"),
    ]
    for line in lines:
        pdf.para(width, 5.5, pdf.t(line))

    _pdf_heading(pdf, "Notes by type")
    _pdf_counts(pdf, Counter(n.type.words for n in notes))
    _pdf_heading(pdf, "Notes by outcome")
    outcomes = Counter(_outcome_words(n) for n in notes)
    _pdf_counts(pdf, outcomes)

    follow = inp.open_follow_ups
    if follow is None:
        follow = [n for n in notes if n.status.value == "open" and n.follow_up is not None]
    follow = sorted(follow, key=lambda n: (n.follow_up or dt.date.max, n.id))
    _pdf_heading(pdf, f"Open follow-ups ({len(follow)})")
    pdf.font(9)
    if not follow:
        pdf.para(width, 5, pdf.t("None."))
    limit = 24
    for note in follow[:limit]:
        due = note.follow_up.isoformat() if note.follow_up else "—"
        overdue = " (overdue)" if note.follow_up and note.follow_up < inp.as_of else ""
        name = inp.follow_up_names.get(note.student_id) or ctx.name(note.student_id)
        pdf.para(width, 4.6, pdf.t(f"{due}{overdue} · {name} · "
                                   f"{note.type.words} (contact {note.contact_date})"))
    if len(follow) > limit:
        pdf.para(width, 4.6, pdf.t(f"… and {len(follow) - limit} more"))


def _outcome_words(note: Note) -> str:
    return note.outcome.words if note.outcome else "No outcome recorded"


def _pdf_counts(pdf: _Pdf, counts: Counter[str]) -> None:
    doc = pdf.doc
    pdf.font(10)
    if not counts:
        pdf.para(doc.epw, 5, pdf.t("No notes."))
        return
    for label, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if doc.get_y() + 5 > doc.page_break_trigger:
            doc.add_page()
        pdf.at(doc.l_margin, 70, 5, pdf.fit(label, 70))
        pdf.at(doc.l_margin + 70, 20, 5, str(count), "R")
        doc.set_xy(doc.l_margin, doc.get_y() + 5)


def _period(period: str) -> str:
    """``P3`` for a period that is a number or a short code, ``period 02 - Traditional`` for
    a name (Ed-Fi's ClassPeriodName): "P02 - Traditional" reads as a code."""
    return f"P{period}" if len(period) <= 3 else f"period {period}"


def render_pdf(inp: ExportInput, generated_at: dt.datetime) -> PdfRendering:
    """A cover page, then one summary per student with notes in the range (every student
    in ``inp.students`` with ``inp.all_students``), by family name; with the count of
    characters printed as ``?`` (the font has no glyph for them)."""
    ctx = inp.context()
    by_student: dict[str, list[Note]] = {}
    if inp.all_students:
        by_student = {sid: [] for sid in ctx.students}
    for note in sorted(inp.notes, key=ctx.sort_key):
        by_student.setdefault(note.student_id, []).append(note)
    noted = [sid for sid, ns in by_student.items() if ns]
    pdf = _Pdf(f"caseload · confidential student record · generated "
               f"{generated_at.astimezone():%Y-%m-%d %H:%M}")
    pdf.doc.set_creation_date(generated_at.astimezone(dt.UTC))
    _pdf_cover(pdf, inp, ctx, noted)
    total = len(by_student)
    for done, (sid, student_notes) in enumerate(by_student.items(), start=1):
        _pdf_student(pdf, sid, student_notes, ctx, as_of=inp.as_of, since=inp.since,
                     until=inp.until)
        if inp.progress is not None:
            inp.progress(done, total, "student summaries")
    with _no_missing_glyph_warning():
        data = bytes(pdf.doc.output())
    return PdfRendering(data, pdf.replaced)
