"""Unknown stays unknown on the screens too, and no value from the data breaks a sort
(review findings, 2026-12-05): a class with no gradebook shows no missing count, the "<70"
sort puts "—" last (as the other columns do), and an exotic grade level sorts."""

from __future__ import annotations

import collections
from typing import Any

from caseload.domain.analysis import student_report
from caseload.domain.report import CaseloadRow
from caseload.domain.settings import Thresholds
from caseload.tui.screens.caseload import sort_reports
from caseload.tui.screens.student import StudentScreen
from tests.domain.test_domain_unknown import AS_OF, chemistry, student


def row(i: int, **kw: Any) -> CaseloadRow:
    base: dict[str, Any] = dict(
        id=str(i), name=f"S{i}", grade_level="10", local_id=None, counselor_ids=(), flags=(),
        risk=0, attendance_rate=95.0, unexcused_30d=0, absence_streak=0, classes_below_70=0,
        lowest_grade=80.0)
    base.update(kw)
    return CaseloadRow(**base)


def test_a_class_without_a_gradebook_shows_no_missing_count() -> None:
    report = student_report(student(classes=(chemistry(gradebook=False),)), AS_OF, Thresholds())
    (metrics,) = report.metrics.classes
    cells = [c.plain for c in StudentScreen.class_cells(None, metrics,  # type: ignore[arg-type]
                                                        collections.defaultdict(str))]
    assert cells[5] == "—" and "no gradebook" in cells[6]


def test_below_70_sorts_unknown_last_either_way() -> None:
    rows = [row(1, classes_below_70=0, lowest_grade=None),  # no grade at all: "—"
            row(2, classes_below_70=2, lowest_grade=55.0), row(3, classes_below_70=0)]
    assert [r.id for r in sort_reports(rows, "below", False)][-1] == "1"
    assert [r.id for r in sort_reports(rows, "below", True)][-1] == "1"


def test_an_exotic_grade_level_sorts_instead_of_crashing() -> None:
    rows = [row(1), row(2, grade_level="²"), row(3, grade_level="9")]
    assert [r.id for r in sort_reports(rows, "grade", False)] == ["3", "1", "2"]


async def test_before_the_first_school_day_unx30_is_unknown_as_att_is(engine: Any) -> None:
    """As of 2026-08-15, before the sample school's first school day, no school day is counted:
    Att% and Unx30 both show "—" (a window with no school day has no count, never a measured
    0), and the student's Attendance tab gives no streak either, and no month count."""
    import datetime as dt

    from caseload.store.repository import Repository
    from caseload.tui.app import CaseloadApp
    from caseload.tui.widgets.calendar import AttendanceCalendar

    from .conftest import screen_lines, settle, wait_until

    app = CaseloadApp(Repository(engine), counselor_id="cns-3", as_of=dt.date(2026, 8, 15))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.home.view, what="the caseload")
        lines = screen_lines(app)
        header = next(i for i, line in enumerate(lines) if "Unx30" in line)
        start, end = lines[header].index("Att%") - 2, lines[header].index("Unx30") + 5
        for line in lines[header + 1:header + 6]:
            assert line[start:end].split() == ["—", "—"], line
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and app.screen.detail is not None, what="the student")
        await pilot.press("2")
        await wait_until(pilot, lambda: bool(app.screen.query(AttendanceCalendar)),
                         what="the attendance tab")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Attendance rate — · current absence streak — · longest —" in text
        assert "0 days" not in text
        month = next(line for line in app.screen.query_one(AttendanceCalendar).build().plain
                     .splitlines() if line.startswith("Aug 2026"))
        assert month.rstrip().endswith("—")


async def test_no_attendance_data_shows_the_sentence_without_an_empty_calendar(
        monkeypatch: Any) -> None:
    """No attendance loaded for the school: the Attendance tab drew the calendar's "Month 1 5
    10 …" header and its legend over no month, then the sentence; now the sentence alone."""
    from caseload.domain.report import AttendanceSummary
    from caseload.tui.app import CaseloadApp
    from caseload.tui.widgets.calendar import AttendanceCalendar

    from . import fakes
    from .conftest import screen_text, settle, wait_until

    unknown = AttendanceSummary(days=(), current_streak=None, longest_streak=None,
                                unexcused_by_month=(), attendance_rate=None, truancy=(),
                                known=False)
    monkeypatch.setattr(fakes, "_attendance", lambda report, as_of: unknown)
    app = CaseloadApp(fakes.FakeReader(), counselor_id="c-rivera", as_of=fakes.AS_OF,
                      now=lambda: fakes.NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StudentScreen)
                         and app.screen.detail is not None, what="the student")
        await pilot.press("2")
        await wait_until(pilot, lambda: bool(app.screen.query("#attendance-summary")),
                         what="the attendance tab")
        await settle(pilot)
        text = screen_text(app)
        assert "No attendance data: none was loaded" in text
        assert not app.screen.query(AttendanceCalendar)
        assert "Month" not in text and "P present" not in text
