"""The command palette (``ctrl+p``): a screen-aware provider.

Everywhere: jump to any student of the cache by name or id (``caseload.domain.search``, the
``/`` filter's matcher; each line names the student's counselor), switch counselor (or all
students), change the as-of date, see what changed, run an import or a sync, toggle the
theme, show the keys; with a notes store, write a note, export notes and open the follow-ups.
On the caseload also: filter by flag, sort, export the list, the legend. On a student screen
also: open one of the student's classes. Over a dialog (a modal screen: the note editor, a
question) only the theme and the keys: nothing that would leave it or write. Prompts (and help
lines) are built as ``rich.text.Text`` from cleaned strings: Textual parses a palette ``str``
prompt or help as markup, and names are data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from rich.style import Style
from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.screen import ModalScreen

from caseload.domain.search import (
    DirectoryEntry,
    Query,
    Rank,
    Searchable,
    name_searchable,
    search,
    user_searchable,
)
from caseload.tui.ports import PaletteHost
from caseload.tui.safe import clean

# Fuzzy matching every name is too slow past a few thousand students; above this, substring only.
FUZZY_LIMIT = 3000
MAX_STUDENT_HITS = 60
# the palette orders hits by score: students by rank (exact id, name prefix, substring), fuzzy
# matches of small caches below them
RANK_SCORES = {Rank.EXACT_ID: 1.0, Rank.NAME_PREFIX: 0.95, Rank.SUBSTRING: 0.9}
FUZZY_SCALE = 0.5


@dataclass(frozen=True, slots=True)
class Command:
    title: str  # plain text, may contain data (cleaned before display)
    help: str  # constant text only: the palette renders help as markup
    callback: Callable[[], Any]


def highlighted(matcher: Matcher, text: str) -> Text:
    """``text`` (cleaned, literal) with the fuzzy-matched letters styled."""
    plain = clean(text)
    result = Text(plain, end="")
    _score, offsets = matcher.fuzzy_search.match(matcher.query, plain)
    style = Style(reverse=True)
    for offset in offsets:
        if not plain[offset].isspace():
            result.stylize(style, offset, offset + 1)
    return result


class CaseloadCommands(Provider):
    """Textual builds providers itself (no injection): the App is reached through the
    :class:`~caseload.tui.ports.PaletteHost` Protocol, never imported."""

    @property
    def host(self) -> PaletteHost:
        return cast(PaletteHost, self.app)

    def commands(self) -> Iterator[Command]:
        app = self.host
        screen = self.screen
        if isinstance(screen, ModalScreen):
            # over a dialog (the note editor above all) nothing that would leave it, open
            # another, change what is shown or write data: close the dialog first
            yield from self.dialog_commands()
            return
        from caseload.tui.screens.caseload import CaseloadScreen
        from caseload.tui.screens.student import StudentScreen

        if isinstance(screen, StudentScreen) and screen.detail is not None:
            for metrics in screen.detail.report.metrics.classes:
                yield Command(f"Open class: {metrics.title}", "Open this class of the student",
                              partial(app.open_class, screen.student_id, metrics.id))
        if app.notes_available:
            yield from self.notes_commands()
        yield Command("Change as-of date…", "Show every screen as of another date",
                      app.action_change_as_of)
        if app.counselor_id is not None:
            yield Command("Show all students", "Leave the caseload for every student",
                          partial(app.set_counselor, None))
        for counselor in app.counselors:
            if counselor.sourced_id != app.counselor_id:
                yield Command(f"Switch counselor: {counselor.sort_name}",
                              "Show this counselor's caseload",
                              partial(app.set_counselor, counselor.sourced_id))
        yield Command("Run import…", "Import a OneRoster CSV or Ed-Fi XML folder or zip",
                      app.action_run_import)
        names = app.sync_names
        if names:
            for name in names:
                yield Command(f"Sync {name}", "Pull fresh data from this configured source",
                              partial(app.run_sync, name))
        else:
            yield Command("Run sync…", "Pull fresh data from a configured source",
                          app.action_run_sync)
        yield Command("Toggle light / dark theme", "Switch between the light and dark theme",
                      app.action_toggle_theme)
        yield Command("Keys: help for this screen", "List every key on the current screen",
                      app.action_help)
        yield Command("Reload", "Read everything again from the cache", app.reload_all)
        # the keys' own commands, by name (review s22), after the others: found by typing
        yield Command("What changed since…", "New and cleared flags, grade drops and absences "
                      "since you last looked, or a date you pick (w)", app.action_changes)
        if isinstance(screen, CaseloadScreen):
            yield Command("Filter by flag…", "Show only students with the chosen flags (f)",
                          screen.action_flags)
            yield Command("Sort by…", "Sort by a column, triage order or the change since the "
                          "last intervention (s)", screen.action_sort)
            yield Command("Export list…", "Export this list as shown, with flags and "
                          "evidence, to CSV or Markdown (x)", screen.action_export_triage)
            yield Command("Legend", "What every column and flag code means, with Risk "
                          "points (l)", screen.action_legend)

    def dialog_commands(self) -> Iterator[Command]:
        """What the palette offers over a dialog: nothing that would leave it or write."""
        app = self.host
        yield Command("Toggle light / dark theme", "Switch between the light and dark theme",
                      app.action_toggle_theme)
        yield Command("Keys: help for this screen", "List every key on the current screen",
                      app.action_help)

    def notes_commands(self) -> Iterator[Command]:
        """Write a note, export notes, follow-ups (only when the App has a notes store)."""
        from caseload.tui.screens.student import StudentScreen

        app = self.host
        screen = self.screen
        if isinstance(screen, StudentScreen) and screen.detail is not None:
            yield Command("Write a note", "Write a note about this student",
                          screen.action_write_note)
            yield Command("Export notes…", "Export this student's or the caseload's notes",
                          screen.action_export_notes)
        else:
            # the follow-ups screen writes about its selected student, elsewhere the caseload's
            write = getattr(screen, "action_write_note", app.write_note_for_selection)
            yield Command("Write a note", "Write a note about the selected student", write)
            yield Command("Export notes…", "Export the caseload's notes (md, csv, json, pdf)",
                          app.open_export)
        yield Command("Follow-ups", "Open notes whose follow-up is due, oldest first",
                      app.open_follow_ups)

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(Text(clean(command.title)), command.callback,
                               text=clean(command.title), help=command.help)

    async def startup(self) -> None:
        self.host.want_directory()  # every student's names, read while the counselor types

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(clean(command.title))
            if score > 0:
                yield Hit(score, highlighted(matcher, command.title), command.callback,
                          text=clean(command.title), help=command.help)
        if isinstance(self.screen, ModalScreen):
            return  # no jump to a student from over a dialog (see ``commands``)
        directory = await self.host.student_directory()
        for hit in self.student_hits(query, matcher, directory):
            yield hit

    def student_hits(self, query: str, matcher: Matcher,
                     directory: list[DirectoryEntry] | None) -> Iterator[Hit]:
        """Every student in the cache that matches (``caseload.domain.search``), best first:
        an exact id, then names starting with the query's words, then the rest; each line
        names the student's counselor. Without the directory (its read failed), the
        caseload's rows. Small caches add fuzzy matches after those."""
        app = self.host
        q = Query.parse(query)
        if not q:
            return
        if directory is not None:
            students = [_Student(e.id, e.student.sort_name, e.student.identifier,
                                 e.counselor_names, user_searchable(e.student))
                        for e in directory]
        else:
            students = [_Student(r.id, r.name, r.local_id, None,
                                 name_searchable(r.id, r.name, r.local_id))
                        for r in app.known_students()]
        ranked = search(q, students, lambda s: s.keys, lambda s: s.name)
        found = {s.id for _rank, s in ranked}
        for index, (rank, student) in enumerate(ranked[:MAX_STUDENT_HITS]):
            score = RANK_SCORES[rank] - index * 1e-6  # keep the ranked order within a rank
            yield self._student_hit(score, matcher, student)
        shown = min(len(ranked), MAX_STUDENT_HITS)
        if shown < MAX_STUDENT_HITS and len(students) <= FUZZY_LIMIT:
            fuzzy = []
            for student in students:
                if student.id not in found:
                    score = matcher.match(clean(student.name))
                    if score > 0:
                        fuzzy.append((score, student))
            fuzzy.sort(key=lambda f: -f[0])
            for score, student in fuzzy[: MAX_STUDENT_HITS - shown]:
                yield self._student_hit(FUZZY_SCALE * score, matcher, student)
        stripped = query.strip()
        looks_like_id = any(ch.isdigit() for ch in stripped) and " " not in stripped
        if looks_like_id and not found:
            label = f"Open student id {stripped}"
            yield Hit(0.5, Text(clean(label)), partial(app.jump_to_student, stripped),
                      text=clean(label), help="Look this id up in the cache")

    def _student_hit(self, score: float, matcher: Matcher, student: _Student) -> Hit:
        label = f"Student: {student.name} ({student.id})"
        if student.counselors is not None:
            who = "; ".join(student.counselors) if student.counselors else "no counselor"
            label += f" · {who}"
        return Hit(score, highlighted(matcher, label),
                   partial(self.host.jump_to_student, student.id),
                   text=clean(label), help="Open this student")


@dataclass(frozen=True, slots=True)
class _Student:
    id: str
    name: str  # the shown (preferred) name, "Family, Given"
    local_id: str | None
    counselors: tuple[str, ...] | None  # None: not known (no directory)
    keys: Searchable
