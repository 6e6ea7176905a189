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
