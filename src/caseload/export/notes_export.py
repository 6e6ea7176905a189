"""Writing intervention notes out: Markdown, CSV, JSON and a PDF student summary.

Formats and fields are documented in docs/EXPORTS.md (the JSON schema there is
:data:`JSON_SCHEMA`; a test keeps the two identical). Every file is created readable by its
owner only (0600): notes are confidential student records. :func:`export_and_audit` writes
the file and records who exported what, where, in the audit log.

Text from the cache (names, note text) is data, never markup: it is escaped in Markdown,
neutralized against spreadsheet formulas in CSV, and cleaned of control characters for the
PDF. Nothing here raises on odd text (accents, emoji, control characters, lone surrogates).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseload.domain.notes import AuditEntry, Note, iso_utc
from caseload.domain.report import ClassDetail, StudentDetail

if TYPE_CHECKING:
    from fpdf import FPDF

    from caseload.store.notes import NotesStore

FORMATS = ("md", "csv", "json", "pdf")
JSON_SCHEMA_ID = "caseload-notes/1"

StudentInfo = tuple[str, str | None]  # ("Last, First", grade level)
DetailFor = Callable[[str], StudentDetail | None]
ClassDetailFor = Callable[[str, str], ClassDetail | None]

# --- Files -------------------------------------------------------------------------------


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path``, created (or truncated) readable by the owner only.

    Refuses to follow a symlink at ``path`` (an export is confidential: it must land where
    asked, not where a planted link points).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to an existing file
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


# --- Text hygiene ------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_KEEP_NONE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _valid_unicode(text: str) -> str:
    """Lone surrogates (bad decodes) become U+FFFD so encoding never fails."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean_text(text: object, *, multiline: bool = True) -> str:
    """Printable text: control characters and bidi overrides removed, newlines normalized
    (kept when ``multiline``, else turned into spaces)."""
    value = _valid_unicode("" if text is None else str(text))
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    value = _BIDI.sub("", value)
    if multiline:
        return _CONTROL.sub("", value)
    return _CONTROL_KEEP_NONE.sub(" ", value.replace("\n", " ")).strip()


# Spreadsheet formula triggers (OWASP CSV injection), plus their full-width forms, which
# some spreadsheet locales also treat as formulas.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize(cell: object) -> str:
    """A CSV cell a spreadsheet will show as text: a leading ``'`` when it would start a
    formula. NUL and other C0 controls (except tab, newline, CR) are dropped."""
    value = _valid_unicode("" if cell is None else str(cell))
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(text: object, *, multiline: bool = False) -> str:
    """Markdown-inert text: punctuation that Markdown or HTML would act on is escaped."""
    value = _MD_SPECIAL.sub(r"\\\1", clean_text(text, multiline=multiline))
    lines = []
    for line in value.split("\n"):
        stripped = line.lstrip()
        if stripped[:1] in ("#", "+", "-", "=") or re.match(r"\d+[.)]", stripped):
            indent = len(line) - len(stripped)
            line = line[:indent] + "\\" + stripped
        lines.append(line)
    return "\n".join(lines)


def _json_text(data: Any) -> str:
    """JSON with non-ASCII kept readable but DEL/C1 controls escaped (JSON escapes C0)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)


# --- Shared ------------------------------------------------------------------------------


def gather(
    store: Any,
    *,
    student_id: str | None,
    counselor_id: str | None,
    since: dt.date | None,
    until: dt.date | None,
    fmt: str,
) -> tuple[list[Note], dict[str, tuple[str, str | None]], set[str]]:
    """What an export of this scope holds, for the CLI and the TUI alike: the notes, the
    students to name (``id -> (sort name, local id)``, by name; for a PDF every student in
    scope, notes or not) and the ids the cache knows a name for."""
    notes = store.list(student_id=student_id, counselor_id=counselor_id, since=since, until=until)
    if student_id is not None:
        in_scope = [student_id]
    elif counselor_id is not None:
        in_scope = store.caseload_student_ids(counselor_id)
    else:
        in_scope = []
    wanted = {n.student_id for n in notes}
    if fmt == "pdf":  # one summary per student in scope, notes or not
        wanted.update(in_scope)
    labels = store.student_labels(wanted)
    students = {
        sid: labels.get(sid, (sid, None))
        for sid in sorted(wanted, key=lambda s: (labels.get(s, (s, None))[0].casefold(), s))
    }
    return notes, students, set(labels)


def scope_label(
    *,
    student_id: str | None = None,
    counselor_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> str:
    """The audit log's scope: ``student:ID``, ``counselor:ID`` or ``all``, then the range."""
    if student_id is not None:
        scope = f"student:{student_id}"
    elif counselor_id is not None:
        scope = f"counselor:{counselor_id}"
    else:
        scope = "all"
    if since is not None:
        scope += f" since:{since.isoformat()}"
    if until is not None:
        scope += f" until:{until.isoformat()}"
    return scope


