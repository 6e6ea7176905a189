"""Vocabulary mapping: OneRoster/caseload codes and Ed-Fi descriptors to our enums."""

from __future__ import annotations

from caseload.domain.records import AttendanceCategory, ScoreStatus

_ATTENDANCE: dict[str, AttendanceCategory] = {
    "present": AttendanceCategory.PRESENT,
    "in attendance": AttendanceCategory.PRESENT,
    "tardy": AttendanceCategory.TARDY,
    "excused_absence": AttendanceCategory.EXCUSED_ABSENCE,
    "excused absence": AttendanceCategory.EXCUSED_ABSENCE,
    "unexcused_absence": AttendanceCategory.UNEXCUSED_ABSENCE,
    "unexcused absence": AttendanceCategory.UNEXCUSED_ABSENCE,
    "early_departure": AttendanceCategory.EARLY_DEPARTURE,
    "early departure": AttendanceCategory.EARLY_DEPARTURE,
    "partial": AttendanceCategory.PARTIAL,
}


def descriptor_value(text: str) -> str:
    """The value part of an Ed-Fi descriptor URI.

    ``uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence`` gives
    ``Unexcused Absence``; plain text is returned stripped.
    """
    text = text.strip()
    if "#" in text:
        text = text.rsplit("#", 1)[1]
    return text.strip()


def attendance_category(text: str) -> AttendanceCategory:
    """Our category for a caseload code, an Ed-Fi descriptor name or URI (case-insensitive).

    Raises ValueError naming the accepted values.
    """
    key = descriptor_value(text).casefold()
    try:
        return _ATTENDANCE[key]
    except KeyError:
        accepted = ", ".join(c.value for c in AttendanceCategory)
        raise ValueError(
            f"unknown attendance category {text!r} (expected one of {accepted}, "
            "or an Ed-Fi AttendanceEventCategoryDescriptor)"
        ) from None


_SCORE_STATUS = {s.value: s for s in ScoreStatus}
_SCORE_STATUS.update({s.value.replace(" ", ""): s for s in ScoreStatus})  # 1.1 "fullygraded"


def score_status(text: str) -> ScoreStatus:
    key = text.strip().casefold()
    try:
        return _SCORE_STATUS[key]
    except KeyError:
        accepted = ", ".join(s.value for s in ScoreStatus)
        raise ValueError(f"unknown scoreStatus {text!r} (expected one of {accepted})") from None
