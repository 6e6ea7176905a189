"""Writing the built school as OneRoster 1.2 CSV plus caseload's extension files.

The order of the random draws here (demographics, after everything else) is part of the
output: keep it, or sample_data/ changes."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable
from pathlib import Path

from caseload.samplegen.constants import (
    COURSES,
    DISTRICT_ID,
    FALL_END,
    FALL_ID,
    FALL_START,
    FAMILY,
    FEMALE,
    HEADERS,
    HOLIDAYS,
    MAKEUP_DAYS,
    MALE,
    MANIFEST_FILES,
    SCHOOL_ID,
    SESSIONS,
    SPRING_ID,
    YEAR_END,
    YEAR_ID,
    YEAR_START,
)
from caseload.samplegen.model import (
    Person,
    _num,
    _slug,
    _tf,
    _write,
)
from caseload.samplegen.school import School


def write(school: School, out: Path) -> dict[str, int]:
    stamp = school.stamp
    counts: dict[str, int] = {}
    manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
    manifest += [(f"file.{name}", mode) for name, mode in MANIFEST_FILES]
    manifest += [("source.systemName", "caseload sample generator"),
                 ("source.systemCode", "caseload-sample"),
                 ("caseload.asOfDate", school.as_of.isoformat())]
    counts["manifest.csv"] = _write(out, "manifest.csv", manifest)
    counts["orgs.csv"] = _write(out, "orgs.csv", [
        [DISTRICT_ID, "active", stamp, "Bayside City Public Schools", "district", "BCPS", ""],
        [SCHOOL_ID, "active", stamp, "Harborview High School", "school", "0417",
         DISTRICT_ID],
    ])
    counts["academicSessions.csv"] = _write(out, "academicSessions.csv", sorted(
        [sid, "active", stamp, title, typ, a.isoformat(), b.isoformat(), parent, "2027"]
        for sid, title, typ, a, b, parent in SESSIONS))
    used = sorted({x.course.code for x in school.sections})
    counts["courses.csv"] = _write(out, "courses.csv", (
        [COURSES[c].sourced_id, "active", stamp, YEAR_ID, COURSES[c].title, c,
         ",".join(COURSES[c].grades), SCHOOL_ID, COURSES[c].subject, COURSES[c].subject_code]
        for c in used))
    counts["classes.csv"] = _write(out, "classes.csv", (
        [x.sourced_id, "active", stamp, x.course.title, ",".join(x.course.grades),
         x.course.sourced_id, f"{x.course.code}-{x.number:02d}", "scheduled",
         x.teacher.room if x.teacher else "", SCHOOL_ID,
         f"{FALL_ID},{SPRING_ID}" if x.course.year_long else FALL_ID,
         x.course.subject, x.course.subject_code, str(x.period)]
        for x in school.sections))
    guardians = _guardians(school)
    counts["users.csv"] = _write(out, "users.csv", sorted(
        [*_user_rows(school), *(row for _, row in guardians)]))
    counts["roles.csv"] = _write(out, "roles.csv", sorted(
        [f"role-{sid}", "active", stamp, sid, "primary", role, YEAR_START.isoformat(), "",
         SCHOOL_ID, ""] for sid, role in [*_roles(school), *(
             (row[0], role) for role, row in guardians)]))
    counts["demographics.csv"] = _write(out, "demographics.csv", _demographics(school))
    counts["enrollments.csv"] = _write(out, "enrollments.csv", _enrollments(school))
    cat_rows, policy_rows = [], []
    for x in school.sections:
        cid = x.sourced_id
        method, cats = school.policies[cid]
        policy_rows.append([cid, method, "", "", ""])
        for c in cats:
            cat_id = f"cat-{cid}-{c.key}"
            w = "" if c.weight is None else _num(c.weight)
            cat_rows.append([cat_id, "active", stamp, c.title, w])
            if c.weight is not None or c.drop_lowest:
                policy_rows.append([cid, method, cat_id, w, str(c.drop_lowest)])
    counts["categories.csv"] = _write(out, "categories.csv", sorted(cat_rows))
    counts["gradingPolicies.csv"] = _write(out, "gradingPolicies.csv", policy_rows)

    # Line items and results stream out class by class.
    li_fh = (out / "lineItems.csv").open("w", encoding="utf-8", newline="")
    res_fh = (out / "results.csv").open("w", encoding="utf-8", newline="")
    with li_fh, res_fh:
        li_w = csv.writer(li_fh, lineterminator="\n")
        li_w.writerow(HEADERS["lineItems.csv"])
        res_fh.write(",".join(HEADERS["results.csv"]) + "\n")
        n_li = n_res = 0
        for x in school.sections:
            cid = x.sourced_id
            items = school.items[cid]
            for n, it in enumerate(items, 1):
                li_w.writerow([f"li-{cid}-{n:03d}", "active", stamp, it.title,
                               it.description, cid, SCHOOL_ID, it.category,
                               it.grading_period, FALL_ID, it.assign.isoformat(),
                               it.due.isoformat(), "", "0", _num(it.max_points)])
            n_li += len(items)
            # The hot path: join rows by hand, quoting exactly as csv.writer would
            # (only comments can hold a comma or a quote).
            lines = [",".join(row) for row in school.results_rows(x, items)]
            if lines:
                res_fh.write("\n".join(lines))
                res_fh.write("\n")
            n_res += len(lines)
    counts["lineItems.csv"] = n_li
    counts["results.csv"] = n_res

    counts["attendance.csv"] = _write(out, "attendance.csv", school.attendance_rows())
    counts["calendar.csv"] = _write(out, "calendar.csv", (
        [SCHOOL_ID, d.isoformat(), _tf(d in MAKEUP_DAYS)]
        for d in sorted(HOLIDAYS | MAKEUP_DAYS)))
    counts["incidents.csv"] = _write(out, "incidents.csv", _incidents(school))
    counts["caseloads.csv"] = _write(out, "caseloads.csv", sorted(
        [s.counselor, s.sourced_id] for s in school.students))
    return counts

def _user_rows(school: School) -> Iterable[list[str]]:
    stamp = school.stamp
    for s in school.students:
        user = f"{_slug(s.given)[:1]}{_slug(s.family)[:12]}{s.num % 1000:03d}"
        state = f"{{stateId:MD{7_000_000_000 + s.num * 37:010d}}}"
        yield [s.sourced_id, "active", stamp, "true", user, state, s.given, s.family,
               s.middle, f"S{100000 + s.num}", f"{user}@students.bcps.example", "", "", "",
               s.grade, "", "", "", s.preferred, "", "", SCHOOL_ID, ""]
    staff: list[tuple[Person, str]] = [(t, "T") for t in school.teachers]
    staff += [(c, "C") for c in school.counselors]
    for p, letter in staff:
        user = f"{_slug(p.given)}.{_slug(p.family)}"
        ident = f"{letter}{2000 + p.num}" if letter == "T" else f"{letter}{300 + p.num}"
        yield [p.sourced_id, "active", stamp, "true", user, "", p.given, p.family, "",
               ident, f"{user}@bcps.example", "", "", "", "", "", "", "", "", "", "",
               SCHOOL_ID, ""]

def _guardians(school: School) -> list[tuple[str, list[str]]]:
    """Each student's parents, guardians or relatives (1 or 2), as (role, users.csv row).

    Fictional names; phones in the 555-01xx range kept for fiction, emails at example.com; some
    have a phone only, some an email only. Drawn from a generator of their own, so the rest of
    the sample (and every flag) is as it was before guardians were added.
    """
    rng = random.Random(f"guardians:{school.seed}")
    out: list[tuple[str, list[str]]] = []
    for s in school.students:
        for k in range(1, 3 if rng.random() < 0.6 else 2):
            sex = rng.choice(("female", "male"))
            given = rng.choice(FEMALE if sex == "female" else MALE)
            family = s.family if rng.random() < 0.8 else rng.choice(FAMILY)
            role = rng.choices(("parent", "guardian", "relative"),
                               (85, 10, 5) if k == 1 else (70, 10, 20))[0]
            reach = rng.random()
            phone = f"(410) 555-{rng.randrange(100, 200):04d}" if reach < 0.8 else ""
            email = (f"{_slug(given)}.{_slug(family)}{s.num % 1000:03d}@example.com"
                     if reach >= 0.35 else "")
            sid = f"gdn-{s.num:05d}-{k}"
            out.append((role, [sid, "active", school.stamp, "false", sid, "", given, family,
                               "", "", email, "", phone, s.sourced_id, "", "", "", "", "", "",
                               "", SCHOOL_ID, ""]))
    return out

_BEHAVIORS = (
    ("Disruptive behavior", "Talking over the teacher after two redirections", "Classroom"),
    ("Defiance", "Refused to move seats when asked", "Classroom"),
    ("Tardiness (repeated)", "Fourth late arrival this month", "Hallway"),
    ("Cell phone use", "Phone out during a test", "Classroom"),
    ("Fighting", "Pushing match at lunch; both students separated", "Cafeteria"),
    ("Leaving class without permission", "Left during 3rd period, found in the stairwell",
     "Hallway"),
    ("Inappropriate language", "Cursed at a classmate", "Gymnasium"),
    ("Skipping class", "Not in class, on campus", "Campus"),
)


def _incidents(school: School) -> list[list[str]]:
    """Behavior incidents (``incidents.csv``): about one student in twelve has one to three,
    on school days so far; a fight involves two students. Fictional. Drawn from a generator of
    their own, so grades and attendance are as they were before incidents were added."""
    rng = random.Random(f"incidents:{school.seed}")
    rows: list[list[str]] = []
    n = 0
    for s in school.students:
        if rng.random() >= 0.085:
            continue
        for _ in range(rng.choices((1, 2, 3), (55, 30, 15))[0]):
            n += 1
            day = rng.choice(school.days)
            behavior, description, location = rng.choice(_BEHAVIORS)
            inc = f"inc-{n:04d}"
            parts = [s.sourced_id]
            if behavior == "Fighting":
                other = rng.choice(school.students)
                if other is not s:
                    parts.append(other.sourced_id)
            for sid in parts:
                rows.append([f"{inc}-{sid}", inc, SCHOOL_ID, day.isoformat(), sid, behavior,
                             description, location])
    return sorted(rows, key=lambda r: (r[3], r[0]))


def _roles(school: School) -> Iterable[tuple[str, str]]:
    for s in school.students:
        yield s.sourced_id, "student"
    for t in school.teachers:
        yield t.sourced_id, "teacher"
    for c in school.counselors:
        yield c.sourced_id, "counselor"

def _demographics(school: School) -> Iterable[list[str]]:
    rng = random.Random(school.rng.random())
    races = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
             "nativeHawaiianOrOtherPacificIslander", "white")
    for s in school.students:
        # 14 on 1 September 2026 in grade 9 (a few a year older)
        year = 2026 - int(s.grade) - 6 - (1 if rng.random() < 0.03 else 0)
        birth = dt.date(year, 9, 2) + dt.timedelta(rng.randrange(365))
        picks = {rng.choices(races, (1, 8, 30, 1, 48))[0]}
        if rng.random() < 0.07:
            picks.add(rng.choice(races))
        flags = [_tf(r in picks) for r in races]
        us = rng.random() < 0.9
        state = rng.choices(("MD", "VA", "PA", "DC", "NY", "TX"), (80, 6, 4, 4, 3, 3))[0]
        yield [s.sourced_id, "active", school.stamp, birth.isoformat(), s.sex, *flags,
               _tf(len(picks) > 1), _tf(rng.random() < 0.22),
               "US" if us else rng.choice(("MX", "SV", "GT", "VN", "PH", "NG", "IN", "HT")),
               state if us else "", "Bayside City" if us and state == "MD" and
               rng.random() < 0.6 else "", "01652"]

def _enrollments(school: School) -> Iterable[list[str]]:
    stamp = school.stamp
    for x in school.sections:
        cid = x.sourced_id
        end = (YEAR_END if x.course.year_long else FALL_END).isoformat()
        assert x.teacher is not None
        yield [f"enr-{cid}-{x.teacher.sourced_id}", "active", stamp, cid, SCHOOL_ID,
               x.teacher.sourced_id, "teacher", "true", FALL_START.isoformat(), end]
        for s in x.students:
            yield [f"enr-{cid}-{s.sourced_id}", "active", stamp, cid, SCHOOL_ID,
                   s.sourced_id, "student", "false", s.begin.isoformat(), end]
