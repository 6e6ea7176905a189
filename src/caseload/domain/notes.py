"""Intervention notes: what a counselor writes about a student, and the export audit trail.

Notes are the one thing in the cache that exists nowhere else. These are plain, frozen values;
``caseload.store.notes`` keeps them (with every prior revision) and ``caseload.export`` writes
them out. Pure Python: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from caseload.domain.text import CODE_ECHOED, ID_ECHOED, given


class NoteType(StrEnum):
    STUDENT_MEETING = "student_meeting"
    PARENT_CONTACT = "parent_contact"
    TEACHER_CONSULT = "teacher_consult"
    REFERRAL = "referral"
    ATTENDANCE_INTERVENTION = "attendance_intervention"
    SST_504_IEP_MEETING = "sst_504_iep_meeting"
    OTHER = "other"

    @property
    def words(self) -> str:
        """The type in words, as the TUI and the exports show it."""
        return NOTE_TYPE_WORDS[self]

    @classmethod
    def parse(cls, value: str | NoteType) -> NoteType:
        """``value`` as a NoteType; ValueError naming the valid types when it is not one."""
        if isinstance(value, NoteType):
            return value
        text = str(value).strip().lower().replace("-", "_")
        try:
            return cls(text)
        except ValueError:
            valid = ", ".join(t.value for t in cls)
            raise ValueError(
                f"unknown note type {given(value, CODE_ECHOED)} (expected one of: {valid})"
            ) from None


NOTE_TYPE_WORDS: dict[NoteType, str] = {
    NoteType.STUDENT_MEETING: "Student meeting",
    NoteType.PARENT_CONTACT: "Parent/guardian contact",
    NoteType.TEACHER_CONSULT: "Teacher consultation",
    NoteType.REFERRAL: "Referral",
    NoteType.ATTENDANCE_INTERVENTION: "Attendance intervention",
    NoteType.SST_504_IEP_MEETING: "SST / 504 / IEP meeting",
    NoteType.OTHER: "Other",
}


class ContactMethod(StrEnum):
    """How a contact was made (``notes add --method``)."""

    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"
    IN_PERSON = "in_person"
    LETTER = "letter"
    HOME_VISIT = "home_visit"
    VIDEO = "video"

    @property
    def words(self) -> str:
        return _METHOD_WORDS[self]


class ContactOutcome(StrEnum):
    """What came of a contact (``notes add --outcome``)."""

    REACHED = "reached"
    LEFT_MESSAGE = "left_message"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    MEETING_SET = "meeting_set"
    DECLINED = "declined"

    @property
    def words(self) -> str:
        return _OUTCOME_WORDS[self]


_METHOD_WORDS = {
    ContactMethod.PHONE: "Phone", ContactMethod.EMAIL: "Email", ContactMethod.TEXT: "Text",
    ContactMethod.IN_PERSON: "In person", ContactMethod.LETTER: "Letter",
    ContactMethod.HOME_VISIT: "Home visit", ContactMethod.VIDEO: "Video",
}
_OUTCOME_WORDS = {
    ContactOutcome.REACHED: "Reached", ContactOutcome.LEFT_MESSAGE: "Left message",
    ContactOutcome.NO_ANSWER: "No answer", ContactOutcome.WRONG_NUMBER: "Wrong number",
    ContactOutcome.MEETING_SET: "Meeting set", ContactOutcome.DECLINED: "Declined",
}


class NoteStatus(StrEnum):
    OPEN = "open"
    DONE = "done"

    @classmethod
    def parse(cls, value: str | NoteStatus) -> NoteStatus:
        if isinstance(value, NoteStatus):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown note status {value!r} (expected one of: {valid})") from None


# --- Errors: typed, matched by type; no message ever contains a note's text --------------


class NoteError(Exception):
    """Base of the notes errors. Messages name fields, ids and dates, never a note's text."""


# What a note's text or an id holding bytes that are not UTF-8 is told (Python hands such bytes
# from a command line or a pipe in as lone surrogates, which no database can store); the
# value itself is never repeated.
NOT_UTF8 = ("is not valid UTF-8 (it holds bytes of another encoding, e.g. from a file or a "
            "terminal set to Latin-1): convert it to UTF-8 and try again; nothing was saved")


