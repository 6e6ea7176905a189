"""Finding a student: the one matcher behind the caseload's ``/`` filter, the command palette
and ``caseload flags --search``.

Text is folded before it is compared (Unicode NFKD, combining marks dropped, then
``casefold``), so "jose" finds "José" and "STRASSE" finds "Straße". A query is split into words
at spaces and commas; a student matches when every word is found in their given, family or
preferred names, their ``sourcedId`` or their student number (``identifier``), in any order:
"josé baptiste", "baptiste, josé" and "bapt jo" all find José Baptiste.

Ranked (the palette's order): an exact id, then names that start with every word, then any
other match (a word inside a name or an id).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Protocol, TypeVar

from caseload.domain.records import User

T = TypeVar("T")

_SPLIT = re.compile(r"[\s,]+")
_JOINERS = "'\u2019-"  # apostrophes and hyphen inside a name: "O'Brien", "Smith-Jones"
_WORD = re.compile(rf"[^\W_]+(?:[{_JOINERS}][^\W_]+)*")  # a name word, joiners kept
_JOINER = re.compile(f"[{_JOINERS}]")


def fold(text: str) -> str:
    """``text`` without accents or case: NFKD, combining marks dropped, casefolded."""
    if text.isascii():  # most names and ids: nothing to decompose
        return text.lower()
    return _fold_unicode(text)


@lru_cache(maxsize=1 << 16)
def _fold_unicode(text: str) -> str:  # names repeat (José, Nuñez): fold each once
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", bare.casefold())


class Rank(IntEnum):
    """How well a student matched; lower is better."""

    EXACT_ID = 0
    NAME_PREFIX = 1
    SUBSTRING = 2


@dataclass(frozen=True, slots=True)
class Searchable:
    """A student's folded search keys (build once, match many times): the names, then the
    ids (sourcedId, student number), one per line, all folded in one pass."""

    id: str
    haystack: str
    name_count: int  # the first ``name_count`` lines are names, the rest ids

    @property
    def ids(self) -> list[str]:
        return self.haystack.split("\n")[self.name_count:]

    @property
    def words(self) -> list[str]:
        """The name words, whole ("o'brien", "nunez-ruiz") and by part ("brien", "ruiz")."""
        names = "\n".join(self.haystack.split("\n")[: self.name_count])
        words: list[str] = []
        for word in _WORD.findall(names):
            words.append(word)
            parts = _JOINER.split(word)
            if len(parts) > 1:
                words.extend(p for p in parts if p)
        return words


def searchable(sourced_id: str, names: Iterable[str | None],
               ids: Iterable[str | None] = ()) -> Searchable:
    """Search keys from a student's names (given, family, preferred...) and ids."""
    kept = [n for n in names if n]
    count = len(kept)
    kept.append(sourced_id)
    kept.extend(i for i in ids if i)
    text = "\n".join([fold(k) for k in kept])
    if text.count("\n") != len(kept) - 1:  # a line break inside a value: keep one per line
        text = "\n".join([fold(k.replace("\n", " ")) for k in kept])
    return Searchable(sourced_id, text, count)


def user_searchable(user: User) -> Searchable:
    """A student's keys: legal and preferred given and family names, sourcedId, student
    number. What ``/``, the palette and ``caseload flags --search`` match against."""
    return searchable(
        user.sourced_id,
        (user.given_name, user.family_name, user.preferred_given_name,
         user.preferred_family_name),
        (user.identifier,),
    )


def name_searchable(sourced_id: str, name: str, identifier: str | None) -> Searchable:
    """Keys from a shown name ("Family, Given") when the student's record is not at hand."""
    family, _, given = name.partition(", ")
    return searchable(sourced_id, (given, family), (identifier,))


class Listed(Protocol):
    """A student as a list shows them (``StudentReport``, ``CaseloadRow``)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def local_id(self) -> str | None: ...


def row_keys(users: Mapping[str, User]) -> Callable[[Listed], Searchable]:
    """The search keys of a listed student: from their record in ``users`` (by id) when it
    is there, else from the shown name and ids. The ``/`` filter and ``caseload flags
    --search`` both key their rows with this, so they match the same students."""
    cache: dict[str, Searchable] = {}

    def key(row: Listed) -> Searchable:
        found = cache.get(row.id)
        if found is None:
            user = users.get(row.id)
            found = cache[row.id] = (user_searchable(user) if user is not None
                                     else name_searchable(row.id, row.name, row.local_id))
        return found

    return key


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its folded text and words."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        folded = fold(text).strip()
        return cls(folded, tuple(w for w in _SPLIT.split(folded) if w))

    def __bool__(self) -> bool:
        return bool(self.words)

    def rank(self, target: Searchable) -> Rank | None:
        """How ``target`` matches, or None when it does not (an empty query matches nobody)."""
        if not self.words:
            return None
        if self.text in target.ids:
            return Rank.EXACT_ID
        haystack = target.haystack
        if not all(word in haystack for word in self.words):
            return None
        words = target.words
        if all(any(w.startswith(word) for w in words) for word in self.words):
            return Rank.NAME_PREFIX
        return Rank.SUBSTRING

    def matches(self, target: Searchable) -> bool:
        """Whether ``target`` matches; an empty query matches everyone (no filter)."""
        words = self.words
        if not words:
            return True
        haystack = target.haystack
        if len(words) == 1:
            return words[0] in haystack  # an exact id is inside the haystack too
        if all(word in haystack for word in words):
            return True
        return self.text in haystack and self.text in target.ids  # an id with a space


def search(query: str | Query, items: Iterable[T], key: Callable[[T], Searchable],
           sort_key: Callable[[T], str] | None = None) -> list[tuple[Rank, T]]:
    """The items that match ``query``, best first (rank, then ``sort_key``, then id)."""
    q = query if isinstance(query, Query) else Query.parse(query)
    found: list[tuple[Rank, str, str, T]] = []
    for item in items:
        target = key(item)
        rank = q.rank(target)
        if rank is not None:
            found.append((rank, fold(sort_key(item)) if sort_key else "", target.id, item))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    return [(rank, item) for rank, _s, _i, item in found]


def filter_items(query: str | Query, items: Iterable[T],
                 key: Callable[[T], Searchable]) -> list[T]:
    """The items that match ``query``, in their own order (the ``/`` filter and
    ``caseload flags --search``); an empty query keeps them all."""
    q = query if isinstance(query, Query) else Query.parse(query)
    if not q:
        return list(items)
    matches = q.matches
    return [item for item in items if matches(key(item))]


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """A student of the cache with their counselors' names ("Family, Given"): one line of
    the palette's student search (the reader's ``student_directory``)."""

    student: User
    counselor_names: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.student.sourced_id


__all__ = ["DirectoryEntry", "Query", "Rank", "Searchable", "filter_items", "fold",
           "name_searchable", "row_keys", "search", "searchable", "user_searchable"]
