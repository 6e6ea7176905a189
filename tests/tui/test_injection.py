"""Screens get what they need in their constructor (no App behind them): a test hands a screen
a fake data source, and reads the messages it posts for the App to decide on."""

from __future__ import annotations

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from caseload.tui import messages
from caseload.tui.screens.caseload import CaseloadScreen
from caseload.tui.screens.klass import ClassScreen
from caseload.tui.screens.student import StudentScreen
from caseload.tui.session import Session

from .conftest import screen_text, settle
from .fakes import AS_OF, COUNSELORS, NOW, FakeReader


class FakeData:
    """``caseload.tui.ports.DataRequests`` answering at once, on the UI thread."""

    def __init__(self, session: Session) -> None:
        self.reader = FakeReader()
        self.session = session
        self.asked: list[tuple[str, ...]] = []
        self.pending: list[tuple[MessagePump, Message]] = []

    def answer(self, target: MessagePump, message: Message) -> None:
        """Kept until the test calls ``deliver``, as a worker answers some time later."""
        self.pending.append((target, message))

    def deliver(self) -> None:
        for target, message in self.pending:
            target.post_message(message)
        self.pending.clear()

    def request_caseload(self, target: MessagePump) -> None:
        self.asked.append(("caseload",))
        rows = self.reader.caseload_rows(self.session.counselor_id, self.session.as_of)
        self.answer(target, messages.CaseloadLoaded(self.session.counselor_id,
                                                    self.session.as_of, rows))

    def request_student(self, target: MessagePump, student_id: str) -> None:
        self.asked.append(("student", student_id))
        self.answer(target, messages.StudentLoaded(
            student_id, self.session.as_of, self.reader.student(student_id, self.session.as_of)))

    def request_class(self, target: MessagePump, student_id: str, class_id: str) -> None:
        self.asked.append(("class", student_id, class_id))
        self.answer(target, messages.LoadFailed("class", "gone", not_found=True))

    def request_student_flags(self, target: MessagePump, student_id: str) -> None:
        raise AssertionError("not asked here")


class Host(App[None]):
    """Not the CaseloadApp: only records what the screens ask for."""

    def __init__(self, make: object) -> None:
        super().__init__()
        self.make = make
        self.seen: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.make())  # type: ignore[operator]

    def on_open_student(self, message: messages.OpenStudent) -> None:
        self.seen.append(message)

    def on_open_class(self, message: messages.OpenClass) -> None:
        self.seen.append(message)

    def on_write_note(self, message: messages.WriteNote) -> None:
        self.seen.append(message)


async def test_caseload_screen_with_a_fake_source_posts_what_was_asked() -> None:
    session = Session("c-rivera", AS_OF, now=lambda: NOW, counselors=list(COUNSELORS))
    data = FakeData(session)
    app = Host(lambda: CaseloadScreen(session, data))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        data.deliver()
        await settle(pilot)
        assert data.asked == [("caseload",)]
        assert "Caseload: Rivera, Ana" in screen_text(app)
        await pilot.press("enter", "n")
        await settle(pilot)
        first = app.screen.view[0].id  # type: ignore[attr-defined]
        assert [type(m) for m in app.seen] == [messages.OpenStudent, messages.WriteNote]
        assert app.seen[0].student_id == first  # type: ignore[attr-defined]
        assert app.seen[1].flags is None  # a row has flag codes only: the App reads them


async def test_student_and_class_screens_with_a_fake_source() -> None:
    session = Session("c-rivera", AS_OF, now=lambda: NOW)
    data = FakeData(session)
    app = Host(lambda: StudentScreen("s001", data=data, as_of=AS_OF))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert data.asked == [("student", "s001")]
        assert "Loading…" in screen_text(app)
        data.deliver()
        await settle(pilot)
        assert "Abbott, Maya" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert len(app.seen) == 1 and isinstance(app.seen[0], messages.OpenClass)
        await app.push_screen(ClassScreen("s001", "alg1", data=data, student_name="Maya"))
        await settle(pilot)
        data.deliver()
        await settle(pilot)
        assert "No class alg1 for student s001" in screen_text(app)