def is_utf8(value: str) -> bool:
    """Whether ``value`` can be stored as UTF-8 (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class NoteValidationError(NoteError, ValueError):
    """Bad input for a note: ``field`` (e.g. ``text``, ``follow_up``, ``flags``) and ``reason``
    (the whole message, fit to show the user)."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


# What a note's class may be (``caseload notes add --class``, the app's note editor): a class
# the student has as the reports give them, i.e. one they have a student enrollment in, whatever
# its dates (current, ended or not yet begun), or a gradebook result in that is shown (the class
# has no roster, or the student is on it: ``caseload.store.inputs.visible_result``), and that
# the cache holds a row of. Read as the caller reads the cache: on a shared database, through
# the login's grant.
CLASS_CHOICES_LISTED = 8  # the student's classes a refusal names, at most
CLASS_ID_ECHOED = ID_ECHOED  # the longest class id a refusal repeats (caseload.domain.text)


def class_refused(student_id: str, class_id: str, classes: Sequence[str]) -> str:
    """Why a note may not name ``class_id``: the student does not have that class (one of
    ``classes``, the student's). The same words whether the cache has no such class, it is
    other students', or a login may not see who takes it (a shared database), so a refusal
    tells nothing of what lies outside a grant. The student's classes are listed when there
    are at most :data:`CLASS_CHOICES_LISTED`; a long ``class_id`` is not repeated."""
    said = f"student {given(student_id)} has no class {given(class_id, CLASS_ID_ECHOED)}"
    if not classes:
        return f"{said}; the cache has no classes for them"
    if len(classes) > CLASS_CHOICES_LISTED:
        return f"{said}; they have {len(classes)} classes"
    return f"{said}; their classes: {', '.join(repr(c) for c in classes)}"


class NoteNotFound(NoteError, KeyError):
    """No note with this id."""

    def __init__(self, note_id: int):
        super().__init__(note_id)
        self.note_id = note_id

    def __str__(self) -> str:
        return f"no note with id {self.note_id!r}"


class NoteNotYours(NoteError, PermissionError):
    """A note this login may read but not change: another person wrote it (on a shared
    PostgreSQL cache only the author's person edits, closes, deletes or restores a note).
    Its text is never said."""

    def __init__(self, note_id: int, author_id: str):
        super().__init__(note_id)
        self.note_id = note_id
        self.author_id = author_id

    def __str__(self) -> str:
        return (f"note {self.note_id} is {self.author_id}'s: only its author may change it "
                "(you may change your own notes only)")


class NoteConflict(NoteError, ValueError):
    """The note changed since the caller read it (another window or process saved first).

    ``expected_revision`` is the revision the caller edited; ``current`` the note as it
    stands now (both versions' text for the caller to show side by side; the message itself
    never holds the text). Who changed it and when: ``changed_by`` (an id), ``changed_by_name``
    (their name as the cache knows it, "Given Family"; None when it does not) and
    ``changed_at`` (UTC); :meth:`plain_words` says it for a person."""

    def __init__(self, note_id: int, expected_revision: int | None, current: Note | None,
                 *, changed_by_name: str | None = None):
        self.note_id = note_id
        self.expected_revision = expected_revision
        self.current = current
        self.changed_by = current.updated_by if current is not None else None
        self.changed_by_name = changed_by_name
        self.changed_at = current.updated_at if current is not None else None
        super().__init__(self._message())

    def plain_words(self, today: dt.date | None = None, me: str | None = None) -> str:
        """``Ana Rivera changed this note at 2:14 PM today`` (local time; "deleted" for a
        deleted note; "You … in another window" when ``me`` made the change; "Someone" when
        the cache has no name for who did). Never an id, a revision number or UTC."""
        current = self.current
        if current is None or self.changed_at is None:
            return "This note was changed in another window or by another user"
        what = "deleted" if current.deleted else "changed"
        if me is not None and self.changed_by == me:
            who, where = "You", " in another window"
        else:
            who, where = self.changed_by_name or "Someone", ""
        return f"{who} {what} this note{where} {when_words(self.changed_at, today)}"

    def _message(self) -> str:
        if self.current is None:
            return f"note {self.note_id} was changed elsewhere; reload and try again"
        return (f"note {self.note_id} was changed elsewhere: {self.plain_words()}, after "
                "you read it; read it again and redo your change")

    def __str__(self) -> str:
        return self._message()


