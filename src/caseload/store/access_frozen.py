"""The access rules migrations write into PostgreSQL, frozen by revision (issue 13).

A migration must do what it did when it was written, whatever caseload becomes: a fresh
database is migrated through every revision, so a migration that applied today's rules would
break the day a rule names a column a later revision adds. The row-level security policies,
the functions they call, the grants table and the note-history trigger are therefore kept
here as snapshots named for the revision whose text they hold, and migrations apply those,
never ``caseload.store.access``'s current names.

A snapshot, and the vocabulary below it is written in, is never edited
(tests/test_access_frozen.py pins the text of each). A new rule is a new snapshot (for a
table's policy, ``POLICIES_00NN = POLICIES_0022 | {"table": TablePolicy(...)}``), a migration
that applies it, and ``caseload.store.access`` pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass

GRANTS = "caseload_grants"


@dataclass(frozen=True)
class TablePolicy:
    """A table's policies: who reads a row (``read``); who may insert, update or delete one
    (None: nobody but the owner). A login gets the matching privileges on the table."""

    read: str
    insert: str | None = None
    update: str | None = None
    delete: str | None = None
    # the rows an update may touch (its USING), when narrower than what it may leave (its
    # WITH CHECK, ``update``); and the only columns it may set (empty: any)
    update_using: str | None = None
    update_columns: tuple[str, ...] = ()


# --- the vocabulary the policies are written in (0012) ---------------------------------------

PERSON = "(SELECT caseload_person(current_user))"
DISTRICT = "((SELECT caseload_scope(current_user)) = 'district')"
STAFF_ROLES = "('teacher', 'counselor', 'administrator', 'aide')"


def sees(column: str) -> str:
    """SQL: the login may see the student whose id is in ``column``."""
    return f"({DISTRICT} OR {column} IN (SELECT caseload_visible_students(current_user)))"


def by_student(column: str = "student_id") -> TablePolicy:
    """Read-only rows about one student (``column`` holds the student's id)."""
    return TablePolicy(read=sees(column))


# --- the grants table (0012) -----------------------------------------------------------------

CREATE_GRANTS_0012 = f"""
CREATE TABLE IF NOT EXISTS {GRANTS} (
    login text PRIMARY KEY,
    person text NOT NULL,
    scope text NOT NULL CHECK (scope IN ('counselor', 'school', 'district')),
    target text,
    granted_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'district') = (target IS NULL))
)"""


# --- the policies ------------------------------------------------------------------------------

_NOTE_WRITE = f"author_id = {PERSON} AND {sees('student_id')}"
_OWN = f"author_id = {PERSON}"

# The columns of a note that a saved version of it repeats, as they are at 0021 (both the
# note_revisions policy and the note-history trigger compare them; a later column comes with
# a migration of its own: tests/test_access_tables.py checks the list against the model).
NOTE_HISTORY_0021 = (
    "student_id", "author_id", "contact_date", "type", "flags", "class_id", "text",
    "follow_up", "status", "created_at", "updated_at", "deleted", "deleted_at", "method",
    "outcome", "confidential", "updated_by",
)

# Every table's policies as they stand since 0022 (0012 wrote the first; 0018 audit_log's,
# 0019 and 0021 note_revisions', 0020 last_seen's and 0022 notes' are what they are now).
POLICIES_0022: dict[str, TablePolicy] = {
    # staff are not student data (class screens name the teacher); students by scope;
    # guardians, parents and others: district staff only
    "users": TablePolicy(read=f"(role IN {STAFF_ROLES} OR {sees('sourced_id')})"),
    "enrollments": TablePolicy(read=f"(role <> 'student' OR {sees('user_id')})"),
    "results": by_student(),
    "attendance_events": by_student(),
    "student_incidents": by_student(),
    "discipline_incidents": TablePolicy(
        read=f"({DISTRICT} OR EXISTS (SELECT 1 FROM student_incidents si "
             "WHERE si.incident_id = discipline_incidents.sourced_id))"
    ),
    "caseloads": by_student(),
    "mat_student": by_student(),
    "mat_class_facts": by_student(),
    "mat_rank": by_student(),
    "mat_pending": by_student(),  # 0013: students an import changed, until facts are refreshed
    "guardians": by_student(),  # migration 0010 (another branch): policed when present
    # notes: about students the login sees; a confidential one only by its author; written
    # (and changed) only as the login's own person
    # (0022: a login's new note is new: its first revision, saved by the login's person; it
    # could insert one at revision 7, or signed by a colleague, a history that never was)
    "notes": TablePolicy(
        read=f"({sees('student_id')} AND (NOT confidential OR {_OWN}))",
        insert=f"{_NOTE_WRITE} AND revision = 1 AND updated_by = {PERSON}",
        update=_NOTE_WRITE,
    ),
    # a revision is the login's own note as it stands, saved just before an edit (0019:
    # any login that saw a note could add a revision to it, forging its history)
    # (0021: and every column of it, not only its text: a login could save a version that
    # never was, its date or confidentiality changed, as the note's history)
    "note_revisions": TablePolicy(
        read="EXISTS (SELECT 1 FROM notes n WHERE n.id = note_revisions.note_id)",
        insert=f"{_OWN} AND EXISTS (SELECT 1 FROM notes n WHERE n.id = note_revisions.note_id "
               "AND n.revision = note_revisions.revision AND "
               + " AND ".join(f"n.{c} IS NOT DISTINCT FROM note_revisions.{c}"
                              for c in NOTE_HISTORY_0021) + ")",
    ),
    "note_drafts": TablePolicy(read=_OWN, insert=_NOTE_WRITE, update=_OWN, delete=_OWN),
    # when each person last opened the app on each scope (0014, 0020): a login reads and
    # writes its own person's rows, whatever caseload they are about
    "last_seen": TablePolicy(read=f"viewer = {PERSON}", insert=f"viewer = {PERSON}",
                             update=f"viewer = {PERSON}"),
    # the audit log: a login appends its own entries, and may then only settle the status of
    # one still "started" (an export records it before writing the file): never rewrite
    # what, where, when or how many (0018)
    "audit_log": TablePolicy(read=f"(actor = {PERSON} OR {DISTRICT})",
                             insert=f"actor = {PERSON}", update=f"actor = {PERSON}",
                             update_using=f"(actor = {PERSON} AND status = 'started')",
                             update_columns=("status",)),
}

# last_seen's policies from 0014 until 0020 (one row per scope: a counselor's login wrote its
# own caseload's, a district login any): what 0014 creates and a downgrade from 0020 restores
_LAST_SEEN_0014 = f"(scope = {PERSON} OR {DISTRICT})"
LAST_SEEN_0014 = TablePolicy(read=_LAST_SEEN_0014, insert=_LAST_SEEN_0014,
                             update=_LAST_SEEN_0014)


# --- the functions the policies call (0019) ------------------------------------------------

_GUARD = "g.login = $1::text AND pg_has_role(session_user, $1, 'MEMBER')"
# The functions' own search path: the cache's schema, then pg_temp last ({path}, filled in by
# ``access.create_functions``). Left to the caller's (or "FROM CURRENT", which omits
# pg_temp), a login's temporary table named caseload_grants would be found first (0019).
_DEFINER = "STABLE SECURITY DEFINER SET search_path = {path}"

FUNCTIONS_0019 = (
    f"""CREATE OR REPLACE FUNCTION caseload_scope(login name) RETURNS text
    LANGUAGE sql {_DEFINER} AS $$ SELECT g.scope FROM {GRANTS} g WHERE {_GUARD} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_person(login name) RETURNS text
    LANGUAGE sql {_DEFINER} AS $$ SELECT g.person FROM {GRANTS} g WHERE {_GUARD} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_grant(login name)
    RETURNS TABLE (person text, scope text, target text)
    LANGUAGE sql {_DEFINER} AS $$
    SELECT g.person, g.scope, g.target FROM {GRANTS} g WHERE {_GUARD} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_visible_students(login name) RETURNS SETOF text
    LANGUAGE sql {_DEFINER} ROWS 1000 AS $$
    SELECT c.student_id FROM {GRANTS} g JOIN caseloads c ON c.counselor_id = g.target
     WHERE g.scope = 'counselor' AND {_GUARD}
    UNION
    SELECT u.sourced_id FROM {GRANTS} g
      JOIN users u ON u.school_id = g.target AND u.role = 'student'
     WHERE g.scope = 'school' AND {_GUARD} $$""",
)


# --- a note keeps its history (0021) -------------------------------------------------------

# The app saves a note's version in note_revisions before it changes the note and raises its
# revision by one; a granted login may update its own notes (the policy), so in plain SQL it
# could rewrite one with no trace. This trigger refuses a login's update of a note unless the
# version it replaces is saved, column for column ({same}: NOTE_HISTORY_0021's), as revision
# OLD.revision and the new one is OLD.revision + 1; it also keeps a note's id, student,
# author and creation time, and signs the version with the login's person. A login's note,
# its versions and its saved versions are dated by the database's clock (the app's, a
# laptop's, could date an edit years back). The owner (migrations, maintenance) is not
# checked: it owns the table.
NOTE_HISTORY_SQL_0021 = """CREATE OR REPLACE FUNCTION caseload_note_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID),
                   'USAGE') THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'note_revisions' THEN
        NEW.replaced_at := now();
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now();
        NEW.updated_at := now();
        NEW.deleted_at := CASE WHEN NEW.deleted THEN now() END;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.student_id <> OLD.student_id
       OR NEW.author_id <> OLD.author_id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'caseload: a note''s id, student, author and creation time never '
            'change (note %)', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.updated_by IS DISTINCT FROM caseload_person(current_user) THEN
        RAISE EXCEPTION 'caseload: a change to note % is signed by the login''s own person',
            OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.revision IS DISTINCT FROM OLD.revision + 1 OR NOT EXISTS (
        SELECT 1 FROM note_revisions r WHERE r.note_id = OLD.id AND r.revision = OLD.revision
        AND {same}) THEN
        RAISE EXCEPTION 'caseload: note % changes only with its history: its version % is '
            'saved in note_revisions first, and its revision becomes %', OLD.id,
            OLD.revision, OLD.revision + 1 USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.updated_at := now();
    NEW.deleted_at := CASE WHEN NEW.deleted AND NOT OLD.deleted THEN now()
                           WHEN NEW.deleted THEN OLD.deleted_at END;
    RETURN NEW;
END $$"""


# --- a grant is bound to its role, not to the role's name (0025) ----------------------------

# Grants were keyed by the login's name alone: a role dropped (``DROP OWNED BY x; DROP ROLE
# x``, or a restore into a cluster without it) left its grant, and a new, unrelated role of
# that name got the old scope, the old person's confidential notes and the right to sign as
# them (audit s20c, finding 1). ``role_oid`` is the granted role's identity, recorded at grant
# time; the existing grants are bound to the role of their name as it is at the upgrade (none:
# NULL, a grant that matches no role until it is granted again).
BIND_GRANTS_0025 = (
    f"ALTER TABLE {GRANTS} ADD COLUMN IF NOT EXISTS role_oid oid",
    f"UPDATE {GRANTS} g SET role_oid = r.oid FROM pg_roles r WHERE r.rolname = g.login",
)
UNBIND_GRANTS_0025 = (f"ALTER TABLE {GRANTS} DROP COLUMN IF EXISTS role_oid",)

# The functions answer only when the session's role is the one granted: its name and its OID
# (a role dropped and created again under the same name is another role, and matches no
# grant, whatever the privileges it was given by name: a restore's GRANTs, say).
_GUARD_0025 = (f"{_GUARD} AND g.role_oid = "
               "(SELECT r.oid FROM pg_roles r WHERE r.rolname = $1)")

FUNCTIONS_0025 = (
    f"""CREATE OR REPLACE FUNCTION caseload_scope(login name) RETURNS text
    LANGUAGE sql {_DEFINER} AS $$ SELECT g.scope FROM {GRANTS} g WHERE {_GUARD_0025} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_person(login name) RETURNS text
    LANGUAGE sql {_DEFINER} AS $$ SELECT g.person FROM {GRANTS} g WHERE {_GUARD_0025} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_grant(login name)
    RETURNS TABLE (person text, scope text, target text)
    LANGUAGE sql {_DEFINER} AS $$
    SELECT g.person, g.scope, g.target FROM {GRANTS} g WHERE {_GUARD_0025} $$""",
    f"""CREATE OR REPLACE FUNCTION caseload_visible_students(login name) RETURNS SETOF text
    LANGUAGE sql {_DEFINER} ROWS 1000 AS $$
    SELECT c.student_id FROM {GRANTS} g JOIN caseloads c ON c.counselor_id = g.target
     WHERE g.scope = 'counselor' AND {_GUARD_0025}
    UNION
    SELECT u.sourced_id FROM {GRANTS} g
      JOIN users u ON u.school_id = g.target AND u.role = 'student'
     WHERE g.scope = 'school' AND {_GUARD_0025} $$""",
)


# --- the audit log is dated by the database (0025) -------------------------------------------

# ``audit_log.at`` came from the client: a login could append, in plain SQL, an "ok" export
# dated 2019 (audit s20c, finding 8). A login's entry is dated by the database's clock, as its
# notes are (0021); the owner (migrations, maintenance) is not checked: it owns the table.
AUDIT_CLOCK_SQL_0025 = """CREATE OR REPLACE FUNCTION caseload_audit_clock() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
BEGIN
    IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c
                                      WHERE c.oid = TG_RELID), 'USAGE') THEN
        NEW.at := now();
    END IF;
    RETURN NEW;
END $$"""
