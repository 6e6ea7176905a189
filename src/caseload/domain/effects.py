"""Did it work? (issue 14 §3): each intervention note's attendance before and after, from the
student's attendance calendar (``attendance.attendance_around``). Pure: the CLI
(``caseload notes effects`` through ``caseload.services.effects``) and the student screen's
line "since the 11/3 parent call: 78% to 92% attendance (15 and 12 days)" both use it
(each side's enrolled school days in parentheses). The app shows no change whose "after" side
rests on fewer than ``MIN_DAYS_AFTER`` school days ("too early to tell"); the CLI's JSON gives
every figure as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from caseload.domain.attendance import attendance_around
from caseload.domain.notes import ContactMethod, Note, NoteType
from caseload.domain.report import DayStatus
from caseload.domain.rounding import round_half_up
from caseload.domain.text import plural

DEFAULT_DAYS = 15

MIN_DAYS_AFTER = 5
"""The fewest enrolled school days after a note (``days_after``) on which the app shows or
ranks a change in attendance (the student screen's line, the caseload's sort ``s`` ``i``):
one school week. Fewer, and one absence (or one present day) swings the "after" rate by 25
points or more: a note written today rests on today alone ("47% to 0%" on the meeting day).
Below it the app says "too early to tell (1 school day after)". A window (``days``) shorter
than this needs only the whole window. ``caseload notes effects`` prints every note's
figures whatever their days (its JSON is issue 14's contract); docs/CHANGES.md."""


class EffectsError(ValueError):
    """Bad input (``days`` below 1)."""


@dataclass(frozen=True)
class NoteEffect:
    note: int  # the note's id (as `notes add --format json` prints it)
    date: dt.date
    type: NoteType
    method: ContactMethod | None
    attendance_before: float | None  # percent, unrounded
    attendance_after: float | None
    days_before: int
    days_after: int

    def to_json(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "date": self.date.isoformat(),
            "type": self.type.value,
            "attendance_before": _round(self.attendance_before),
            "attendance_after": _round(self.attendance_after),
            "days_before": self.days_before,
            "days_after": self.days_after,
        }

    @property
    def what(self) -> str:
        """The note in a few words: "parent call", "student meeting"..."""
        if self.type is NoteType.PARENT_CONTACT:
            return "parent call" if self.method is ContactMethod.PHONE else "parent contact"
        return _SHORT[self.type]

    def too_early(self, min_days_after: int = MIN_DAYS_AFTER) -> bool:
        """Whether the "after" side rests on too few school days to show a change: fewer
        than ``min_days_after``, with some day known around the note (no day on either side,
        as for a note from an earlier school year or a school without attendance, is
        unknown, not early)."""
        known = self.days_before > 0 or self.days_after > 0
        return known and self.days_after < min_days_after

    def text(self, min_days_after: int = MIN_DAYS_AFTER) -> str:
        """"since the 11/3 parent call: 78% to 92% attendance (15 and 12 days)" (whole
        percents, issue 14's words, then the enrolled school days each side rests on; "—"
        for a side without days);
        "since the 11/20 student meeting: too early to tell (1 school day after)" when
        :meth:`too_early`; "…: no attendance around it to compare" without a day on either
        side."""
        head = f"since the {self.date.month}/{self.date.day} {self.what}: "
        if self.too_early(min_days_after):
            return head + TooEarly(self.days_after).text()
        if self.days_before == 0 and self.days_after == 0:
            return head + "no attendance around it to compare"
        return (  # (issue 14's "78% to 92% attendance", with the days each rests on)
            f"{head}{_pct(self.attendance_before)} to {_pct(self.attendance_after)} attendance "
            f"({self.days_before} and {plural(self.days_after, 'day')})"
        )


@dataclass(frozen=True)
class TooEarly:
    """A change not shown: the latest intervention's "after" side rests on ``days_after``
    school days, fewer than ``MIN_DAYS_AFTER`` (``NoteEffect.too_early``)."""

    days_after: int

    def text(self) -> str:
        """"too early to tell (1 school day after)"."""
        days = "school day" if self.days_after == 1 else "school days"
        return f"too early to tell ({self.days_after} {days} after)"


Change = float | TooEarly | None
"""The change since the last intervention: points (after − before), too early to tell, or
unknown (None)."""  # noqa: RUF001


_SHORT = {
    NoteType.STUDENT_MEETING: "student meeting",
    NoteType.PARENT_CONTACT: "parent contact",
    NoteType.TEACHER_CONSULT: "teacher consultation",
    NoteType.REFERRAL: "referral",
    NoteType.ATTENDANCE_INTERVENTION: "attendance intervention",
    NoteType.SST_504_IEP_MEETING: "SST/504/IEP meeting",
    NoteType.OTHER: "note",
}


def _round(x: float | None) -> float | None:
    return None if x is None else round_half_up(x)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{round_half_up(x, 0):.0f}%"


def effects_of(
    notes: Iterable[Note],
    calendar: Sequence[tuple[dt.date, DayStatus]],
    as_of: dt.date,
    days: int = DEFAULT_DAYS,
    *,
    year_from: dt.date | None = None,
) -> list[NoteEffect]:
    """The effect of each intervention note (live, not ``other``, dated on or before
    ``as_of``), oldest first, from the attendance calendar at ``as_of`` (``year_from``: its
    ``AttendanceSummary.year_from``; a note dated before it is from an earlier school year:
    null rates; from it up to the calendar's first day, the summer before the year: no day
    before, the first school days after)."""
    if days < 1:
        raise EffectsError(f"--days must be at least 1, not {days}")
    out = []
    for n in sorted(notes, key=lambda n: (n.contact_date, n.id)):
        if n.deleted or n.type is NoteType.OTHER or n.contact_date > as_of:
            continue
        around = attendance_around(calendar, n.contact_date, days, year_from)
        out.append(
            NoteEffect(
                n.id, n.contact_date, n.type, n.method, around.rate_before, around.rate_after,
                around.days_before, around.days_after,
            )
        )
    return out


def latest_effect(
    notes: Iterable[Note],
    calendar: Sequence[tuple[dt.date, DayStatus]],
    as_of: dt.date,
    days: int = DEFAULT_DAYS,
    *,
    year_from: dt.date | None = None,
) -> NoteEffect | None:
    """The effect of the latest intervention note on or before ``as_of`` (None: none)."""
    found = effects_of(notes, calendar, as_of, days, year_from=year_from)
    return found[-1] if found else None


def change_since_last(
    notes: Iterable[Note],
    calendar: Sequence[tuple[dt.date, DayStatus]],
    as_of: dt.date,
    days: int = DEFAULT_DAYS,
    *,
    year_from: dt.date | None = None,
) -> Change:
    """The change since the last intervention (the caseload's sort, issue 14 §3): the latest
    intervention note's ``attendance_after`` minus its ``attendance_before`` (as
    ``caseload notes effects`` computes them), in percentage points, unrounded. Negative: the
    attendance fell after the note. :class:`TooEarly` when its "after" side rests on fewer
    than ``MIN_DAYS_AFTER`` school days (the whole window when ``days`` is shorter): no
    change is ranked on a note written today. None when the student has no intervention note
    on or before ``as_of`` or when either rate is null (no enrolled day on that side): never
    invented."""
    effect = latest_effect(notes, calendar, as_of, days, year_from=year_from)
    if effect is None:
        return None
    if effect.too_early(min(MIN_DAYS_AFTER, days)):
        return TooEarly(effect.days_after)
    return change_of(effect)


def change_of(effect: NoteEffect) -> float | None:
    """``attendance_after - attendance_before`` in points; None when either is null."""
    before, after = effect.attendance_before, effect.attendance_after
    if before is None or after is None:
        return None
    return after - before


NOTE_LETTERS: dict[str, str] = {
    "student_meeting": "S",
    "parent_contact": "P",
    "teacher_consult": "T",
    "referral": "R",
    "attendance_intervention": "A",
    "sst_504_iep_meeting": "I",
}
"""The letter an intervention note's marker carries, by note type (``NoteType`` value); the
type ``other`` is no intervention and gets no marker."""

Marker = tuple[dt.date, str]  # (the note's contact date, its letter)


def note_markers(notes: Sequence[tuple[dt.date, str]]) -> list[Marker]:
    """Markers for (contact date, note type value) pairs: intervention types only, by date."""
    return sorted((day, NOTE_LETTERS[kind]) for day, kind in notes if kind in NOTE_LETTERS)


__all__ = [
    "DEFAULT_DAYS",
    "MIN_DAYS_AFTER",
    "NOTE_LETTERS",
    "Change",
    "EffectsError",
    "Marker",
    "NoteEffect",
    "TooEarly",
    "change_of",
    "change_since_last",
    "effects_of",
    "latest_effect",
    "note_markers",
]