def clock_words(at: dt.datetime) -> str:
    """``2:14 PM``: a local time as people say it."""
    local = at.astimezone()
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def when_words(at: dt.datetime, today: dt.date | None = None) -> str:
    """``at 2:14 PM today``, ``at 9:05 AM yesterday``, ``on Mon 11/16 at 2:14 PM`` (and the
    year when it is not this one): ``at`` in local time, against ``today`` (default: the
    local date now)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    local = at.astimezone()
    today = today or dt.datetime.now(dt.UTC).astimezone().date()
    clock = clock_words(local)
    if local.date() == today:
        return f"at {clock} today"
    if local.date() == today - dt.timedelta(days=1):
        return f"at {clock} yesterday"
    day = f"{local:%a} {local.month}/{local.day}"
    if local.year != today.year:
        day += f"/{local.year}"
    return f"on {day} at {clock}"


# The fields of a note that an edit may change (author, student and timestamps are fixed).
EDITABLE_FIELDS = frozenset(
    {"contact_date", "type", "flags", "class_id", "text", "follow_up", "status", "method",
     "outcome"}
)


@dataclass(frozen=True, slots=True)
class Note:
    """One intervention note, as it stands now (``revision`` counts from 1 and grows per edit).

    ``flags`` are flag codes (``FlagCode`` values) the note addresses; ``class_id`` the class it
    is about, if any. Timestamps are timezone-aware UTC. A deleted note is kept, marked.
    """

    id: int
    student_id: str
    author_id: str
    contact_date: dt.date
    type: NoteType
    flags: tuple[str, ...]
    class_id: str | None
    text: str
    follow_up: dt.date | None
    status: NoteStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted: bool = False
    revision: int = 1
    deleted_at: dt.datetime | None = None
    method: ContactMethod | None = None  # how the contact was made, when recorded
    outcome: ContactOutcome | None = None  # what came of it, when recorded
    updated_by: str | None = None  # who saved this version (an id; None: not known)
    # only its author may read it (enforced by a shared PostgreSQL database); exports say so
    confidential: bool = False

    def is_due(self, as_of: dt.date) -> bool:
        """An open, live note whose follow-up date is on or before ``as_of``."""
        return (
            not self.deleted
            and self.status is NoteStatus.OPEN
            and self.follow_up is not None
            and self.follow_up <= as_of
        )

    def to_json(self) -> dict[str, Any]:
        """The note as in the JSON export (docs/EXPORTS.md)."""
        return {
            "id": self.id,
            "student_id": self.student_id,
            "author_id": self.author_id,
            "contact_date": self.contact_date.isoformat(),
            "type": self.type.value,
            "type_words": self.type.words,
            "method": self.method.value if self.method else None,
            "outcome": self.outcome.value if self.outcome else None,
            "flags": list(self.flags),
            "class_id": self.class_id,
            "text": self.text,
            "follow_up": self.follow_up.isoformat() if self.follow_up else None,
            "status": self.status.value,
            "created_at": iso_utc(self.created_at),
            "updated_at": iso_utc(self.updated_at),
            "revision": self.revision,
            "deleted": self.deleted,
            "confidential": self.confidential,
        }


@dataclass(frozen=True, slots=True)
class NoteRevision:
    """A prior version of a note, saved when an edit replaced it.

    ``note`` is the full copy as it was (its ``revision`` is that version's number);
    ``replaced_at`` is when the edit that superseded it was saved.
    """

    note: Note
    replaced_at: dt.datetime

    @property
    def note_id(self) -> int:
        return self.note.id

    @property
    def revision(self) -> int:
        return self.note.revision


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """Unsaved note text, kept as the counselor types so a crash loses nothing.

    One per (author, student, note being edited; ``None`` for a new note). ``payload`` is the
    editor's fields as a JSON object (dates as ISO strings).
    """

    author_id: str
    student_id: str
    note_id: int | None
    payload: dict[str, Any]
    saved_at: dt.datetime


class AuditStatus(StrEnum):
    """Where an audited action got to. The row is recorded *before* the file (or the listing)
    exists: ``started`` until the write finished (``ok``) or failed (``failed``). A row left
    at ``started`` is a write that was interrupted (the process died mid-way)."""

    STARTED = "started"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action (an export, a machine-readable listing): who, when, what scope,
    which format, where, how many notes, and whether the write succeeded."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    scope: str
    format: str
    path: str
    count: int
    status: AuditStatus = AuditStatus.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso_utc(self.at),
            "actor": self.actor,
            "action": self.action,
            "scope": self.scope,
            "format": self.format,
            "path": self.path,
            "count": self.count,
            "status": self.status.value,
        }


def iso_utc(value: dt.datetime) -> str:
    """``2026-01-15T14:00:00Z`` (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")



# --- Dates as a counselor types them (notes add --date/--follow-up, the TUI's date fields) --

_WEEKDAYS = {
    name: i
    for i, names in enumerate((
        ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
        ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
        ("sunday", "sun"),
    ))
    for name in names
}
_OFFSET = re.compile(r"([+-])(\d{1,4})([dw])")
_MONTH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DATE_SYNTAX = ("today, yesterday, tomorrow, +3d, +2w, -1d, a weekday name (the next one), "
               "M/D or YYYY-MM-DD")
# the forms of a field that asks for a past day (parse_date's ``past``)
PAST_DATE_SYNTAX = ("today, yesterday, -7d, -2w, a weekday name or M/D (the last one, on or "
                    "before the as-of date) or YYYY-MM-DD")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # not the locale's


class ImpossibleDate(ValueError):
    """A date typed in an accepted shape (``M/D``, ``YYYY-MM-DD``) that no calendar has:
    the message says what is wrong (:func:`impossible_date`)."""


def _days_in(month: int, year: int | None) -> int:
    """The days of ``month`` in ``year`` (None: any year, so February has 29)."""
    if month == 2:
        leap = year is None or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def impossible_date(text: str) -> str | None:
    """Why ``text``, typed in the shape of a date (``M/D`` or ``YYYY-MM-DD``), is no real day:
    ``2026-02-30 is not a real date: February 2026 has 28 days``, ``13/1 is not a real date:
    month 13 does not exist``; None when it is a real day or not in either shape. The one
    source of these words (the TUI's date fields and the CLI's date options say them)."""
    value = str(text).strip()
    year: int | None = None
    if m := _ISO_DAY.fullmatch(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := _MONTH_DAY.fullmatch(value):
        month, day = int(m.group(1)), int(m.group(2))
    else:
        return None
    if not 1 <= month <= 12:
        why = f"month {month} does not exist"
    elif year == 0:
        why = "year 0 does not exist"
    elif day == 0:
        why = "day 0 does not exist"
    elif day > _days_in(month, year):
        name = _MONTH_NAMES[month - 1]
        if year is not None:
            why = f"{name} {year} has {_days_in(month, year)} days"
        elif month == 2:
            why = f"{name} has at most 29 days"
        else:
            why = f"{name} has {_days_in(month, None)} days"
    else:
        return None
    return f"{value} is not a real date: {why}"


def parse_date(
    text: str, today: dt.date, *, past: bool = False, clock: dt.date | None = None
) -> dt.date:
    """A date as typed: ``today``, ``yesterday``, ``tomorrow``; ``+3d``, ``-1d``, ``+2w``
    (days or weeks from today, up to 9999); a weekday name or its abbreviation (``fri``:
    the next one *after* today, so ``monday`` on a Monday is a week away); ``M/D`` (this
    year, or next year when it has passed; ``2/29`` takes the next year that has one); or
    ISO ``YYYY-MM-DD``. Case and surrounding spaces do not matter. ImpossibleDate for a day
    no calendar has in one of those shapes (``2026-02-30``, ``13/1``), saying what is wrong;
    ValueError otherwise, naming the accepted forms.

    ``past``: the reading of a field that asks for a past day (the app's "changes since",
    as-of and export from/to fields, with ``today`` the as-of date): a weekday name or
    ``M/D`` is the most recent such day *on or before* ``today`` (``fri`` on a Friday is that
    day; ``11/30`` on 2026-11-20 is 2025-11-30); the other forms read as above.

    ``clock``: the calendar's date, when ``today`` is another day (the app's as-of prompt,
    whose other forms count from the as-of date shown): ``today``, ``yesterday`` and
    ``tomorrow`` name the days around it, so ``today`` always leads back to today."""
    value = str(text).strip().lower()
    named = clock if clock is not None else today
    if value == "today":
        return named
    if value == "yesterday":
        return named - dt.timedelta(days=1)
    if value == "tomorrow":
        return named + dt.timedelta(days=1)
    if value in _WEEKDAYS:
        if past:
            return today - dt.timedelta(days=(today.weekday() - _WEEKDAYS[value]) % 7)
        ahead = (_WEEKDAYS[value] - today.weekday() - 1) % 7 + 1
        return today + dt.timedelta(days=ahead)
    why = impossible_date(value)
    if why is not None:
        raise ImpossibleDate(why)
    try:
        m = _OFFSET.fullmatch(value)
        if m:
            sign, count, unit = m.groups()
            days = int(count) * (7 if unit == "w" else 1)
            return today + dt.timedelta(days=days if sign == "+" else -days)
        m = _MONTH_DAY.fullmatch(value)
        if m:
            month, day = int(m.group(1)), int(m.group(2))
            step = -1 if past else 1
            for year in range(today.year, today.year + 9 * step, step):
                try:
                    candidate = dt.date(year, month, day)
                except ValueError:  # 2/29 in a year that has none
                    continue
                if (candidate <= today) if past else (candidate >= today):
                    return candidate
        if _ISO_DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
    except (ValueError, OverflowError):
        pass
    syntax = PAST_DATE_SYNTAX if past else DATE_SYNTAX
    raise ValueError(f"{given(text, CODE_ECHOED)} is not a date (use {syntax})")


def next_one_words(text: str) -> str | None:
    """What a date typed as ``text`` names when :func:`parse_date` reads it forward, for a
    counselor who may have meant a past day: ``"the next 12/1"`` (M/D), ``"the next
    Friday"`` (a weekday name); None for the other forms, which say their day plainly."""
    value = str(text).strip().lower()
    if value in _WEEKDAYS:
        return "the next " + ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                              "Saturday", "Sunday")[_WEEKDAYS[value]]
    if _MONTH_DAY.fullmatch(value):
        return f"the next {value}"
    return None


def days_after_words(day: dt.date, today: dt.date, today_words: str = "today") -> str:
    """``"2027-12-01, 361 days after today (2026-12-05)"``: a day after ``today`` (named
    ``today_words``: "today", "the as-of date") and how far after it."""
    gap = (day - today).days
    return (f"{day.isoformat()}, {gap} day{'' if gap == 1 else 's'} after {today_words} "
            f"({today.isoformat()})")


# --- Follow-ups: due, this week, next week ------------------------------------------------


def follow_up_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The last day of ``as_of``'s week and of the week after (weeks end on Sunday): the
    upcoming follow-ups are those after ``as_of`` up to the second date."""
    this_week = as_of + dt.timedelta(days=6 - as_of.weekday())
    return this_week, this_week + dt.timedelta(days=7)


def follow_up_when(follow_up: dt.date, as_of: dt.date) -> str:
    """``due`` (on or before ``as_of``), ``this week``, ``next week`` or ``later``."""
    if follow_up <= as_of:
        return "due"
    this_week, next_week = follow_up_window(as_of)
    if follow_up <= this_week:
        return "this week"
    return "next week" if follow_up <= next_week else "later"


def upcoming_follow_ups(notes: list[Note], as_of: dt.date) -> list[Note]:
    """Open, live notes with a follow-up after ``as_of`` this week or next, soonest first."""
    _, end = follow_up_window(as_of)
    out = [n for n in notes if not n.deleted and n.status is NoteStatus.OPEN
           and n.follow_up is not None and as_of < n.follow_up <= end]
    return sorted(out, key=lambda n: (n.follow_up or as_of, n.contact_date, n.id))
