"""Who may see what in a shared (PostgreSQL) cache: grant scopes and the errors of access.

A grant maps a PostgreSQL login to a person (the author of the notes they write) and a scope:
one counselor's caseload, one school's students, or the whole district. The database enforces
it (row-level security, see ``caseload.store.access``); this module only names the things.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    COUNSELOR = "counselor"
    SCHOOL = "school"
    DISTRICT = "district"


@dataclass(frozen=True)
class Grant:
    """``login`` sees ``scope``: a counselor's caseload (``target`` the counselor's id), a
    school's students (``target`` the school's id) or every student (``target`` None).
    ``person`` is who they write notes as."""

    login: str
    person: str
    scope: Scope
    target: str | None = None

    @property
    def scope_label(self) -> str:
        """``counselor cns-1``, ``school org-hhs`` or ``district``."""
        return self.scope.value if self.target is None else f"{self.scope.value} {self.target}"


class DatabaseAccessError(Exception):
    """The database refused this login, or its schema needs its owner: the message says what
    to do and never holds data."""


class AccessControlUnavailable(DatabaseAccessError):
    """Access control asked of a SQLite cache (one user: the file's owner)."""


class DatabaseUnavailable(DatabaseAccessError):
    """The database ``--db`` or ``$CASELOAD_DB`` names cannot be opened (not a URL caseload
    knows, a folder, a SQLite file in a folder that does not exist, a server that does not
    answer or refuses the login): the message names it without its password and says what
    to check."""
