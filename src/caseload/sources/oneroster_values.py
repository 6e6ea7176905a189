"""The enumerated values of OneRoster CSV cells: roles, session types, grading methods and
record statuses. Each parser raises ValueError with the reason, which
:meth:`~caseload.sources.csvutil.CsvTable.choice` turns into a file/line/field error.
"""

from __future__ import annotations

from caseload.domain.records import GradingMethod, Role, SessionType

_ROLE_MAP = {
    "student": Role.STUDENT,
    "teacher": Role.TEACHER,
    "counselor": Role.COUNSELOR,
    "aide": Role.AIDE,
    "guardian": Role.GUARDIAN,
    "parent": Role.PARENT,
    "relative": Role.GUARDIAN,
    "administrator": Role.ADMINISTRATOR,
    "districtadministrator": Role.ADMINISTRATOR,
    "siteadministrator": Role.ADMINISTRATOR,
    "systemadministrator": Role.ADMINISTRATOR,
    "principal": Role.ADMINISTRATOR,
    "proctor": Role.OTHER,
}

_SESSION_TYPES = {t.value.casefold(): t for t in SessionType}


def role(value: str) -> Role:
    try:
        return _ROLE_MAP[value.strip().replace(" ", "").casefold()]
    except KeyError:
        raise ValueError(f"unknown role {value!r}") from None


def session_type(value: str) -> SessionType:
    try:
        return _SESSION_TYPES[value.strip().casefold()]
    except KeyError:
        accepted = ", ".join(t.value for t in SessionType)
        raise ValueError(f"unknown session type {value!r} (expected one of {accepted})") from None


def method(value: str) -> GradingMethod:
    try:
        return GradingMethod(value.strip().casefold())
    except ValueError:
        raise ValueError(
            f"unknown grading method {value!r} (expected points or weighted)"
        ) from None


def status(value: str, v10: bool) -> str:
    """A row's ``status`` -> ``active``, ``tobedeleted`` or (OneRoster 1.0 only) ``inactive``.

    1.1 and 1.2 allow ``active`` and ``tobedeleted`` (blank in a bulk file); 1.0 also has
    ``inactive``, which 1.1 deprecated. Case and surrounding spaces are ignored.
    """
    word = value.strip().casefold()
    if not word:
        return "active"  # blank: a bulk file's
    if word in ("active", "tobedeleted") or (v10 and word == "inactive"):
        return word
    if word == "inactive":
        raise ValueError(
            f"status {value!r} is OneRoster 1.0's, not allowed in a 1.1/1.2 export (expected "
            "active or tobedeleted)"
        )
    expected = "active, inactive or tobedeleted" if v10 else "active or tobedeleted"
    raise ValueError(f"unknown status {value!r} (expected {expected})")


ORG_TYPES = ("department", "school", "district", "local", "state", "national")


def org_type(value: str) -> str:
    """An org's ``type``: OneRoster's orgType (the same in 1.0, 1.1 and 1.2), written in its
    own spelling whatever the case, or an extension value ``ext:...`` kept as written."""
    word = value.strip()
    if word.casefold() in ORG_TYPES:
        return word.casefold()
    if word[:4].casefold() == "ext:" and word[4:].strip():
        return word
    raise ValueError(
        f"unknown org type {value!r} (expected one of {', '.join(ORG_TYPES)}, or ext:...)"
    )
