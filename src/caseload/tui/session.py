"""What the counselor is looking at: whose caseload, as of when, and what the App has read about
the cache (its counselors and how fresh each kind of data is).

The App owns one ``Session`` and hands it to the screens that show it (injection: a test
builds one by hand); the App alone changes it, then tells the screens to read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from caseload.domain.records import User
from caseload.domain.report import SourceFreshness
from caseload.domain.search import DirectoryEntry
from caseload.domain.settings import Thresholds


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class NoteDay(NamedTuple):
    """The day a note's date fields count ``today``, ``+1w``, ``fri``, ``12/1`` from, and its
    name in what they say ("today", "the as-of date")."""

    day: dt.date
    name: str

    @property
    def words(self) -> str:
        """``"today (2026-12-05)"``, ``"the as-of date (2026-11-20)"``."""
        return f"{self.name} ({self.day.isoformat()})"


@dataclass
class Session:
    counselor_id: str | None
    as_of: dt.date
    me: str | None = None  # the user (config ``me``): the author of the notes written here
    now: Callable[[], dt.datetime] = utc_now
    counselors: list[User] = field(default_factory=list)
    freshness: list[SourceFreshness] = field(default_factory=list)
    freshness_loaded: bool = False
    # every student with their counselors' names (the palette and the / filter search it);
    # None until read (on the first search), and again after a reload
    directory: list[DirectoryEntry] | None = None
    # the rules' thresholds the reader flags with (the config's ``[thresholds]``): the legend
    # states these, not the defaults
    thresholds: Thresholds = field(default_factory=Thresholds)

    def today(self) -> dt.date:
        """The local date now, by the session's clock."""
        return self.now().astimezone().date()

    def move_as_of(self, as_of: dt.date) -> None:
        self.as_of = as_of

    def note_day(self) -> NoteDay:
        """What every note field in the app counts relative dates from (the editor's contact
        and follow-up dates, the done dialog's next follow-up): today, by the session's clock
        (a day that goes on past midnight), whatever the as-of date (issue 12: "+3d" is three
        days from today, in the app as on the command line). A new note's contact date starts
        at the as-of date all the same (the note editor), so a note written while looking at
        a past day counts there."""
        return NoteDay(self.today(), "today")

    @property
    def author_id(self) -> str | None:
        """Who writes a note: the user (config ``me``), else the counselor being viewed."""
        return self.me or self.counselor_id

    @property
    def counselor_name(self) -> str:
        if self.counselor_id is None:
            return "All students"
        for counselor in self.counselors:
            if counselor.sourced_id == self.counselor_id:
                return counselor.sort_name
        return self.counselor_id
