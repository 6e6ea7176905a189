"""The records of an offset-paged collection as its pages come in, for
:meth:`caseload.sources.http.ApiClient.collect`: each record's place (the page's offset plus
its index in the page), and what becomes of a record a page lists twice.

No HTTP here. :class:`Received` takes the pages in offset order and says how many of a page's
records came before at ANOTHER place (the caller's "paging order is not stable" error: under
offset paging a record sent twice takes the place of one never sent). The same record at the
same place again is only pages that overlap (a server whose page size grows after the first
page): the later copy counts.

A record listed twice (or more) in ONE page is no paging fault: a new sync gets the same, so
it is the server's data that is wrong. Without ``--skip-invalid`` it is refused
(:class:`ListedTwiceError`, naming the record and its places). With it, the listing is left
out of the collection and described (:class:`ListedTwice`), to be written to the rejects file
(:func:`rejects`): copies that differ are all left out (which is true cannot be known, and
picking one would apply a guess); identical copies (the same JSON, field for field and in the
same order) are one record, which is kept, and each repeat is rejected. docs/SYNC.md, Paging.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from caseload.domain.text import plural
from caseload.sources.dataset import Reject

__all__ = ["ListedTwice", "ListedTwiceError", "Received", "rejects"]

Item = dict[str, Any]


class ListedTwiceError(Exception):
    """A page listed a record twice and the caller keeps no such listing: the message."""


def _json(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False)


def _identical(copies: Iterable[Any]) -> bool:
    """Whether every copy is the same JSON (field for field, in the same order, the same
    types: ``1`` and ``1.0`` differ)."""
    texts = {_json(c) for c in copies}
    return len(texts) <= 1


@dataclass(frozen=True)
class ListedTwice:
    """A record a server listed more than once in one page, left out of the collection (or,
    ``same``, kept once): the collection (host and path), the page, and its copies."""

    where: str
    offset: int  # the offset of the page that listed it
    key: Any
    copies: tuple[tuple[int, Item], ...]  # (place in the collection, copy), by place
    same: bool  # every copy identical: the first is kept, each repeat is left out

    @property
    def places(self) -> tuple[int, ...]:
        return tuple(p for p, _ in self.copies)

    @property
    def kept(self) -> Item:
        return self.copies[0][1]

    def merged(self, offset: int, copies: dict[int, Item]) -> ListedTwice:
        """With the copies a page that overlaps this one sent again (the later copy at a
        place counts); identical only when every copy still is, whatever was sent before."""
        mine = dict(self.copies)
        wider = not copies.keys() <= mine.keys()
        both = {**mine, **copies}
        return ListedTwice(
            self.where, offset if wider else self.offset, self.key,
            tuple(sorted(both.items(), key=lambda c: c[0])),
            self.same and _identical(both.values()),
        )


def _listed_twice_message(ids: list[Any], offset: int) -> str:
    first: dict[Any, int] = {}
    twice = [(k, first[k], at) for at, k in enumerate(ids, offset)
             if first.setdefault(k, at) != at]
    k, a, b = twice[0]
    more = len(twice) - 1
    also = f" (and {plural(more, 'more repeat', grouped=True)} in that page)" * bool(more)
    return (
        f"the server listed the record {k!r} twice in the page at offset {offset:,} (places "
        f"{a:,} and {b:,} of the collection){also}: which copy is true cannot be known; "
        "nothing was applied (a new sync gets the same: the server's data needs fixing)"
    )


class Received:
    """The records of one collection so far: by key, in the order they came, each at its
    place. ``keep_listed_twice``: a record a page lists twice is left out and described
    (:meth:`listed_twice`) instead of refused."""

    def __init__(self, where: str, *, keep_listed_twice: bool = False) -> None:
        self.where = where
        self.keep_listed_twice = keep_listed_twice
        self._out: dict[Any, Item] = {}
        self._place: dict[Any, int] = {}  # each record's (first) place
        self._spread: dict[Any, frozenset[int]] = {}  # every place of a record listed twice
        self._twice: dict[Any, ListedTwice] = {}
        self._end = 0  # the places before this have been received

    def take(self, items: list[Item], ids: list[Any], offset: int) -> int:
        """Take the page at ``offset`` (``ids``: its items' keys). Returns how many of its
        records came before at another place. A record listed twice in it raises
        :class:`ListedTwiceError`, unless ``keep_listed_twice``."""
        place, out = self._place, self._out
        moved = 0
        repeats: dict[Any, list[int]] | None = None
        if len(set(ids)) != len(ids):
            if not self.keep_listed_twice:
                raise ListedTwiceError(_listed_twice_message(ids, offset))
            at_index: dict[Any, list[int]] = {}
            for i, k in enumerate(ids):
                at_index.setdefault(k, []).append(i)
            repeats = {k: ix for k, ix in at_index.items() if len(ix) > 1}
        if repeats is None and not self._twice:  # the usual case: every record once
            for at, (item, k) in enumerate(zip(items, ids, strict=True), offset):
                if place.setdefault(k, at) != at:
                    moved += 1  # already received at another place
                out.pop(k, None)  # an overlapping page: this copy, in this place, counts
                out[k] = item
            self._end = max(self._end, offset + len(items))
            return moved
        for at, (item, k) in enumerate(zip(items, ids, strict=True), offset):
            ix = repeats.get(k) if repeats is not None else None
            if ix is not None:
                if at == offset + ix[0]:  # the first copy: the whole listing, in its place
                    moved += self._listed(items, k, ix, offset)
                continue
            if place.setdefault(k, at) != at and at not in self._spread.get(k, ()):
                moved += 1
            elif k in self._twice:  # one copy of a record listed twice, sent again
                self._settle(k, self._twice[k].merged(offset, {at: item}))
                continue
            out.pop(k, None)
            out[k] = item
        self._end = max(self._end, offset + len(items))
        return moved

    def _listed(self, items: list[Item], k: Any, ix: list[int], offset: int) -> int:
        """Take a record listed at the indexes ``ix`` of the page at ``offset``; returns how
        many of its copies came before at other places (0 or all).

        A page that overlaps an earlier one may list it again: at the same places, or at
        fewer (the earlier page held them all) or more (places past what the earlier pages
        held: it holds them all). Anything else lists it in two pages, the earlier one a
        place this page gives to another record (or this page a place the earlier one gave to
        another): as with a record sent again at another place, the paging's fault."""
        place = self._place
        copies = {offset + i: items[i] for i in ix}
        here = frozenset(copies)
        known = self._spread.get(k) or (frozenset((place[k],)) if k in place else here)
        if not (here <= known or (known <= here and all(p >= self._end for p in here - known))):
            return len(ix)
        self._spread[k] = known | here
        place.setdefault(k, min(here))
        old = self._twice.get(k)
        self._settle(k, old.merged(offset, copies) if old is not None else ListedTwice(
            self.where, offset, k, tuple(sorted(copies.items(), key=lambda c: c[0])),
            _identical(copies.values())))
        return 0

    def _settle(self, k: Any, found: ListedTwice) -> None:
        self._twice[k] = found
        self._out.pop(k, None)
        if found.same:
            self._out[k] = found.kept

    def __len__(self) -> int:
        """The distinct records received (and kept)."""
        return len(self._out)

    def places(self) -> int:
        """The places received: each distinct record once, and each copy of a record listed
        twice in a page (what a server's total count counts)."""
        return len(self._out) + sum(len(t.copies) - t.same for t in self._twice.values())

    def records(self) -> list[Item]:
        return list(self._out.values())

    def listed_twice(self) -> list[ListedTwice]:
        """The records listed twice in a page, by place."""
        return sorted(self._twice.values(), key=lambda t: t.places[0])


# --- the rejects --------------------------------------------------------------------------------


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _differing(copies: list[Item]) -> list[str]:
    """The fields whose value is not the same in every copy (absent counts as a value)."""
    names = dict.fromkeys(k for c in copies if isinstance(c, dict) for k in c)
    return [n for n in names
            if len({_json(c[n]) if isinstance(c, dict) and n in c else "" for c in copies}) > 1]


def rejects(
    resource: str,
    found: ListedTwice,
    *,
    field: str,
    line: str | None,
    raw: Callable[[Item], dict[str, str] | None],
) -> list[Reject]:
    """The rejects of a record listed twice in a page: every copy when they differ, each
    repeat when they are identical (the first is kept). ``line`` names the record and
    ``raw(copy)`` gives a copy's row, as the source's other rejects do (OneRoster:
    ``sourcedId '…'`` and its fields; Ed-Fi: its id, and its resource and id)."""
    n = len(found.copies)
    times = "twice" if n == 2 else f"{n} times"
    page = (f"GET {found.where}, the page at offset {found.offset:,}: places "
            f"{_and([f'{p:,}' for p in found.places])} of the collection")
    said = f"the server listed this record {times} in one page ({page})"
    if found.same:
        first = found.places[0]
        return [
            Reject(resource, line, field,
                   f"{said} in identical copies: the copy at place {first:,} is applied, this "
                   f"repeat at place {p:,} is not", raw(item))
            for p, item in found.copies[1:]
        ]
    fields = _differing([c for _, c in found.copies])
    how = f" (in {_and([repr(f) for f in fields])})" if fields else ""
    none = "neither" if n == 2 else "none"
    return [
        Reject(resource, line, field,
               f"{said} in copies that differ{how}: {none} is applied, since which is true "
               f"cannot be known (the server's data needs fixing); this is the copy at place "
               f"{p:,}", raw(item))
        for p, item in found.copies
    ]
