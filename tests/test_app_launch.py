"""services/app.py: what the CLI hands the TUI, built without the CLI touching the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from caseload.config import Config
from caseload.services.app import prepare_app
from caseload.services.context import Workspace
from tests.paths import MIN_DATA


def test_an_empty_cache_is_reported_not_opened(sqlite_engine) -> None:
    launch = prepare_app(Workspace(sqlite_engine, Config()), counselor=None, as_of=None)
    assert launch.empty
    assert launch.as_of == dt.date.today()
    assert launch.counselor_id is None


def test_the_palette_import_loads_and_the_reader_sees_it(sqlite_engine) -> None:
    ws = Workspace(sqlite_engine, Config())
    launch = prepare_app(ws, counselor=None, as_of=dt.date(2026, 10, 2))
    assert launch.empty
    message = launch.run_import(str(MIN_DATA))
    assert message.startswith("Imported ") and str(MIN_DATA) in message
    again = prepare_app(ws, counselor=None, as_of=dt.date(2026, 10, 2), demo=True)
    assert not again.empty
    assert again.counselor_id is not None  # the demo opens on the largest caseload
    assert again.reader.has_students()


def test_the_palette_import_of_one_row_says_one_row(sqlite_engine, tmp_path: Path) -> None:
    from tests.min_export import write_delta

    ws = Workspace(sqlite_engine, Config())
    launch = prepare_app(ws, counselor=None, as_of=dt.date(2026, 10, 2))
    launch.run_import(str(MIN_DATA))
    delta = write_delta(tmp_path)
    rows = (delta / "results.csv").read_text(encoding="utf-8").splitlines()
    (delta / "results.csv").write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")  # res-1
    assert launch.run_import(str(delta)) == f"Imported 1 row from {delta}"


def test_config_me_opens_first_and_an_unknown_sync_source_is_refused(
    sqlite_engine, tmp_path: Path
) -> None:
    ws = Workspace(sqlite_engine, Config(me="c-1"))
    launch = prepare_app(ws, counselor=None, as_of=None)
    assert launch.counselor_id == "c-1"
    assert launch.sync_names == ()
    try:
        launch.run_sync("district")
    except ValueError as exc:
        assert "no source 'district'" in str(exc)
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("an unknown source must be refused")


def test_without_me_the_app_is_handed_the_config_to_save_it_in(
    sqlite_engine, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    first = prepare_app(Workspace(sqlite_engine, Config(path=path)), counselor=None, as_of=None)
    assert first.save_me is not None and first.save_me.path == path
    assert first.save_me("cns-1") == str(path)
    assert path.read_text(encoding="utf-8") == 'me = "cns-1"\n'
    mine = prepare_app(Workspace(sqlite_engine, Config(path=path, me="cns-1")), counselor=None,
                       as_of=None)
    assert mine.save_me is None  # `me` is set: nobody asks
    demo = prepare_app(Workspace(sqlite_engine, Config()), counselor=None, as_of=None, demo=True)
    assert demo.save_me is None  # the demo's counselors are the sample school's


def test_me_without_a_caseload_opens_on_every_student(sqlite_engine) -> None:
    """(audit s21a D4, issue 4) A `me` with no caseload assignment (a teacher, a psychologist)
    opens on all students, not an empty caseload; a `me` with one opens on it, and an explicit
    --counselor is kept as asked."""
    from caseload.services.importing import import_into

    import_into(sqlite_engine, MIN_DATA)

    def opened(me: str | None, counselor: str | None = None) -> str | None:
        ws = Workspace(sqlite_engine, Config(me=me))
        return prepare_app(ws, counselor=counselor, as_of=None).counselor_id

    assert opened("tch-1") is None
    assert opened("cns-1") == "cns-1"
    assert opened("tch-1", counselor="tch-1") == "tch-1"


def test_me_without_a_caseload_reports_every_student_in_the_cli_too(sqlite_engine) -> None:
    """(review s21 F3) `caseload flags` and `caseload changes` default to `me` as the app
    does: a `me` with no caseload assignment reports every student (flags says so), an
    explicit --counselor is kept."""
    from caseload.services.changes import changes
    from caseload.services.flags import flag_reports
    from caseload.services.importing import import_into

    import_into(sqlite_engine, MIN_DATA)
    day = dt.date(2026, 10, 2)
    teacher = Workspace(sqlite_engine, Config(me="tch-1"))
    found = flag_reports(teacher, as_of=day)
    assert found.scope == "all" and len(found.reports) == 3
    assert found.note is not None and "`me` ('tch-1') has no caseload assignment" in found.note
    asked = flag_reports(teacher, as_of=day, counselor="tch-1")
    assert asked.reports == [] and asked.note is not None and "check the id" in asked.note
    mine = flag_reports(Workspace(sqlite_engine, Config(me="cns-1")), as_of=day)
    assert mine.scope == "counselor" and len(mine.reports) == 2 and mine.note is None
    assert changes(teacher, since=day - dt.timedelta(days=7), as_of=day).scope == "all"
    assert changes(teacher, since=day - dt.timedelta(days=7), as_of=day,
                   counselor="tch-1").scope == "tch-1"
