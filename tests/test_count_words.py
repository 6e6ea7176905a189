"""A count of one is said in the singular wherever caseload says a count with its noun
("1 result", "1 student", "1 day"; audit s21b D10): one helper, ``domain.text.plural``, on
every layer (the TUI's ``tui.format.plural`` is the same function)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from caseload.domain import flags as rules
from caseload.domain.report import StudentMetrics, StudentReport
from caseload.domain.settings import Thresholds
from caseload.domain.text import plural

D = dt.date(2026, 11, 20)


def test_plural_says_one_in_the_singular() -> None:
    from caseload.tui import format as tui_format

    assert tui_format.plural is plural
    assert [plural(n, "student") for n in (0, 1, 2)] == ["0 students", "1 student", "2 students"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    assert plural(1234, "result", grouped=True) == "1,234 results"
    assert plural(1, "result", grouped=True) == "1 result"


def test_flag_messages_with_thresholds_of_one() -> None:
    """A district may set a threshold to 1: the messages then say one day, one absence."""
    t = dataclasses.replace(Thresholds(), unexcused_count=1, unexcused_window_days=1,
                            streak_days=1, behavior_incidents=1, chronic_min_days=1,
                            chronic_rate=0.5, early_absences=1, early_window_days=1,
                            failing_weeks=1)
    unexcused = rules.unexcused_absences([D], D, t)
    assert unexcused is not None and unexcused.message == "1 unexcused absence in the last 1 day"
    streak = rules.absence_streak([D], t)
    assert streak is not None and streak.message == f"Absent 1 school day in a row ({D} to {D})"
    behavior = rules.behavior([D], t)
    assert behavior is not None and behavior.message == "1 discipline incident this school year"
    chronic = rules.chronic_absence(1, 1, t)
    assert chronic is not None and chronic.message == "Absent 1 of 1 school day (100%)"
    early = rules.early_absence([D], [D], t)
    assert early is not None
    assert early.message == "Absent 1 of the first 1 school day of the year (11/20)"
    failing = rules.failing_streak("c1", "Algebra I", ((dt.date(2026, 11, 15), 50.0),), t, D)
    assert failing is not None
    assert failing.message == "Algebra I: 50% at the end of the last week"
    # the plural is unchanged (the golden flags file holds these)
    assert rules.absence_streak([D, D], t).message.startswith("Absent 2 school days in a row")


def test_the_legend_says_one_day() -> None:
    from caseload.domain.report import FlagCode
    from caseload.tui.screens.legend import flag_rules

    t = dataclasses.replace(Thresholds(), unexcused_window_days=1, chronic_min_days=1,
                            early_window_days=1, failing_weeks=1, drop_window_weeks=1)
    said = flag_rules(t)
    assert said[FlagCode.UNEXCUSED_ABSENCES].endswith("in the last 1 day")
    assert said[FlagCode.CHRONIC_ABSENCE].endswith("(at least 1 day)")
    assert "of the last 1 complete week" in said[FlagCode.FAILING_STREAK]
    assert said[FlagCode.GRADE_DROP].endswith("of the last 1 week")
    assert "first 1 school day of the year" in said[FlagCode.EARLY]


def _report(student_id: str = "s1") -> StudentReport:
    metrics = StudentMetrics(school_days=None, days_absent=None, attendance_rate=None,
                             unexcused_30d=None, absence_streak=None,
                             unexcused_grading_period=None, unexcused_term=None,
                             unexcused_year=None, incidents_year=0)
    return StudentReport(id=student_id, name="Able, Ada", grade_level="9", counselor_ids=(),
                         flags=(), metrics=metrics)


def test_the_flags_table_and_the_triage_list_say_one_student() -> None:
    from caseload.export import flags_output, triage

    out = io.StringIO()
    flags_output.write_table(out, [_report()], D, color=False)
    text = out.getvalue()
    assert text.startswith(f"Early-warning flags as of {D}: 1 student\n")
    assert "no attendance data for 1 of 1 student (none was loaded" in text
    md = triage.render_md(triage.TriageList([_report()], D, "All students", "sorted by risk",
                                            dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)))
    assert f"As of {D} · 1 student · sorted by risk" in md.decode("utf-8")


def test_a_sync_summary_says_one_record() -> None:
    from caseload.sources.sync import SyncReport, summary_line

    report = SyncReport(source="district", kind="oneroster", mode="incremental",
                        fetched={"results": 1}, counts={"results": 1})
    assert summary_line(report).startswith("Synced district (incremental): 1 record fetched, ")
