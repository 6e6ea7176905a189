"""The counselor's TUI.

``CaseloadApp`` is handed its data source (a ``CaseloadReader``; Memray's TUI pattern), so tests
give it a fake and the CLI gives it the cache. The App builds the services its screens need
(a :class:`~caseload.tui.session.Session`, a :class:`~caseload.tui.data.DataSource`, the
:class:`~caseload.tui.notes_calls.NotesCalls`) and hands them to each screen it creates; no
screen or widget imports the App. Every reader and notes-store call runs in a named thread
worker that posts a typed message (``caseload.tui.messages``) to the node that asked; every
worker error is handled in one place, :meth:`CaseloadApp.on_worker_state_changed`. Widgets and
screens post what the counselor asked for ("open this student", "write a note") as messages;
the App decides.

Mutating commands (import, sync) and the notes export are not the App's business: the CLI
passes them in (:class:`AppActions`, ``export_notes``); without them the palette says the
action is unavailable. ``keymap`` (the config's ``[keymap]``) rebinds keys by binding id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Required, TypedDict, Unpack

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from caseload.domain.ports import CaseloadReader, NotesPort
from caseload.domain.records import User
from caseload.domain.report import CaseloadRow, SourceFreshness
from caseload.domain.search import DirectoryEntry
from caseload.domain.settings import Thresholds
from caseload.tui import messages
from caseload.tui.commands import CaseloadCommands
from caseload.tui.data import HEAD_ROWS, DataSource
from caseload.tui.format import counted_back, date_error, parse_date
from caseload.tui.keys import follow_ups_key
from caseload.tui.notes_calls import NotesCalls
from caseload.tui.notes_flow import NotesFlow
from caseload.tui.ports import InterventionChanges, NotesExporter, SaveMe
from caseload.tui.safe import clean
from caseload.tui.screens.caseload import CaseloadScreen
from caseload.tui.screens.triage_export import TriageExporter
from caseload.tui.session import Session, utc_now
from caseload.tui.start_screens import StartScreens

if TYPE_CHECKING:
    from caseload.tui.screens.changes import ChangesPort, LastSeen

__all__ = ["DARK_THEME", "HEAD_ROWS", "LIGHT_THEME", "AppActions", "CaseloadApp", "run_app"]

# The student, class, help and modal screens are imported where first used (and the student
# and class screens are warmed up in a thread once the caseload has painted), so the first
# paint loads only the caseload screen.

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


@dataclass(frozen=True)
class AppActions:
    """What the CLI lets the palette do that changes data. Each callable blocks (it runs in a
    thread worker) and returns a one-line summary for a notification; raising reports an
    error. ``sync_names`` lists configured sources, offered as "Sync NAME" commands."""

    run_import: Callable[[str], str] | None = None
    run_sync: Callable[[str], str] | None = None
    sync_names: tuple[str, ...] = ()
    # like run_sync, with a progress callback (resource, done, total or None) it calls from
    # the worker thread; used instead of run_sync when given
    run_sync_progress: Callable[[str, Callable[[str, int, int | None], None]], str] | None = None


SLOW_OPEN = 0.15  # seconds before a screen whose data is still loading is shown anyway
GC_PAUSE_LIMIT = 3.0  # seconds a drill-down may keep the garbage collector paused (tune_gc)


@dataclass
class _Opening:
    """A student or class screen waiting for its data."""

    key: tuple[object, ...]
    make: Callable[[Any], Screen[None]]
    timer: Timer
    screen: Screen[None] | None = None


class CaseloadApp(App[None]):
    TITLE = "caseload"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {CaseloadCommands}
    COMMAND_PALETTE_DISPLAY = "ctrl+p"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit caseload"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?",
                tooltip="List every key on this screen"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, id="app.palette",
                priority=True,
                tooltip="Jump to a student, switch counselor, change the date, import, sync"),
        Binding("t", "toggle_theme", "Theme", show=False, id="app.theme",
                tooltip="Toggle the light and the dark theme"),
        follow_ups_key("app.follow_ups",
                       "Open notes whose follow-up is due by the as-of date, oldest first"),
        Binding("ctrl+r", "run_sync", "Sync", show=False, id="app.sync",
                tooltip="Bring the cache up to date from the configured sources (caseload sync)"),
        Binding("w", "changes", "What changed", show=False, id="app.changes",
                tooltip="What changed since you last looked (w again there: any date)"),
    ]

    def __init__(
        self,
        reader: CaseloadReader,
        *,
        counselor_id: str | None,
        as_of: dt.date,
        actions: AppActions | None = None,
        now: Callable[[], dt.datetime] | None = None,
        theme: str | None = None,
        notes: NotesPort | None = None,
        me: str | None = None,
        export_notes: NotesExporter | None = None,
        keymap: Mapping[str, str] | None = None,
        changes: ChangesPort | None = None,
        export_triage: TriageExporter | None = None,
        save_me: SaveMe | None = None,
        intervention_changes: InterventionChanges | None = None,
        thresholds: Thresholds | None = None,
        tune_gc: bool = False,
    ) -> None:
        """``tune_gc``: the app owns its process (``run_app``) and tunes the garbage collector
        for it: no pass during a drill-down, what lives on frozen out of the passes, a closed
        screen freed after the paint (below)."""
        from caseload.tui import textual_fixes

        textual_fixes.apply()  # Textual's StylesCache keeps every widget's render (#6665)
        super().__init__()
        # the caseload's sort by change since the last intervention (None: not offered)
        self.intervention_changes = intervention_changes
        self.changes = changes  # "since you last looked" (None: not offered)
        self._last_seen: dt.date | None = None
        self.save_me = save_me  # set: no ``me`` in the config; ask who the user is, save it
        self.reader = reader
        self.notes = notes  # intervention notes (None: the notes keys say they are unavailable)
        self.session = Session(counselor_id, as_of, me=me, now=now or utc_now,
                               thresholds=thresholds or Thresholds())
        self.data = DataSource(self, reader, self.session, notes)
        self.notes_calls = (
            NotesCalls(self.data, notes, export_notes) if notes is not None else None
        )
        self.notes_flow = NotesFlow(self, self.session, self.data, self.notes_calls)
        self.start_screens = StartScreens(self)  # never over a note editor or a dialog
        self.export_triage = export_triage  # x on the caseload (services.triage_export)
        self.actions = actions or AppActions()
        self.keymap = dict(keymap or {})
        self._sync_lock = threading.Lock()
        self._sync_latest: tuple[str, int, int | None] | None = None
        self._sync_posted = False
        self._warmed = False
        self.tune_gc = tune_gc
        self._froze = False
        self._gc_limit: Timer | None = None  # set while a drill-down has the collector paused
        self._opening: _Opening | None = None
        self._directory_ready: asyncio.Event | None = None  # set when a wanted read ends
        if theme is not None:
            self.theme = theme

    # -- the session, as the palette, the CLI and the tests see it -----------------------------

    @property
    def counselor_id(self) -> str | None:
        return self.session.counselor_id

    @property
    def as_of(self) -> dt.date:
        return self.session.as_of

    @property
    def me(self) -> str | None:
        return self.session.me

    @property
    def now(self) -> Callable[[], dt.datetime]:
        return self.session.now

    @property
    def counselors(self) -> list[User]:
        return self.session.counselors

    @property
    def freshness(self) -> list[SourceFreshness]:
        return self.session.freshness

    @property
    def freshness_loaded(self) -> bool:
        return self.session.freshness_loaded

    @property
    def notes_available(self) -> bool:
        return self.notes_calls is not None

    @property
    def sync_names(self) -> tuple[str, ...]:
        return self.actions.sync_names

    # -- screens -------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return CaseloadScreen(self.session, self.data)

    @property
    def home(self) -> CaseloadScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    @property
    def closing(self) -> bool:
        """No screen left: the app is exiting, and a worker's answer that arrives now (the
        directory, the counselors, the freshness, an import's reload) has nothing to update."""
        return not self.screen_stack

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.data.request_counselors(self)
        self.data.request_freshness(self)
        if self.changes is not None:
            self._since_last_looked(self.counselor_id, self.as_of)

    # "Since you last looked" (issue 14 §2): on opening, when the app last showed this scope
    # at an earlier as-of date, the changes since then; ``w`` opens them for any date.

    @work(thread=True, exit_on_error=False, name="last seen")
    def _since_last_looked(self, counselor_id: str | None, as_of: dt.date) -> None:
        from caseload.tui.screens.changes import LastSeen

        assert self.changes is not None
        last = self.changes.last_seen(counselor_id)
        self.changes.mark_seen(counselor_id, as_of)
        self.post_message(LastSeen(last))

    def on_last_seen(self, message: LastSeen) -> None:
        self._last_seen = message.as_of
        if message.as_of is not None and message.as_of < self.as_of and not self.closing:
            since = message.as_of
            self.start_screens.show(lambda: self.open_changes(since))

    def open_changes(self, since: dt.date) -> None:
        from caseload.tui.screens.changes import ChangesScreen

        port, counselor_id, as_of = self.changes, self.counselor_id, self.as_of
        if port is None:
            self.notify("What changed is not available here", severity="warning")
            return
        self.push_screen(ChangesScreen(lambda day: port.changes(counselor_id, day, as_of),
                                       since=since, as_of=as_of, data=self.data))

    def action_changes(self) -> None:
        last = self._last_seen
        self.open_changes(last if last is not None and last < self.as_of
                          else self.as_of - dt.timedelta(days=7))

    # Opening a screen loads its data first and pushes the screen with it, so the screen is
    # composed once; if the data takes longer than SLOW_OPEN, the screen is pushed at once
    # in its loading state and the data follows.

    def open_student(self, student_id: str) -> None:
        as_of = self.as_of

        from caseload.tui.screens.student import StudentScreen

        def make(message: messages.StudentLoaded | None) -> Screen[None]:
            return StudentScreen(student_id, data=self.data, notes=self.notes_calls,
                                 detail=message.detail if message else None, as_of=as_of)

        self._begin_open(("student", student_id, as_of), make)
        self.data.request_student(self, student_id)

    async def jump_to_student(self, student_id: str) -> None:
        """From anywhere (the palette): back to the caseload, then open the student; not
        while a note open in its editor is unsaved or being saved (it says so)."""
        if self.notes_flow.holds_leave():
            return
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.home.select_student(student_id)
        self.open_student(student_id)

    def open_class(self, student_id: str, class_id: str) -> None:
        from caseload.tui.screens.klass import ClassScreen  # plotext loads here, not at start
        from caseload.tui.screens.student import StudentScreen

        name = ""
        marks: list[tuple[dt.date, str]] = []  # the student's notes: chart markers
        for screen in reversed(self.screen_stack):
            if isinstance(screen, StudentScreen) and screen.detail is not None:
                name = screen.detail.report.name
                marks = screen.note_marks
                break
        as_of = self.as_of

        def make(message: messages.ClassLoaded | None) -> Screen[None]:
            return ClassScreen(student_id, class_id, data=self.data, student_name=name,
                               detail=message.detail if message else None, as_of=as_of,
                               notes=marks)

        self._begin_open(("class", student_id, class_id, as_of), make)
        self.data.request_class(self, student_id, class_id)

    def _begin_open(self, key: tuple[object, ...], make: Callable[[Any], Screen[None]]) -> None:
        if self._opening is not None:
            self._opening.timer.stop()
        self._opening = _Opening(key, make, self.set_timer(SLOW_OPEN, self._open_slowly))
        self._pause_gc()

    def _open_slowly(self) -> None:
        opening = self._opening
        if opening is not None and opening.screen is None:
            opening.screen = opening.make(None)
            self.push_screen(opening.screen)

    def _finish_open(self, key: tuple[object, ...], message: Message) -> None:
        opening = self._opening
        if opening is None or opening.key != key:
            return  # an answer to an abandoned request
        self._opening = None
        opening.timer.stop()
        if opening.screen is not None:
            opening.screen.post_message(message)
        elif not isinstance(message, messages.LoadFailed) and not self.closing:
            self.call_later(self._resume_gc_after, self.push_screen(opening.make(message)))
            return
        self.call_after_refresh(self._resume_gc)

    def on_student_loaded(self, message: messages.StudentLoaded) -> None:
        self._finish_open(("student", message.student_id, message.as_of), message)

    def on_class_loaded(self, message: messages.ClassLoaded) -> None:
        self._finish_open(("class", message.student_id, message.class_id, message.as_of),
                          message)

    def on_load_failed(self, message: messages.LoadFailed) -> None:
        if message.group == "directory":  # the App was told; searches fall back to the rows
            self._directory_done()
            return
        opening = self._opening
        if opening is not None and opening.key[0] == message.group:
            self._finish_open(opening.key, message)

    @property
    def author_id(self) -> str | None:
        """Who writes a note: the user (config ``me``), else the counselor being viewed."""
        return self.session.author_id

    @property
    def counselor_name(self) -> str:
        return self.session.counselor_name

    def known_students(self) -> list[CaseloadRow]:
        """Students the palette can jump to by name (the loaded caseload)."""
        return self.home.reports

    # -- every student in the cache (the palette's and the / filter's search) ------------------

    def want_directory(self) -> None:
        """Read every student with their counselors' names, unless read or on its way."""
        if self.session.directory is None and self._directory_ready is None:
            self._directory_ready = asyncio.Event()
            self.data.request_directory(self)

    async def student_directory(self) -> list[DirectoryEntry] | None:
        """Every student in the cache (read on first use); None when the read failed."""
        self.want_directory()
        ready = self._directory_ready
        if ready is not None:
            await ready.wait()
        return self.session.directory

    def on_directory_wanted(self, _message: messages.DirectoryWanted) -> None:
        self.want_directory()

    def on_directory_loaded(self, message: messages.DirectoryLoaded) -> None:
        self.session.directory = message.entries
        self._freeze_long_lived()  # kept until a reload
        self._directory_done()

    def _directory_done(self) -> None:
        ready, self._directory_ready = self._directory_ready, None
        if ready is not None:
            ready.set()
        if not self.closing:
            self.home.directory_changed()

    # -- state changes -------------------------------------------------------------------------

    def set_counselor(self, counselor_id: str | None) -> None:
        self.session.counselor_id = counselor_id
        home = self.home
        home.update_titles()
        home.reload()

    def set_as_of(self, as_of: dt.date) -> None:
        self.session.move_as_of(as_of)
        self.reload_all()

    def reload_all(self) -> None:
        if self.closing:
            return  # an import or sync finished as the app exited
        self.session.directory = None  # an import or sync may have changed the students
        self.home.directory_changed()
        if self._directory_ready is not None:
            self.data.request_directory(self)  # someone is waiting: read again (exclusive)
        self.data.request_counselors(self)
        self.data.request_freshness(self)
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload):
                if isinstance(screen, CaseloadScreen):
                    screen.update_titles()
                reload()

    # -- what widgets and screens ask for (messages bubbling up) -------------------------------

    def on_open_student(self, message: messages.OpenStudent) -> None:
        self.open_student(message.student_id)

    def on_open_class(self, message: messages.OpenClass) -> None:
        self.open_class(message.student_id, message.class_id)

    def on_write_note(self, message: messages.WriteNote) -> None:
        self.notes_flow.write_note(message.student_id, message.name, message.flags,
                                   message.note, class_id=message.class_id,
                                   class_title=message.class_title, prefill=message.prefill)

    def on_student_flags_loaded(self, message: messages.StudentFlagsLoaded) -> None:
        self.notes_flow.flags_loaded(message.student_id, message.flags)

    def on_show_revisions(self, message: messages.ShowRevisions) -> None:
        self.notes_flow.show_revisions(message.note, message.student_name)

    def on_open_follow_ups(self, _message: messages.OpenFollowUps) -> None:
        self.open_follow_ups()

    def on_open_export(self, message: messages.OpenExport) -> None:
        self.open_export(message.student_id, message.student_name)

    def on_notes_changed(self, message: messages.NotesChanged) -> None:
        self.notes_flow.changed(message.student_id)

    def on_counselor_chosen(self, message: messages.CounselorChosen) -> None:
        self.set_counselor(message.counselor_id)

    def on_reload_all(self, _message: messages.ReloadAll) -> None:
        self.reload_all()

    def on_caseload_painted(self, _message: messages.CaseloadPainted) -> None:
        self.warm_up()

    # -- the garbage collector (caseload._runtime), when the app owns its process (tune_gc).
    # At 75,000 students the collector's full passes, over start-up's objects and every
    # student's names, took 100-200 ms, often in the middle of a drill-down. So: no pass from
    # a drill-down's request until its screen has painted; what lives as long as the app is
    # frozen out of the passes; a closed screen's cycles are freed once the screen below has
    # painted. The exit thaws it all (``gc.unfreeze`` is all or nothing: a host process that
    # had frozen objects of its own finds them thawed too).

    def on_warmed_up(self, _message: messages.WarmedUp) -> None:
        self._freeze_long_lived()  # start-up's modules, classes and screens live on

    def _freeze_long_lived(self) -> None:
        from caseload._runtime import freeze_long_lived

        if self.tune_gc and not self.closing:
            self._froze = freeze_long_lived() or self._froze

    def _pause_gc(self) -> None:
        """No collector pass from a drill-down's request until its screen has painted (at most
        ``GC_PAUSE_LIMIT``): the passes it would set off run after."""
        from caseload._runtime import pause_gc

        if self.tune_gc and self._gc_limit is None and pause_gc():
            self._gc_limit = self.set_timer(GC_PAUSE_LIMIT, self._resume_gc)

    async def _resume_gc_after(self, mounted: Awaitable[object]) -> None:
        await mounted
        self.call_after_refresh(self._resume_gc)

    def _resume_gc(self) -> None:
        from caseload._runtime import resume_gc

        if self._gc_limit is not None:
            self._gc_limit.stop()
            self._gc_limit = None
            resume_gc()

    def on_screen_closed(self, _message: messages.ScreenClosed) -> None:
        from caseload._runtime import collect_garbage

        if self.tune_gc:
            self.call_after_refresh(collect_garbage)

    def on_unmount(self) -> None:
        from caseload._runtime import thaw

        self._resume_gc()
        if self._froze:
            thaw()

    def open_follow_ups(self) -> None:
        self.notes_flow.open_follow_ups()

    def open_export(self, student_id: str | None = None, name: str = "") -> None:
        self.notes_flow.open_export(student_id, name)

    def write_note_for_selection(self) -> None:
        """``n`` from the palette outside a student screen: the caseload's selected student."""
        self.home.action_write_note()

    # -- workers: imports and syncs (the reads are in ``caseload.tui.data``) -------------------

    @work(thread=True, group="warmup", exclusive=True, exit_on_error=False, name="warm up")
    def _warm_up(self) -> None:
        """After the first paint: import the other screens (and plotext) off the UI thread."""
        import caseload.tui.screens.help
        import caseload.tui.screens.klass
        import caseload.tui.screens.modals
        import caseload.tui.screens.student  # noqa: F401

        self.post_message(messages.WarmedUp())

    @work(thread=True, group="actions", exit_on_error=False, name="import")
    def _run_import(self, path: str) -> None:
        assert self.actions.run_import is not None
        summary = self.actions.run_import(path)
        self.post_message(messages.ActionFinished("import", path, summary))

    @work(thread=True, group="actions", exit_on_error=False, name="sync")
    def _run_sync(self, name: str) -> None:
        if self.actions.run_sync_progress is None:
            assert self.actions.run_sync is not None
            summary = self.actions.run_sync(name)
        else:
            # a progress bar docked on the current screen (the UI stays usable meanwhile).
            # The worker keeps the latest figures and posts a message only when none is
            # waiting, so a fast sync never floods the UI and the last figures always show.
            def progress(resource: str, done: int, total: int | None) -> None:
                with self._sync_lock:
                    self._sync_latest = (resource, done, total)
                    if self._sync_posted:
                        return
                    self._sync_posted = True
                self.post_message(messages.SyncProgressed(name))

            progress("", 0, None)
            try:
                summary = self.actions.run_sync_progress(name, progress)
            finally:
                with self._sync_lock:
                    self._sync_latest = None
                self.post_message(messages.SyncProgressed(name))
        self.post_message(messages.ActionFinished("sync", name, summary))

    def on_sync_progressed(self, message: messages.SyncProgressed) -> None:
        with self._sync_lock:
            latest = self._sync_latest
            self._sync_posted = False
        if latest is None:
            self._hide_sync_progress()
        elif not self.closing:
            self._show_sync_progress(message.source, *latest)

    def _show_sync_progress(self, source: str, resource: str, done: int, total: int | None) -> None:
        from caseload.tui.widgets.sync_progress import SyncProgress

        bars = list(self.query(SyncProgress))  # the bar follows the counselor between screens
        bar = bars[0] if bars else SyncProgress(clean(source))
        if bar.parent is not None and bar.screen is not self.screen:
            bar.remove()
            bar = SyncProgress(clean(source))
        bar.show(clean(resource), done, total)
        if bar.parent is None:
            self.screen.mount(bar)

    def _hide_sync_progress(self) -> None:
        from caseload.tui.widgets.sync_progress import SyncProgress

        for screen in self.screen_stack:
            for bar in screen.query(SyncProgress):
                bar.remove()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker errors are handled (``DataSource.worker_state_changed``):
        notify, tell the waiting screen."""
        self.data.worker_state_changed(event)

    def on_counselors_loaded(self, message: messages.CounselorsLoaded) -> None:
        self.session.counselors = message.counselors
        if self.closing:
            return
        home = self.home
        home.update_titles()
        home.refresh_bindings()
        if self.save_me is not None and self.me is None and message.counselors:
            self.ask_who_i_am(message.counselors)

    def ask_who_i_am(self, counselors: list[User]) -> None:
        """First run (no ``me`` in the config): who are you? The choice is used at once
        (that caseload, the notes' author) and saved in the config file, in a worker."""
        from caseload.tui.screens.me_picker import MePicker

        save = self.save_me
        if save is None:
            return
        self.save_me = None  # asked once

        def chosen(counselor_id: str | None) -> None:
            if not counselor_id:
                return  # Escape: go on without saving
            self.session.me = counselor_id
            self.set_counselor(counselor_id)
            self._save_me(save, counselor_id)

        self.start_screens.show(lambda: self.push_screen(MePicker(counselors, save.where), chosen))

    @work(thread=True, group="save-me", exit_on_error=False, name="save who you are")
    def _save_me(self, save: SaveMe, counselor_id: str) -> None:
        where = save(counselor_id)
        name = self.session.counselor_name
        said = f"You are {clean(name)}: saved as `me` in {clean(str(where))}"
        self.call_from_thread(self.notify, said, title="Saved", markup=False, timeout=8)
    def on_freshness_loaded(self, message: messages.FreshnessLoaded) -> None:
        self.session.freshness = message.sources
        self.session.freshness_loaded = True
        if not self.closing:
            self.home.update_context()

    def warm_up(self) -> None:
        """Called once the caseload has painted: preload the class screen in a thread."""
        if not self._warmed:
            self._warmed = True
            self._warm_up()

    def on_action_finished(self, message: messages.ActionFinished) -> None:
        self.notify(clean(message.summary) or f"{message.action} finished",
                    title=f"{message.action.capitalize()} finished", markup=False)
        self.reload_all()

    def _fatal_error(self) -> None:
        """Textual's prints every frame's locals (a note's text): the error's kind instead."""
        from caseload.tui.crash import fatal_error

        fatal_error(self, super()._fatal_error)

    # -- actions -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q), unless a note open in its editor is not saved (it asks first)."""
        if not self.notes_flow.holds_quit():
            self.exit()

    def action_help(self) -> None:
        from caseload.tui.screens.help import HelpScreen, keys_for

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        screen = self.screen
        name = {
            "CaseloadScreen": "caseload",
            "StudentScreen": "student",
            "ClassScreen": "class",
            "FollowUpsScreen": "follow-ups",
            "ChangesScreen": "since you last looked",
        }.get(type(screen).__name__, type(screen).__name__)
        self.push_screen(HelpScreen(keys_for(screen, self), name, self.session.thresholds))

    def action_follow_ups(self) -> None:
        self.open_follow_ups()

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def action_change_as_of(self) -> None:
        from caseload.tui.screens.modals import PromptModal

        as_of = self.as_of  # what 11/13, -7d, mon count back from (a past day's reading)
        today = self.session.today()  # what "today" names: the way back to today
        said = f"YYYY-MM-DD, today, or 11/13, -7d, mon ({counted_back(as_of)})"

        def validate(text: str) -> str | None:
            try:
                parse_date(text, as_of, past=True, clock=today)
            except ValueError as exc:
                return date_error(exc, "The as-of date", f"Type a date as {said}.")
            return None

        def done(value: str | None) -> None:
            if value:
                self.set_as_of(parse_date(value, as_of, past=True, clock=today))

        self.push_screen(PromptModal(f"As-of date: {said}", value=self.as_of.isoformat(),
                                     validate=validate), done)

    def action_run_import(self) -> None:
        if self.actions.run_import is None:
            self.notify("Import is not available here; use `caseload import PATH`.",
                        severity="warning", markup=False)
            return
        from caseload.tui.screens.modals import PromptModal

        def done(value: str | None) -> None:
            if value:
                self.run_import(value)

        self.push_screen(
            PromptModal("Import from (a OneRoster CSV or Ed-Fi XML folder or zip)",
                        placeholder="/path/to/data",
                        validate=lambda text: None if text else "Type a path"),
            done,
        )

    def run_import(self, path: str) -> None:
        if self.actions.run_import is None:
            self.notify("Import is not available here.", severity="warning", markup=False)
            return
        self.notify(f"Importing {clean(path)}…", markup=False)
        self._run_import(path)

    def _can_sync(self) -> bool:
        return self.actions.run_sync is not None or self.actions.run_sync_progress is not None

    def action_run_sync(self) -> None:
        if not self._can_sync():
            self.notify("Sync is not available here; use `caseload sync`.",
                        severity="warning", markup=False)
            return
        names = self.actions.sync_names
        if not names:
            self.notify("No sources are configured: add a [sources.NAME] table to the config "
                        "file (docs/SYNC.md).", severity="warning", markup=False, timeout=8)
            return
        if len(names) == 1:
            self.run_sync(names[0])
            return
        from caseload.tui.screens.modals import PromptModal

        def done(value: str | None) -> None:
            if value:
                self.run_sync(value)

        self.push_screen(
            PromptModal(f"Sync which source? ({', '.join(names)})",
                        validate=lambda text: None if text in names
                        else f"One of: {', '.join(names)}"),
            done,
        )

    def run_sync(self, name: str) -> None:
        if not self._can_sync():
            self.notify("Sync is not available here.", severity="warning", markup=False)
            return
        self.notify(f"Syncing {clean(name)}…", markup=False)
        self._run_sync(name)


class AppOptions(TypedDict, total=False):
    """:class:`CaseloadApp`'s keyword arguments (``counselor_id`` and ``as_of`` required)."""

    counselor_id: Required[str | None]
    as_of: Required[dt.date]
    actions: AppActions | None
    theme: str | None
    notes: NotesPort | None
    me: str | None
    export_notes: NotesExporter | None
    keymap: Mapping[str, str] | None
    changes: ChangesPort | None
    export_triage: TriageExporter | None
    save_me: SaveMe | None
    intervention_changes: InterventionChanges | None
    thresholds: Thresholds | None


def run_app(reader: CaseloadReader, **options: Unpack[AppOptions]) -> None:
    """Run the TUI in the terminal until the user quits."""
    CaseloadApp(reader, tune_gc=True, **options).run()
