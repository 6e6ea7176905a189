"""Building the sample school in memory: people, schedules, gradebooks, storylines, results
and attendance, all drawn from one ``random.Random(seed)`` in a fixed order."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable

from caseload.samplegen.constants import (
    COURSES,
    DEPT_ROOMS,
    ELECTIVES,
    FALL_END,
    FALL_PERIODS,
    FALL_START,
    FAMILY,
    FEMALE,
    KINDS,
    MALE,
    PERIODS,
    PREFERRED,
    SECTION_CAP,
    SECTION_SIZE,
    TEACHER_LOAD,
    TEMPLATES,
    D,
)
from caseload.samplegen.model import (
    Category,
    Item,
    Pattern,
    Person,
    Section,
    Student,
    Teacher,
    _counselor_for,
    _grade,
    _grading_period,
    _num,
    _outcome,
    _plot_level,
    _quote,
    _tf,
    school_days,
)


class School:
    """The school being built: ``generate`` runs its steps in order, then
    :func:`caseload.samplegen.output.write` writes it."""

    def __init__(self, students: int, seed: int, as_of: dt.date) -> None:
        self.n = students
        self.seed = seed
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.stamp = f"{as_of.isoformat()}T06:00:00Z"
        self.students: list[Student] = []
        self.teachers: list[Teacher] = []
        self.counselors: list[Person] = []
        self.sections: list[Section] = []
        self.by_course: dict[str, list[Section]] = {}
        self.policies: dict[str, tuple[str, list[Category]]] = {}
        self.items: dict[str, list[Item]] = {}
        self.patterns: dict[tuple[str, str], Pattern] = {}
        self.attendance_kind: dict[str, str] = {}
        self.days = school_days(FALL_START, as_of)
        self.fall_days = school_days(FALL_START, FALL_END)
        self.fall_index = {d: i for i, d in enumerate(self.fall_days)}
        self.weeks: list[list[dt.date]] = []  # the fall's school days by ISO week
        for d in self.fall_days:
            if self.weeks and self.weeks[-1][0].isocalendar()[:2] == d.isocalendar()[:2]:
                self.weeks[-1].append(d)
            else:
                self.weeks.append([d])
        self.run_variant: dict[str, int] = {}
        self.truant: str | None = None
        self._names: set[tuple[str, str]] = set()

    # -- people ------------------------------------------------------------------------

    def _name(self, sex: str) -> tuple[str, str]:
        rng = self.rng
        for _ in range(1000):
            pool = FEMALE if sex == "female" else MALE if sex == "male" else FEMALE + MALE
            given, family = rng.choice(pool), rng.choice(FAMILY)
            if (given, family) not in self._names:
                break
        self._names.add((given, family))
        return given, family

    def make_people(self) -> None:
        rng = self.rng
        for i in range(1, self.n + 1):
            r = rng.random()
            sex = "female" if r < 0.495 else "male" if r < 0.99 else "unspecified"
            given, family = self._name(sex)
            grade = rng.choices(("09", "10", "11", "12"), (27, 25, 25, 23))[0]
            s = Student(f"stu-{i:05d}", i, given, family, sex, grade=grade)
            if rng.random() < 0.35:
                s.middle = rng.choice(FEMALE if sex == "female" else MALE)
            if given in PREFERRED and rng.random() < 0.6:
                s.preferred = PREFERRED[given]
            s.level = min(98.0, max(80.0, rng.gauss(87.0, 4.5)))
            s.miss = 0.005 + 0.03 * rng.random() ** 2 + max(0.0, 82.0 - s.level) * 0.003
            s.late = 0.02 + 0.04 * rng.random()
            s.counselor = f"cns-{_counselor_for(family) + 1}"
            self.students.append(s)
        for i in range(1, 4):
            sex = rng.choice(("female", "male"))
            given, family = self._name(sex)
            self.counselors.append(Person(f"cns-{i}", i, given, family, sex))

    # -- schedules ---------------------------------------------------------------------

    def choose_courses(self) -> None:
        rng = self.rng
        for s in self.students:
            target = 7 if rng.random() < 0.55 else 6
            g = s.grade
            core: list[str]
            if g == "09":
                core = ["ENG9", "ALG1" if rng.random() < 0.7 else "GEOM", "BIO", "WHIS",
                        "PE" if rng.random() < 0.5 else "HLTH"]
                lang = rng.choices(("SPAN1", "FREN1", ""), (55, 25, 20))[0]
            elif g == "10":
                core = ["ENG10", "GEOM" if rng.random() < 0.6 else "ALG2", "CHEM", "USHIS"]
                if rng.random() < 0.5:
                    core.append("PE" if rng.random() < 0.6 else "HLTH")
                lang = rng.choices(("SPAN2", "FREN2", "SPAN1", ""), (45, 20, 10, 25))[0]
            elif g == "11":
                core = ["ENG11", "ALG2" if rng.random() < 0.5 else "PREC",
                        "PHYS" if rng.random() < 0.6 else "ENVS", "GOV"]
                lang = rng.choices(("SPAN3", "SPAN2", "FREN2", ""), (30, 15, 10, 45))[0]
            else:
                core = ["ENG12", rng.choices(("PREC", "STAT", "CALC"), (40, 35, 25))[0],
                        "ANAT" if rng.random() < 0.6 else "ENVS", "ECON"]
                lang = rng.choices(("SPAN3", "FREN2", ""), (20, 10, 70))[0]
            if lang:
                core.append(lang)
            electives = [c for c in ELECTIVES if g in COURSES[c].grades and c not in core]
            rng.shuffle(electives)
            s.courses = (core + electives)[:target]

    def build_sections(self) -> None:
        rng = self.rng
        demand: dict[str, int] = {}
        for s in self.students:
            for c in s.courses:
                demand[c] = demand.get(c, 0) + 1
        load = [0] * (PERIODS + 1)
        for code in sorted(demand, key=lambda c: (-demand[c], c)):
            count = max(1, math.ceil(demand[code] / SECTION_SIZE))
            used: set[int] = set()
            secs = []
            for k in range(count):
                free = [p for p in range(1, PERIODS + 1) if p not in used] or list(
                    range(1, PERIODS + 1))
                p = min(free, key=lambda p: (load[p], rng.random()))
                used.add(p)
                load[p] += 1
                secs.append(Section(COURSES[code], k + 1, p))
            self.by_course[code] = secs

        order = list(self.students)
        rng.shuffle(order)
        for s in order:
            courses = sorted(s.courses, key=lambda c: (len(self.by_course[c]), c))
            chosen = self._place(courses, SECTION_CAP) or self._place(courses, 10**9)
            if chosen is None:
                chosen = self._place_greedy(s, courses)
            for sec in chosen:
                sec.students.append(s)
            s.sections = sorted(chosen, key=lambda x: x.period)
        for code in sorted(self.by_course):
            self.sections.extend(x for x in self.by_course[code] if x.students)
        self.sections.sort(key=lambda x: x.sourced_id)
        for sec in self.sections:
            sec.students.sort(key=lambda st: st.num)

    def _place(self, courses: list[str], cap: int) -> list[Section] | None:
        """Backtracking: one section per course, all in different periods."""
        budget = [400]
        chosen: list[Section] = []
        used: set[int] = set()

        def go(i: int) -> bool:
            if i == len(courses):
                return True
            budget[0] -= 1
            if budget[0] < 0:
                return False
            best: dict[int, Section] = {}
            for sec in self.by_course[courses[i]]:
                if sec.period in used or len(sec.students) >= cap:
                    continue
                cur = best.get(sec.period)
                if cur is None or len(sec.students) < len(cur.students):
                    best[sec.period] = sec
            for sec in sorted(best.values(), key=lambda x: (len(x.students), x.period)):
                used.add(sec.period)
                chosen.append(sec)
                if go(i + 1):
                    return True
                used.discard(sec.period)
                chosen.pop()
            return False

        return chosen if go(0) else None

    def _place_greedy(self, s: Student, courses: list[str]) -> list[Section]:
        """Last resort: place what fits, open a new section in a free period for the rest."""
        chosen: list[Section] = []
        used: set[int] = set()
        left = []
        for c in courses:
            options = [x for x in self.by_course[c] if x.period not in used]
            if options:
                sec = min(options, key=lambda x: len(x.students))
                chosen.append(sec)
                used.add(sec.period)
            else:
                left.append(c)
        for c in left:
            period = min(p for p in range(1, PERIODS + 1) if p not in used)
            sec = Section(COURSES[c], len(self.by_course[c]) + 1, period)
            self.by_course[c].append(sec)
            chosen.append(sec)
            used.add(period)
        return chosen

    def staff_sections(self) -> None:
        rng = self.rng
        by_dept: dict[str, list[Teacher]] = {}
        order = sorted(self.sections, key=lambda x: (x.course.dept, x.course.code, x.number))
        for sec in order:
            dept = sec.course.dept
            pool = [t for t in by_dept.get(dept, []) if len(t.sections) < TEACHER_LOAD
                    and sec.period not in t.busy]
            if pool:
                t = min(pool, key=lambda t: (
                    not any(x.course is sec.course for x in t.sections), len(t.sections), t.num))
            else:
                num = len(self.teachers) + 1
                sex = rng.choice(("female", "male"))
                given, family = self._name(sex)
                t = Teacher(f"tch-{num:03d}", num, given, family, sex, dept=dept)
                t.room = f"Room {DEPT_ROOMS[dept] + len(by_dept.get(dept, [])) + 1}"
                t.weighted = rng.random() < (0.85 if dept in ("ENG", "SCI", "SS", "MATH")
                                             else 0.35)
                by_dept.setdefault(dept, []).append(t)
                self.teachers.append(t)
            t.sections.append(sec)
            t.busy.add(sec.period)
            sec.teacher = t

    def make_policies(self) -> None:
        rng = self.rng
        for sec in self.sections:
            t = sec.teacher
            assert t is not None
            weighted = t.weighted
            cats = []
            for key, title, weight in TEMPLATES[sec.course.dept]:
                drop = 0
                if key == "homework" and rng.random() < 0.45:
                    drop = rng.choice((1, 1, 2))
                cats.append(Category(key, title, weight if weighted else None, drop))
            self.policies[sec.sourced_id] = ("weighted" if weighted else "points", cats)

    def make_items(self) -> None:
        for sec in self.sections:
            self.items[sec.sourced_id] = self.items_for(sec)

    # -- storylines --------------------------------------------------------------------

    def assign_patterns(self) -> None:
        rng = self.rng
        as_of = self.as_of
        # Two teachers stop posting grades three to four weeks before the as-of date.
        candidates = [t for t in self.teachers if t.dept != "PE"]
        busiest = max((len(t.sections) for t in candidates), default=0)
        candidates = [t for t in candidates if len(t.sections) >= min(3, busiest)]
        stale = sorted(rng.sample(candidates, min(2, len(candidates))), key=lambda t: t.num)
        for t, back in zip(stale, (28, 22), strict=False):
            t.stale_after = as_of - dt.timedelta(back)

        pool = list(self.students)
        rng.shuffle(pool)
        late_n = max(1, round(self.n * 0.01))
        late_dates = [d for d in school_days(D("2026-09-28"), D("2026-10-19"))
                      if d < as_of - dt.timedelta(28)] or [FALL_START]
        late, pool = pool[:late_n], pool[late_n:]
        for s in late:
            s.begin = rng.choice(late_dates)
            self.attendance_kind[s.sourced_id] = "late"

        def fresh(sec: Section) -> bool:
            return sec.teacher is not None and sec.teacher.stale_after is None

        failing_n = max(1, round(self.n * 0.06))
        drop_n = max(1, round(self.n * 0.04))
        taken = 0
        for s in pool:
            if failing_n <= 0:
                break
            options = [x for x in s.sections if fresh(x) and x.course.dept != "PE"]
            if not options:
                continue
            sec = rng.choice(options)
            start = FALL_START + dt.timedelta(rng.randint(0, 28))
            self.patterns[(s.sourced_id, sec.sourced_id)] = Pattern("failing", start)
            failing_n -= 1
            taken += 1
        rest = pool[taken:]
        taken = 0
        for s in rest:
            if drop_n <= 0:
                break
            taken += 1
            start = as_of - dt.timedelta(rng.randint(17, 20))

            def telling(sec: Section, start: dt.date = start) -> bool:
                """Weighted, and a test or project falls due and is scored in the window."""
                return fresh(sec) and self.policies[sec.sourced_id][0] == "weighted" and any(
                    it.kind in ("tests", "projects") and it.due >= start and it.scored <= as_of
                    for it in self.items[sec.sourced_id])

            options = [x for x in s.sections if telling(x)]
            if not options:
                continue
            sec = rng.choice(options)
            self.patterns[(s.sourced_id, sec.sourced_id)] = Pattern("drop", start)
            drop_n -= 1
            s.level = max(s.level, 86.0)
        rest = rest[taken:]
        # Attendance storylines, on students without an academic storyline where possible.
        chronic_n = max(1, round(self.n * 0.08))
        runs_n = max(2, round(self.n * 0.04))
        half_n = max(1, round(self.n / 300))
        for i, s in enumerate(rest[:runs_n]):
            self.attendance_kind[s.sourced_id] = "run"
            self.run_variant[s.sourced_id] = i % 4
            s.miss += 0.02
        for s in rest[runs_n:runs_n + chronic_n]:
            self.attendance_kind[s.sourced_id] = "chronic"
            s.level -= 3.0
            s.miss += 0.03
        if rest[runs_n:runs_n + chronic_n]:
            self.truant = rest[runs_n].sourced_id
        for s in rest[runs_n + chronic_n:runs_n + chronic_n + half_n]:
            self.attendance_kind[s.sourced_id] = "half"

    # -- gradebook ---------------------------------------------------------------------

    def items_for(self, sec: Section) -> list[Item]:
        rng = self.rng
        cid = sec.sourced_id
        keys = {c.key for c in self.policies[cid][1]}
        hw_per_week = rng.choice((1, 2, 2))
        quiz_every = rng.choice((1, 2))
        test_every = rng.choice((3, 4))
        test_offset = rng.randrange(test_every)
        project_every = 3 if sec.course.dept == "ARTS" else 5
        horizon = self.as_of + dt.timedelta(7)
        cal = self.fall_days
        index = self.fall_index
        items: list[Item] = []

        def add(kind: str, due: dt.date, lead: int) -> None:
            """An item due on ``due``, assigned ``lead`` school days before."""
            assign = cal[max(0, index[due] - lead)]
            if assign <= self.as_of:
                items.append(Item(kind, "", assign, due, KINDS[kind][0], f"cat-{cid}-{kind}",
                                  _grading_period(due)))

        for week, days in enumerate(self.weeks):
            if days[0] > horizon:
                break
            if "homework" in keys:
                for d in sorted(rng.sample(days, min(hw_per_week, len(days)))):
                    add("homework", d, 1)
            for kind in ("classwork", "labs", "participation"):
                if kind in keys:
                    add(kind, rng.choice(days), 0)
            if "quizzes" in keys and week % quiz_every == 0:
                add("quizzes", rng.choice(days), 2)
            if "tests" in keys and week > 0 and week % test_every == test_offset:
                add("tests", days[-1] if rng.random() < 0.6 else days[max(0, len(days) - 2)], 5)
            if "projects" in keys and week % project_every == project_every - 1:
                add("projects", days[-1], 12)
        items.sort(key=lambda it: (it.due, it.kind))
        delay_base = rng.choice((1, 2, 2, 3))
        for it in items:
            delay = min(3, max(1, delay_base + rng.choice((-1, 0, 0, 0, 1))))
            it.scored = it.due + dt.timedelta(delay)
        counters: dict[str, int] = {}
        for it in items:
            counters[it.kind] = counters.get(it.kind, 0) + 1
            n = counters[it.kind]
            stem = KINDS[it.kind][1]
            if it.kind == "tests" and sec.course.dept == "PE":
                stem = "Skills Test"
            it.title = f"{stem} {n}"
            if it.kind == "projects":
                it.description = f"{sec.course.title} project {n}: research, draft, final"
        return items

    def results_rows(self, sec: Section, items: list[Item]) -> Iterable[list[str]]:
        rng = self.rng
        as_of = self.as_of
        teacher = sec.teacher
        assert teacher is not None
        stale_after = teacher.stale_after
        cid = sec.sourced_id
        short = cid[4:]
        stamp = self.stamp
        shows_submitted = rng.random() < 0.5
        offsets = {s.num: rng.gauss(0.0, 2.5) for s in sec.students}
        plots = [(s, self.patterns.get((s.sourced_id, cid))) for s in sec.students]
        stories = {s.num: self._storyline(s, sec, plot, items)
                   for s, plot in plots if plot is not None}
        for n, it in enumerate(items, 1):
            scored = it.scored
            if it.due > as_of or (stale_after is not None and scored > stale_after):
                continue
            pending = scored > as_of
            li = f"li-{cid}-{n:03d}"
            miss_factor = KINDS[it.kind][4]
            bonus_ok = it.kind in ("tests", "projects") and rng.random() < 0.3
            date_s = scored.isoformat()
            for s, plot in plots:
                rid = f"res-{short}-{n:03d}-{s.num:05d}"
                if s.begin > it.due:
                    yield [rid, "active", stamp, li, s.sourced_id, "", "exempt", "", "",
                           date_s, "Enrolled after this was due.", "false", "false", "false",
                           "false"]
                    continue
                if pending:
                    if plot is None:
                        miss = s.miss * miss_factor
                    else:
                        miss = _plot_level(plot, it, s.level, 0)[1]
                    if shows_submitted and rng.random() > miss + 0.05:
                        yield [rid, "active", stamp, li, s.sourced_id, "", "submitted", "", "",
                               it.due.isoformat(), "", "false", "false", "false", "false"]
                    continue
                if plot is None:
                    status, score, late, comment = _outcome(
                        rng, it, s.level + offsets[s.num], s.miss * miss_factor, s.late,
                        bonus_ok, 0.006)
                else:
                    status, score, late, comment = stories[s.num][n]
                yield [rid, "active", stamp, li, s.sourced_id, "", status,
                       "" if score is None else _num(score), "", date_s, _quote(comment), "false",
                       "false", _tf(late), _tf(status == "not submitted")]

    def _storyline(self, s: Student, sec: Section, plot: Pattern, items: list[Item]
                   ) -> dict[int, tuple[str, float | None, bool, str]]:
        """Scored outcomes for a storyline, redrawn (harsher each time) until it shows.

        Uses its own ``Random`` so the redraws do not shift the rest of the data.
        """
        cid = sec.sourced_id
        stale_after = sec.teacher.stale_after if sec.teacher else None
        visible = [(n, it) for n, it in enumerate(items, 1)
                   if it.scored <= self.as_of and (stale_after is None or it.scored <= stale_after)]
        method, cats = self.policies[cid]
        weights = {f"cat-{cid}-{c.key}": c.weight or 0.0 for c in cats}
        drops = {f"cat-{cid}-{c.key}": c.drop_lowest for c in cats}
        last_sunday = self.as_of - dt.timedelta((self.as_of.weekday() + 1) % 7)
        sundays = [last_sunday - dt.timedelta(7 * k) for k in range(5, -1, -1)]
        out: dict[int, tuple[str, float | None, bool, str]] = {}
        for severity in range(12):
            rng = random.Random(f"{self.seed}/{s.sourced_id}/{cid}/{severity}")
            out = {}
            for n, it in visible:
                level, miss = _plot_level(plot, it, s.level, severity)
                out[n] = _outcome(rng, it, level, miss, s.late, False, 0.0)

            def grade(when: dt.date, out: dict[int, tuple[str, float | None, bool, str]] = out
                      ) -> float | None:
                return _grade([(items[n - 1], o[0], o[1]) for n, o in out.items()], when,
                              method, weights, drops)

            weekly = [grade(d) for d in sundays]
            now = grade(self.as_of)
            if now is None:
                break
            if plot.kind == "failing":
                if all(g is not None and g < 67.0 for g in weekly[-3:]) and now < 67.0:
                    break
            else:
                peak = max((g for g in weekly if g is not None), default=0.0)
                if peak >= 82.0 and now <= peak - 17.0:
                    break
        return out

    # -- attendance --------------------------------------------------------------------

    def attendance_rows(self) -> list[list[str]]:
        rng = self.rng
        as_of = self.as_of
        window = as_of - dt.timedelta(29)
        rows: list[list[str]] = []
        gp_start = next(s[3] for s in FALL_PERIODS if s[3] <= as_of <= s[4])
        for s in self.students:
            days = [d for d in self.days if d >= s.begin]
            if not days:
                continue
            sid = s.sourced_id
            kind = self.attendance_kind.get(sid, "normal")
            whole: dict[dt.date, str] = {}
            recent = [d for d in days if d >= window]
            if kind == "chronic":
                rate = rng.uniform(0.11, 0.3)
                unexcused = rng.uniform(0.2, 0.8)
                if sid == self.truant:
                    rate, unexcused = 0.36, 0.95  # truancy: > 15 unexcused days this term
                k = min(len(days), math.ceil(rate * len(days)))
                while len(whole) < k:
                    start = rng.randrange(len(days))
                    span = rng.choice((1, 1, 1, 2, 3))
                    for d in days[start:start + span]:
                        if len(whole) < k:
                            whole[d] = ("unexcused_absence" if rng.random() < unexcused
                                        else "excused_absence")
            elif kind == "run":
                variant = self.run_variant[sid]
                if variant == 0:  # a streak spanning a weekend, through the as-of date
                    chosen = recent[-7:]
                elif variant == 1:  # exactly 5 in 30 days: a 3-day streak and 2 earlier
                    chosen = recent[-3:] + rng.sample(recent[:-4], min(2, len(recent) - 4))
                elif variant == 2:  # scattered, no current streak
                    chosen = rng.sample(recent[:-1], min(len(recent) - 1, rng.choice((5, 6))))
                else:  # more than 8 in the current grading period
                    gp = [d for d in days if d >= gp_start]
                    gp = gp if len(gp) >= 10 else days[-10:]
                    chosen = [d for i, d in enumerate(gp) if i != 1][-9:]
                for d in chosen:
                    whole[d] = "unexcused_absence"
                early = [d for d in days if d < window]
                for d in rng.sample(early, min(len(early), rng.randint(0, 2))):
                    whole[d] = "excused_absence"
            else:
                k = rng.choices((0, 1, 2, 3, 4, 5), (34, 26, 17, 11, 7, 5))[0]
                k = min(k, int(len(days) * 0.08))
                while len(whole) < k:
                    start = rng.randrange(len(days))
                    span = 2 if rng.random() < 0.15 else 1
                    reason = "excused_absence" if rng.random() < 0.78 else "unexcused_absence"
                    for d in days[start:start + span]:
                        if len(whole) < k:
                            whole[d] = reason
            if rng.random() < 0.05:
                d = rng.choice(days)
                whole.setdefault(d, "early_departure")
            for d, cat in whole.items():
                rows.append([f"att-{s.num:05d}-{d:%Y%m%d}", sid, d.isoformat(), cat, "", ""])

            # Period-level records on days without a whole-day record.
            present = [d for d in days if d not in whole]
            if not present:
                continue
            by_period = {x.period: x for x in s.sections}
            periods = sorted(by_period)
            period_rows: dict[tuple[dt.date, int], str] = {}
            r = rng.random()
            tardies = (rng.randint(6, 14) if r < 0.1 else rng.randint(2, 5) if r < 0.4
                       else rng.randint(0, 1))
            for _ in range(tardies):
                p = periods[0] if r < 0.1 and rng.random() < 0.8 else rng.choice(periods)
                period_rows[(rng.choice(present), p)] = "tardy"
            if rng.random() < 0.06:
                for _ in range(rng.randint(1, 2)):
                    reason = "unexcused_absence" if rng.random() < 0.6 else "excused_absence"
                    period_rows[(rng.choice(present), rng.choice(periods))] = reason
            if kind == "half":  # left at lunch: period absences in at least half the classes
                d = rng.choice([x for x in present if x >= window] or present)
                for p in periods[len(periods) // 2:]:
                    period_rows[(d, p)] = "unexcused_absence"
            for (d, p), cat in period_rows.items():
                sec = by_period[p]
                rows.append([f"att-{s.num:05d}-{d:%Y%m%d}-p{p}", sid, d.isoformat(), cat,
                             sec.sourced_id, str(p)])
        rows.sort(key=lambda row: (row[1], row[2], row[5]))
        return rows
