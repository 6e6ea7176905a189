"""Every blocking call of the TUI, in a named thread worker that posts a typed message back.

``DataSource`` holds the reader (``CaseloadReader``) and the notes store (``NotesPort``) the CLI
handed the App, and runs each of their calls in a thread worker on the App (the worker
``host``), one call at a time, so a reader over a single database connection needs no locking
of its own. The worker posts its answer (a message of ``caseload.tui.messages``) to the node
that asked; when it raises, the App's ``on_worker_state_changed`` hands it to
:meth:`DataSource.worker_state_changed` (the one place worker errors are handled), which
notifies and posts :class:`~caseload.tui.messages.LoadFailed` to that node, found with
:meth:`DataSource.target_of`. A call made again and again by itself (the note editor's autosave,
``once``) is notified once while it keeps failing, and again only after it has succeeded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from caseload.domain.ports import CaseloadReader, NotesPort
from caseload.tui import messages
from caseload.tui.safe import clean
from caseload.tui.session import Session

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.message_pump import MessagePump

HEAD_ROWS = 200  # rows of a large caseload painted before the whole list has loaded


class DataSource:
    """Implements :class:`caseload.tui.ports.DataRequests` over a reader."""

    def __init__(self, host: DOMNode, reader: CaseloadReader, session: Session,
                 notes: NotesPort | None = None) -> None:
        self.host = host
        self.reader = reader
        self.session = session
        self.notes = notes
        self._lock = threading.Lock()
        self._targets: dict[Worker[None], MessagePump] = {}
        self._once: set[Worker[None]] = set()  # workers of calls notified once per failure run
        self._failing: set[str] = set()  # the names of such calls whose last run failed

    # -- the one runner ------------------------------------------------------------------------

    def run(self, target: MessagePump, name: str, group: str,
            job: Callable[[], Message | None], *, exclusive: bool = False,
            once: bool = False) -> None:
        """Run ``job`` (under the lock) in a thread worker named ``name``; post the message it
        returns to ``target`` unless the worker was cancelled meanwhile. ``once``: a call the
        app repeats by itself (an autosave): while it keeps failing its failure is notified
        once, not at every try (``target`` still gets ``LoadFailed`` each time), and again
        after a success."""

        def work() -> None:
            with self._lock:
                message = job()
            if message is not None and not get_current_worker().is_cancelled:
                target.post_message(message)

        worker = self.host.run_worker(work, name=name, group=group, thread=True,
                                      exclusive=exclusive, exit_on_error=False)
        self._targets[worker] = target
        if once:
            self._once.add(worker)

    def run_stream(self, target: MessagePump, name: str, group: str,
                   job: Callable[[Callable[[Message], None], threading.Lock], None], *,
                   exclusive: bool = False) -> None:
        """Like :meth:`run` for a job that posts several messages (``post``) and takes the
        lock itself around each read."""

        def post(message: Message) -> None:
            if not get_current_worker().is_cancelled:
                target.post_message(message)

        worker = self.host.run_worker(lambda: job(post, self._lock), name=name, group=group,
                                      thread=True, exclusive=exclusive, exit_on_error=False)
        self._targets[worker] = target

    def target_of(self, worker: Worker[None]) -> MessagePump | None:
        """The node waiting for ``worker`` (forgotten once asked)."""
        return self._targets.pop(worker, None)

    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker errors are handled (the App hands every worker's state change
        here): a failure is notified, in words (never a database error's SQL), and the node
        waiting for the worker is told with ``LoadFailed``. A ``once`` call that failed last
        time too is not notified again (a busy cache failed every autosave: one warning per
        half second)."""
        worker = event.worker
        once = worker in self._once
        if event.state in (WorkerState.ERROR, WorkerState.SUCCESS, WorkerState.CANCELLED):
            self._once.discard(worker)
        if once and event.state == WorkerState.SUCCESS:
            self._failing.discard(worker.name)
        if event.state == WorkerState.ERROR:
            error = worker.error
            not_found = isinstance(error, KeyError)
            if isinstance(error, KeyError) and error.args:
                detail = clean(f"not found: {error.args[0]!s}")
            else:  # a database error's own message quotes its SQL: told in words instead
                from caseload.db_errors import user_message

                detail = clean(user_message(error)) if error is not None else "unknown error"
            if not (once and worker.name in self._failing):
                self.host.app.notify(f"{worker.name}: {detail}", title="Something went wrong",
                                     severity="error", markup=False, timeout=8)
            if once:
                self._failing.add(worker.name)
            target = self.target_of(worker)
            if target is not None:
                target.post_message(messages.LoadFailed(worker.group, detail, not_found,
                                                         worker.name))
        elif event.state in (WorkerState.SUCCESS, WorkerState.CANCELLED):
            self.target_of(worker)

    # -- the reader's calls --------------------------------------------------------------------

    def request_caseload(self, target: MessagePump) -> None:
        counselor_id, as_of, reader = self.session.counselor_id, self.session.as_of, self.reader

        def job(post: Callable[[Message], None], lock: threading.Lock) -> None:
            start = time.perf_counter()
            with lock:
                head = reader.caseload_head(counselor_id, as_of, HEAD_ROWS)
            if head is not None and len(head[0]) < head[1]:  # large: paint the top first
                post(messages.CaseloadLoaded(counselor_id, as_of, head[0],
                                             time.perf_counter() - start, total=head[1],
                                             partial=True))
                if get_current_worker().is_cancelled:
                    return
            with lock:
                reports = reader.caseload_rows(counselor_id, as_of)
            post(messages.CaseloadLoaded(counselor_id, as_of, reports,
                                         time.perf_counter() - start))

        self.run_stream(target, "load caseload", "caseload", job, exclusive=True)

    def request_student(self, target: MessagePump, student_id: str) -> None:
        as_of, reader = self.session.as_of, self.reader
        self.run(target, "load student", "student",
                 lambda: messages.StudentLoaded(student_id, as_of,
                                                reader.student(student_id, as_of)))

    def request_student_flags(self, target: MessagePump, student_id: str) -> None:
        """A student's flags with their messages (table rows have codes only)."""
        as_of, reader = self.session.as_of, self.reader
        self.run(target, "load flags", "flags",
                 lambda: messages.StudentFlagsLoaded(
                     student_id, reader.student(student_id, as_of).report.flags))

    def request_class(self, target: MessagePump, student_id: str, class_id: str) -> None:
        as_of, reader = self.session.as_of, self.reader
        self.run(target, "load class", "class",
                 lambda: messages.ClassLoaded(student_id, class_id, as_of,
                                              reader.class_detail(student_id, class_id, as_of)))

    def request_counselors(self, target: MessagePump) -> None:
        reader = self.reader
        self.run(target, "load counselors", "counselors",
                 lambda: messages.CounselorsLoaded(reader.counselors()), exclusive=True)

    def request_directory(self, target: MessagePump) -> None:
        """Every student in the cache with their counselors' names (``DirectoryLoaded``)."""
        reader = self.reader
        self.run(target, "load students", "directory",
                 lambda: messages.DirectoryLoaded(reader.student_directory()), exclusive=True)

    def request_freshness(self, target: MessagePump) -> None:
        reader = self.reader
        self.run(target, "load freshness", "freshness",
                 lambda: messages.FreshnessLoaded(reader.freshness()), exclusive=True)
