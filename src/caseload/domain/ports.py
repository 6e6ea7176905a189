"""The read side the TUI and the exports depend on, as a Protocol.

The store implements it over the cache (``caseload.store.repository``); tests hand the App a
fake (as Memray's TUI tests do). Every method is blocking: the TUI calls them from workers.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from caseload.domain.records import User
from caseload.domain.report import ClassDetail, SourceFreshness, StudentDetail, StudentReport


class CaseloadReader(Protocol):
    def counselors(self) -> list[User]:
        """Every counselor in the cache, by name."""
        ...

    def caseload(self, counselor_id: str | None, as_of: dt.date) -> list[StudentReport]:
        """The counselor's students in triage order; ``None``: every student."""
        ...

    def student(self, student_id: str, as_of: dt.date) -> StudentDetail:
        """One student's drill-down. Raises KeyError for an unknown id."""
        ...

    def class_detail(self, student_id: str, class_id: str, as_of: dt.date) -> ClassDetail:
        """One student's view of one class. Raises KeyError for an unknown pair."""
        ...

    def freshness(self) -> list[SourceFreshness]:
        """When each kind of data last arrived, newest first."""
        ...