class _Context:
    """Lookups shared by the formats: student names, class titles, details (cached)."""

    def __init__(
        self,
        students: Mapping[str, StudentInfo],
        detail_for: DetailFor | None,
        class_detail_for: ClassDetailFor | None,
        class_titles: Mapping[str, str] | None,
    ):
        self.students = students
        self._detail_for = detail_for
        self._class_detail_for = class_detail_for
        self._class_titles = dict(class_titles or {})
        self._details: dict[str, StudentDetail | None] = {}

    def detail(self, student_id: str) -> StudentDetail | None:
        if student_id not in self._details:
            found = None
            if self._detail_for is not None:
                try:
                    found = self._detail_for(student_id)
                except (KeyError, LookupError):
                    found = None
            self._details[student_id] = found
        return self._details[student_id]

    def class_detail(self, student_id: str, class_id: str) -> ClassDetail | None:
        if self._class_detail_for is None:
            return None
        try:
            return self._class_detail_for(student_id, class_id)
        except (KeyError, LookupError):
            return None

    def name(self, student_id: str) -> str:
        info = self.students.get(student_id)
        if info and info[0]:
            return info[0]
        detail = self._details.get(student_id)
        return detail.report.name if detail else student_id

    def grade_level(self, student_id: str) -> str | None:
        info = self.students.get(student_id)
        if info:
            return info[1]
        detail = self._details.get(student_id)
        return detail.report.grade_level if detail else None

    def class_title(self, student_id: str, class_id: str | None) -> str | None:
        if not class_id:
            return None
        if class_id in self._class_titles:
            return self._class_titles[class_id]
        detail = self._details.get(student_id)
        if detail is None and self._detail_for is not None:
            detail = self.detail(student_id)
        if detail is not None:
            for c in detail.report.metrics.classes:
                if c.id == class_id:
                    return c.title
        return None

    def sort_key(self, note: Note) -> tuple[str, str, dt.date, int]:
        return (self.name(note.student_id).casefold(), note.student_id, note.contact_date, note.id)


def _flag_words(codes: Iterable[str]) -> str:
    return ", ".join(codes)


# --- Markdown ----------------------------------------------------------------------------


def render_markdown(
    notes: Sequence[Note], ctx: _Context, *, as_of: dt.date, generated_at: dt.datetime
) -> str:
    ordered = sorted(notes, key=ctx.sort_key)
    student_ids = list(dict.fromkeys(n.student_id for n in ordered))
    out = [
        "# Intervention notes",
        "",
        f"As of {as_of.isoformat()} · {len(ordered)} note{'s' if len(ordered) != 1 else ''} · "
        f"{len(student_ids)} student{'s' if len(student_ids) != 1 else ''} · "
        f"exported {iso_utc(generated_at)}",
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
        out += ["", f"### {head}", ""]
        out.append(f"- Flags: {md_escape(_flag_words(note.flags)) if note.flags else 'none'}")
        if note.class_id:
            title = ctx.class_title(note.student_id, note.class_id)
            label = f"{title} ({note.class_id})" if title else note.class_id
            out.append(f"- Class: {md_escape(label)}")
        follow = note.follow_up.isoformat() if note.follow_up else "none"
        out.append(f"- Follow-up: {follow}")
        author = md_escape(note.author_id)
        out.append(f"- Author: {author} · note {note.id}, revision {note.revision}")
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
)


def render_csv(notes: Sequence[Note], ctx: _Context) -> str:
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
                    "flags", "class_id", "class_title", "text", "follow_up", "status",
                    "created_at", "updated_at", "revision", "deleted",
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
                },
            },
        },
    },
}


def notes_document(
    notes: Sequence[Note], ctx: _Context, *, as_of: dt.date, generated_at: dt.datetime
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
        "•": "*", "→": "->", "≤": "<=", "≥": ">=", "\u00a0": " ", "\ufffd": "?",
    }
)


