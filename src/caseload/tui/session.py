"""What the counselor is looking at: whose caseload, as of when, and what the App has read about
the cache (its counselors and how fresh each kind of data is).

The App owns one ``Session`` and hands it to the screens that show it (injection: a test
builds one by hand); the App alone changes it, then tells the screens to read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from caseload.domain.records import User
from caseload.domain.report import SourceFreshness
from caseload.domain.search import DirectoryEntry
from caseload.domain.settings import Thresholds


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
