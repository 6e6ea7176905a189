"""What a user is told about a failure nothing else handled (services/errors.plain_failure)."""

from __future__ import annotations

from caseload.services.errors import plain_failure
from caseload.store.staging import ApplyInterrupted


def test_an_interrupted_apply_says_what_happens_next() -> None:
    exc = ApplyInterrupted("the import stopped while it was being written to the cache (OSError);"
                           " the next import, or the next start of caseload, finishes it")
    assert plain_failure(exc) == str(exc)


def test_any_other_error_is_named_by_kind_only() -> None:
    said = plain_failure(ValueError("Student Ana Rivera said something private"))
    assert said.startswith("unexpected ValueError")
    assert "Rivera" not in said and "private" not in said


def test_a_read_only_cache_is_said_in_words_without_the_statement(tmp_path) -> None:
    """Saving a note into a read-only cache used to show SQLAlchemy's own message in the app:
    the INSERT statement and a link, overflowing the editor at 80x24."""
    import sqlite3

    from sqlalchemy import create_engine, text

    from caseload.db_errors import user_message

    path = tmp_path / "c.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO notes (text) VALUES (:t)"), {"t": "called home"})
    except Exception as exc:  # the error the app's worker would raise
        said = user_message(exc)
        assert said == plain_failure(exc)
        assert said.startswith("the cache is read-only") and "nothing was saved" in said
        assert "INSERT" not in said and "called home" not in said and "sqlalche" not in said
    else:
        raise AssertionError("the write should have failed")
    finally:
        engine.dispose()
    # caseload's own errors keep their message (they say what happened)
    assert user_message(ValueError("the follow-up date is before the contact date")) == (
        "the follow-up date is before the contact date")


def test_a_full_disk_elsewhere_is_not_called_the_cache() -> None:
    """An OSError writing an export or a rejects file says nothing about the cache: it is
    named by its kind, never "the disk holding the cache is full: nothing was saved"."""
    said = plain_failure(OSError(28, "No space left on device"))
    assert said.startswith("unexpected OSError") and "cache" not in said