class _Pdf:
    """fpdf2 with a Unicode font when there is one, else Helvetica and latin-1 text."""

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
        fonts = find_unicode_font()
        self.unicode = fonts is not None
        if fonts is not None:
            regular, bold = fonts
            self.doc.add_font("DejaVu", "", str(regular))
            self.doc.add_font("DejaVu", "B", str(bold or regular))
            self.family = "DejaVu"
        else:
            self.family = "helvetica"

    def t(self, text: object, *, multiline: bool = False) -> str:
        value = clean_text(text, multiline=multiline)
        if self.unicode:
            return value
        return value.translate(_LATIN1_MAP).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.doc.set_font(self.family, "B" if bold else "", size)


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _pdf_student(
    pdf: _Pdf,
    student_id: str,
    notes: Sequence[Note],
    ctx: _Context,
    *,
    as_of: dt.date,
    since: dt.date | None,
    until: dt.date | None,
) -> None:
    doc = pdf.doc
    doc.add_page()
    detail = ctx.detail(student_id)
    width = doc.epw

    # Header
    pdf.font(9)
    doc.set_text_color(90)
    doc.cell(width / 2, 5, pdf.t("Student summary · confidential"))
    doc.cell(width / 2, 5, pdf.t(f"As of {as_of.isoformat()}"), align="R",
             new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)
    pdf.font(18, bold=True)
    doc.multi_cell(width, 9, pdf.t(ctx.name(student_id)), new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
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
    doc.multi_cell(width, 5, pdf.t(" · ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)

    if detail is None:
        _pdf_heading(pdf, "Current data")
        pdf.font(10)
        doc.multi_cell(width, 5, pdf.t("No current grades, attendance or flags for this student "
                                       "in the cache."), new_x="LMARGIN", new_y="NEXT")
    else:
        _pdf_flags(pdf, detail)
        _pdf_grades(pdf, detail, student_id, ctx)
        _pdf_attendance(pdf, detail)
        _pdf_charts(pdf, detail)
    _pdf_notes(pdf, student_id, notes, ctx, since=since, until=until)


def _pdf_heading(pdf: _Pdf, text: str) -> None:
    doc = pdf.doc
    if doc.get_y() + 20 > doc.page_break_trigger:
        doc.add_page()
    doc.ln(3)
    pdf.font(12, bold=True)
    doc.cell(doc.epw, 7, pdf.t(text), new_x="LMARGIN", new_y="NEXT")
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
        doc.multi_cell(doc.epw, 5, pdf.t("No flags."), new_x="LMARGIN", new_y="NEXT")
        return
    for flag in flags:
        pdf.font(9, bold=True)
        label = f"{flag.severity.value.upper()} · {flag.code.label}"
        doc.cell(38, 5, pdf.t(label))
        pdf.font(10)
        doc.multi_cell(doc.epw - 38, 5, pdf.t(flag.message), new_x="LMARGIN", new_y="NEXT")


def _last_score(ctx: _Context, student_id: str, class_id: str, fallback: dt.date | None) -> str:
    cd = ctx.class_detail(student_id, class_id)
    if cd is not None:
        scored = [a for a in cd.assignments if a.percent is not None and a.score is not None]
        if scored:
            latest = max(scored, key=lambda a: (a.due_date or dt.date.min))
            when = f" ({latest.due_date.isoformat()})" if latest.due_date else ""
            return f"{latest.percent:.1f}%{when}"
    return fallback.isoformat() if fallback else "—"


def _pdf_grades(pdf: _Pdf, detail: StudentDetail, student_id: str, ctx: _Context) -> None:
    doc = pdf.doc
    _pdf_heading(pdf, "Grades")
    classes = detail.report.metrics.classes
    pdf.font(9)
    if not classes:
        doc.multi_cell(doc.epw, 5, pdf.t("No current classes."), new_x="LMARGIN", new_y="NEXT")
        return
    with doc.table(
        col_widths=(62, 44, 20, 18, 42),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        head = table.row()
        for title in ("Class", "Teacher", "Grade", "Missing", "Last score"):
            head.cell(pdf.t(title))
        for c in classes:
            row = table.row()
            row.cell(pdf.t(f"{c.title}" + (f" (P{c.period})" if c.period else "")))
            row.cell(pdf.t(c.teacher or "—"))
            row.cell(pdf.t(_fmt_pct(c.grade)))
            row.cell(str(c.missing))
            row.cell(pdf.t(_last_score(ctx, student_id, c.id, c.last_score_date)))


def _pdf_attendance(pdf: _Pdf, detail: StudentDetail) -> None:
    doc = pdf.doc
    _pdf_heading(pdf, "Attendance")
    m = detail.report.metrics
    att = detail.attendance
    if not att.known or m.days_absent is None:  # none loaded for the school: unknown
        pdf.font(10)
        doc.multi_cell(doc.epw, 5, pdf.t("No attendance data (none was loaded for this "
                                         "student's school)"), new_x="LMARGIN", new_y="NEXT")
        return
    rate = m.attendance_rate if m.attendance_rate is not None else att.attendance_rate
    lines = [
        f"Attendance rate: {_fmt_pct(rate)}",
        f"Days absent: {m.days_absent} of {m.school_days} school days",
        f"Unexcused absences, last 30 days: {m.unexcused_30d}",
        f"Current absence streak: {att.current_streak or m.absence_streak} school days "
        f"(longest {att.longest_streak})",
    ]
    if att.through is not None:
        lines.insert(0, f"Attendance through {att.through.isoformat()} (the last day recorded "
                        "for the school; later days are not counted)")
    for label, limit, used, left in att.truancy:
        lines.append(f"Truancy ({label}): {used} of {limit} unexcused days used, {left} left")
    pdf.font(10)
    for line in lines:
        doc.multi_cell(doc.epw, 5, pdf.t(line), new_x="LMARGIN", new_y="NEXT")


def _pdf_charts(pdf: _Pdf, detail: StudentDetail) -> None:
    below = [c for c in detail.report.metrics.classes if c.grade is not None and c.grade < 70]
    if not below:
        return
    _pdf_heading(pdf, "Weekly grade, classes below 70%")
    for klass in below:
        _pdf_chart(pdf, f"{klass.title} · now {_fmt_pct(klass.grade)}", klass.weekly)


def _pdf_chart(pdf: _Pdf, title: str, weekly: Sequence[tuple[dt.date, float]]) -> None:
    """A line chart of weekly grades (0-100 %, the 70 % line dashed), fpdf2 primitives only."""
    doc = pdf.doc
    height = 36.0
    if doc.get_y() + height + 14 > doc.page_break_trigger:
        doc.add_page()
    pdf.font(10, bold=True)
    doc.cell(doc.epw, 6, pdf.t(title), new_x="LMARGIN", new_y="NEXT")
    left = doc.l_margin + 10
    top = doc.get_y() + 1
    width = doc.epw - 14
    bottom = top + height

    def y_of(value: float) -> float:
        return bottom - max(0.0, min(100.0, value)) / 100.0 * height

    pdf.font(7)
    doc.set_line_width(0.2)
    for tick in (0, 50, 70, 100):
        y = y_of(tick)
        doc.set_draw_color(200)
        if tick == 70:
            doc.set_draw_color(200, 60, 60)
            doc.set_dash_pattern(dash=1.2, gap=1.0)
        doc.line(left, y, left + width, y)
        doc.set_dash_pattern()
        doc.text(doc.l_margin, y + 1, f"{tick}")
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
        doc.set_line_width(0.6)
        if len(xy) > 1:
            doc.polyline(xy, style="D")
        for x, y in xy:
            doc.circle(x, y, 0.8, style="F")
        doc.set_line_width(0.2)
        doc.set_draw_color(0)
        doc.set_fill_color(255)
        first, last = points[0][0], points[-1][0]
        doc.text(left, bottom + 3.5, first.isoformat())
        if len(points) > 1:
            label = last.isoformat()
            doc.text(left + width - doc.get_string_width(label), bottom + 3.5, label)
    doc.set_y(bottom + 6)


def _pdf_notes(
    pdf: _Pdf,
    student_id: str,
    notes: Sequence[Note],
    ctx: _Context,
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
        doc.multi_cell(doc.epw, 5, pdf.t("No notes in this range."), new_x="LMARGIN", new_y="NEXT")
        return
    for note in sorted(notes, key=lambda n: (n.contact_date, n.id)):
        if doc.get_y() + 18 > doc.page_break_trigger:
            doc.add_page()
        pdf.font(10, bold=True)
        head = f"{note.contact_date.isoformat()} · {note.type.words} · {note.status.value}"
        if note.follow_up:
            head += f" · follow-up {note.follow_up.isoformat()}"
        if note.deleted:
            head += " · deleted"
        doc.multi_cell(doc.epw, 5.5, pdf.t(head), new_x="LMARGIN", new_y="NEXT")
        pdf.font(9)
        extra = []
        if note.flags:
            extra.append("Flags: " + _flag_words(note.flags))
        if note.class_id:
            title = ctx.class_title(student_id, note.class_id)
            extra.append("Class: " + (f"{title} ({note.class_id})" if title else note.class_id))
        extra.append(f"By {note.author_id}")
        doc.set_text_color(80)
        doc.multi_cell(doc.epw, 4.5, pdf.t(" · ".join(extra)), new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0)
        pdf.font(10)
        doc.multi_cell(doc.epw, 5, pdf.t(note.text, multiline=True), new_x="LMARGIN",
                       new_y="NEXT")
        doc.ln(2.5)


def render_pdf(
    notes: Sequence[Note],
    ctx: _Context,
    *,
    as_of: dt.date,
    generated_at: dt.datetime,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> bytes:
    """One student summary per student: those in ``ctx.students`` (in order), then any
    other student a note belongs to."""
    by_student: dict[str, list[Note]] = {sid: [] for sid in ctx.students}
    for note in sorted(notes, key=ctx.sort_key):
        by_student.setdefault(note.student_id, []).append(note)
    pdf = _Pdf(f"caseload · confidential student record · generated {iso_utc(generated_at)}")
    pdf.doc.set_creation_date(generated_at.astimezone(dt.UTC))
    if not by_student:
        pdf.doc.add_page()
        pdf.font(12)
        pdf.doc.multi_cell(pdf.doc.epw, 6, "No students and no notes in this export.")
    for sid, student_notes in by_student.items():
        _pdf_student(pdf, sid, student_notes, ctx, as_of=as_of, since=since, until=until)
    return bytes(pdf.doc.output())


# --- Entry points ------------------------------------------------------------------------


def render_notes(
    notes: Sequence[Note],
    fmt: str,
    *,
    students: Mapping[str, StudentInfo],
    as_of: dt.date,
    detail_for: DetailFor | None = None,
    class_detail_for: ClassDetailFor | None = None,
    class_titles: Mapping[str, str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The export's bytes (nothing is written). See :func:`export_notes`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    when = generated_at or dt.datetime.now(dt.UTC)
    ctx = _Context(students, detail_for, class_detail_for, class_titles)
    if fmt == "md":
        return render_markdown(notes, ctx, as_of=as_of, generated_at=when).encode(
            "utf-8", "replace"
        )
    if fmt == "csv":
        # UTF-8 with a byte-order mark so spreadsheets detect the encoding (accents survive)
        return render_csv(notes, ctx).encode("utf-8-sig", "replace")
    if fmt == "json":
        doc = notes_document(notes, ctx, as_of=as_of, generated_at=when)
        return (_json_text(doc) + "\n").encode("utf-8", "replace")
    return render_pdf(notes, ctx, as_of=as_of, generated_at=when, since=since, until=until)


def export_notes(
    notes: Sequence[Note],
    fmt: str,
    path: str | os.PathLike[str],
    *,
    students: Mapping[str, StudentInfo],
    as_of: dt.date,
    detail_for: DetailFor | None = None,
    class_detail_for: ClassDetailFor | None = None,
    class_titles: Mapping[str, str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    generated_at: dt.datetime | None = None,
) -> int:
    """Write ``notes`` as ``fmt`` (md, csv, json, pdf) to ``path`` (0600); the note count.

    ``students``: ``{id: ("Last, First", grade_level)}`` for names (a student missing here
    shows by id). The PDF is one summary per student in ``students`` (so a student with no
    notes in the range still gets one) and per student with notes; it needs ``detail_for``
    for flags, grades and attendance, and uses ``class_detail_for`` for last scores.
    ``class_titles`` (``{class id: title}``) names the classes notes refer to.
    The file is written only once the whole export rendered: a failure leaves no file.
    """
    data = render_notes(
        notes,
        fmt,
        students=students,
        as_of=as_of,
        detail_for=detail_for,
        class_detail_for=class_detail_for,
        class_titles=class_titles,
        since=since,
        until=until,
        generated_at=generated_at,
    )
    write_private(path, data)
    return len(notes)


def export_and_audit(
    store: NotesStore,
    notes: Sequence[Note],
    fmt: str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    scope: str,
    students: Mapping[str, StudentInfo],
    as_of: dt.date,
    detail_for: DetailFor | None = None,
    class_detail_for: ClassDetailFor | None = None,
    class_titles: Mapping[str, str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> AuditEntry:
    """Export (as :func:`export_notes`) and record it in the audit log; the entry."""
    count = export_notes(
        notes,
        fmt,
        path,
        students=students,
        as_of=as_of,
        detail_for=detail_for,
        class_detail_for=class_detail_for,
        class_titles=class_titles,
        since=since,
        until=until,
        generated_at=store.clock(),
    )
    return store.record_audit(
        actor=actor or "unknown",
        scope=scope,
        format=fmt,
        path=str(Path(path).resolve()),
        count=count,
    )
