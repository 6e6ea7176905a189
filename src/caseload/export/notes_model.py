"""What a notes export holds: the typed input (:class:`ExportInput`), the scope label, the
gathering of notes and students, and the lookups the formats share (:class:`ExportContext`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from caseload.domain.notes import Note
from caseload.domain.report import ClassDetail, StudentDetail

StudentInfo = tuple[str, str | None]  # ("Last, First", grade level)
DetailFor = Callable[[str], StudentDetail | None]
ClassDetailFor = Callable[[str, str], ClassDetail | None]
Progress = Callable[[int, int, str], None]  # (done, total, what)


@dataclass(frozen=True)
class ExportInput:
    """Everything an export renders, typed (formerly a loose bag of keyword arguments).

    ``students``: ``{id: ("Last, First", grade level)}`` in the order the export lists them
    (family name first); a student missing here shows by id. ``detail_for`` /
    ``class_detail_for`` give the PDF its flags, grades, attendance and last scores;
    ``class_titles`` names the classes notes refer to.

    PDF only: ``all_students`` gives every student in ``students`` a summary (else only the
    students with notes in the range); ``counselor`` names the caseload on the cover
    (``student``, "Last, First (id)", names the one student of a student's export instead);
    ``open_follow_ups`` are the open follow-ups the cover lists (``None``: those among
    ``notes``), ``follow_up_names`` the names of their students who are not in ``students``
    (a follow-up from a note outside the range); ``progress(done, total, what)`` is called as
    the summaries are drawn.
    """

    notes: Sequence[Note]
    students: Mapping[str, StudentInfo]
    as_of: dt.date
    since: dt.date | None = None
    until: dt.date | None = None
    detail_for: DetailFor | None = None
    class_detail_for: ClassDetailFor | None = None
    class_titles: Mapping[str, str] = field(default_factory=dict)
    generated_at: dt.datetime | None = None
    all_students: bool = False
    counselor: str | None = None
    student: str | None = None
    open_follow_ups: Sequence[Note] | None = None
    follow_up_names: Mapping[str, str] = field(default_factory=dict)  # id -> "Last, First"
    progress: Progress | None = None
    authors: Mapping[str, str] = field(default_factory=dict)  # author id -> "Last, First"

    def context(self) -> ExportContext:
        ctx = ExportContext(self.students, self.detail_for, self.class_detail_for,
                            self.class_titles)
        ctx.authors = dict(self.authors)
        return ctx

# --- Shared ------------------------------------------------------------------------------


def gather(
    store: Any,
    *,
    student_id: str | None,
    counselor_id: str | None,
    since: dt.date | None,
    until: dt.date | None,
    fmt: str,
    all_students: bool = False,
) -> tuple[list[Note], dict[str, tuple[str, str | None]], set[str]]:
    """What an export of this scope holds, for the CLI and the TUI alike: the notes, the
    students to name (``id -> (sort name, grade level)``, by family name; with
    ``all_students``, a PDF names every student in scope, notes or not) and the ids the cache
    knows a name for."""
    notes = store.list(student_id=student_id, counselor_id=counselor_id, since=since, until=until)
    if student_id is not None:
        in_scope = [student_id]
    elif counselor_id is not None:
        in_scope = store.caseload_student_ids(counselor_id)
    else:
        in_scope = []
    wanted = {n.student_id for n in notes}
    if fmt == "pdf" and all_students:  # one summary per student in scope, notes or not
        wanted.update(in_scope)
    # the student asked for is looked up even without notes (a known student exports an
    # empty file; only an unknown one is an error)
    labels = store.student_labels(wanted | ({student_id} if student_id is not None else set()))
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


class ExportContext:
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
        self.authors: dict[str, str] = {}

    def author(self, author_id: str) -> str:
        """The author's name ("Last, First"), else the id as recorded."""
        return self.author_name(author_id) or author_id

    def author_name(self, author_id: str) -> str | None:
        """The author's name ("Last, First"), or None when the cache does not know them."""
        return self.authors.get(author_id) or None

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


def flag_words(codes: Iterable[str]) -> str:
    return ", ".join(codes)


