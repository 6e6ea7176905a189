"""OneRoster **1.1** REST: a sync gives exactly the cache that `caseload import` of the same
data as OneRoster 1.1 CSV gives (issue 6: "version 1.1 or 1.2").

The data is the tests' OneRoster 1.2 CSV (the min data and the sample school) rewritten as a
OneRoster 1.1 CSV folder (:func:`v11_folder`: users.csv with ``role`` and ``orgSourcedIds``,
no roles.csv, only the columns 1.1 defines). The import reads that folder; the server
(tests/sync/oneroster_server.py with ``version="1.1"``) serves the same folder at
``/ims/oneroster/v1p1/<collection>`` as 1.1 JSON: users with ``role`` and ``orgs:
[GUIDRef]``, never ``roles`` or ``primaryOrg``.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from caseload.sources.dataset import SourceError
from caseload.sources.detect import read_path
from caseload.sources.loader import load
from caseload.sources.oneroster_rest import to_dataset
from caseload.sources.sync import sync
from caseload.store.engine import make_engine
from caseload.store.tables import METADATA
from tests import templates as tpl
from tests.paths import MIN_DATA, SAMPLE_DATA
from tests.sync.oneroster_server import OneRosterServer
from tests.sync.test_oneroster_sync import (
    EXTENSIONS,
    MATERIALIZED,
    NAME,
    SKIP_TABLES,
    _differs,
    extension_folder,
    snapshot,
)

# The columns of each OneRoster 1.1 CSV file (the 1.1 CSV binding), in its order.
V11_COLUMNS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                            "parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,"
                   "grades,orgSourcedId,subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                   "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                   "periods",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                       "userSourcedId,role,primary,beginDate,endDate",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
                 "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
                 "agentSourcedIds,grades,password",
    "categories.csv": "sourcedId,status,dateLastModified,title",
    "lineItems.csv": "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,"
                     "classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,"
                     "resultValueMax",
    "results.csv": "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,"
                   "scoreStatus,score,scoreDate,comment",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def v11_folder(src: Path, dst: Path) -> Path:
    """The OneRoster 1.2 CSV folder ``src`` as a OneRoster 1.1 one (with its extension files).

    A user's role is their roles.csv role (primary first); their ``orgSourcedIds`` list the
    primary org, then their roles' orgs, then each org's parent (a school's district), so
    that the first org is the school and the list has more than one."""
    dst.mkdir()
    parent = {r["sourcedId"]: r.get("parentSourcedId", "") for r in _rows(src / "orgs.csv")}
    roles: dict[str, list[dict[str, str]]] = {}
    for r in sorted(_rows(src / "roles.csv"), key=lambda r: r.get("roleType") != "primary"):
        roles.setdefault(r["userSourcedId"], []).append(r)
    for name, header in V11_COLUMNS.items():
        columns = header.split(",")
        rows = _rows(src / name)
        if name == "users.csv":
            for r in rows:
                mine = roles.get(r["sourcedId"], [])
                orgs = [r.get("primaryOrgSourcedId", "")] + [x["orgSourcedId"] for x in mine]
                orgs += [parent.get(o, "") for o in orgs]
                r["orgSourcedIds"] = ",".join(dict.fromkeys(o for o in orgs if o))
                r["role"] = mine[0]["role"] if mine else ""
        with (dst / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(columns)
            w.writerows([r.get(c, "") for c in columns] for r in rows)
    manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1"]
    manifest += [f"file.{n.removesuffix('.csv')},bulk" for n in V11_COLUMNS]
    (dst / "manifest.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    for name in EXTENSIONS:
        if (src / name).exists():
            shutil.copy(src / name, dst / name)
    return dst


@pytest.mark.parametrize("data", [MIN_DATA, SAMPLE_DATA], ids=["min", "sample"])
def test_a_v11_sync_equals_the_v11_csv_import(tmp_path, monkeypatch, migrated_template, data):
    folder = v11_folder(data, tmp_path / "v11")
    srv = OneRosterServer.from_folder(folder, version="1.1").start()
    try:
        users = srv.data["users"]
        assert all("roles" not in u and "primaryOrg" not in u for u in users)
        assert all(u["role"] and len(u["orgs"]) > 1 for u in users)
        # numbers as text, as some 1.1 servers send them: read as the CSV reads them
        for i, r in enumerate(srv.data["results"]):
            if i % 2 and isinstance(r.get("score"), float):
                r["score"] = str(r["score"])
        for li in srv.data["lineItems"][::2]:
            li.update({k: str(v) for k, v in li.items() if isinstance(v, float)})
        monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", srv.secret)
        imported = tpl.migrated_engine(migrated_template, tmp_path / "imported.db")
        load(imported, read_path(folder))
        synced_path = tmp_path / "synced.db"
        synced = tpl.migrated_engine(migrated_template, synced_path)
        report = sync(synced, NAME, srv.source_config())
        load(synced, read_path(extension_folder(folder, tmp_path / "ext")))
        synced.dispose()
        assert report.kind == "oneroster-rest"
        assert {p.split("/ims/oneroster/", 1)[1].split("/")[0] for p, _ in srv.requests} == {
            "v1p1"
        }
        with imported.connect() as conn:
            conn.exec_driver_sql(f"ATTACH DATABASE '{synced_path}' AS other")
            differ = []
            for table in METADATA.sorted_tables:
                if table.name in SKIP_TABLES | MATERIALIZED:
                    continue
                columns = [c.name for c in table.columns
                           if c.name != "source" or table.name != "guardians"]
                if _differs(conn, table.name, columns):
                    differ.append(table.name)
            # every user has the school a 1.1 CSV import gives them (the first of their orgs)
            schools = conn.execute(text(
                "SELECT count(*), count(u.school_id), count(o.sourced_id) FROM other.users u "
                "LEFT JOIN other.orgs o ON o.sourced_id = u.school_id AND o.type = 'school'"
            )).one()
        if differ:  # the rows of the first table that differs, as a readable diff
            a = snapshot(imported, SKIP_TABLES | MATERIALIZED)
            b = snapshot(make_engine(f"sqlite:///{synced_path}"), SKIP_TABLES | MATERIALIZED)
            for name in differ:
                if name == "guardians":
                    a[name] = [r[:-1] for r in a[name]]
                    b[name] = [r[:-1] for r in b[name]]
                assert a[name] == b[name], f"table {name} differs"
            raise AssertionError(f"tables {differ} differ as stored")
        imported.dispose()
        assert schools[0] == len(users) and schools[0] == schools[1] == schools[2]
    finally:
        srv.stop()


# --- the mapping alone -----------------------------------------------------------------------


def _v11_payload(**users: dict) -> dict[str, list[dict]]:
    def ref(sid: str) -> dict[str, str]:
        return {"href": f"/x/{sid}", "sourcedId": sid, "type": "x"}

    return {
        "orgs": [{"sourcedId": "dist-1", "status": "active", "name": "D", "type": "district"},
                 {"sourcedId": "sch-1", "status": "active", "name": "S1", "type": "school",
                  "parent": ref("dist-1")},
                 {"sourcedId": "sch-2", "status": "active", "name": "S2", "type": "school",
                  "parent": ref("dist-1")}],
        "users": [{"sourcedId": sid, "status": "active", "enabledUser": "true",
                   "givenName": "A", "familyName": "B", "role": "student",
                   **{k: ([ref(o) for o in v] if k == "orgs" else ref(v))
                      for k, v in fields.items()}}
                  for sid, fields in users.items()],
    }


def test_a_v11_user_gets_the_first_of_its_orgs_and_primary_org_comes_first():
    ds = to_dataset(NAME, _v11_payload(**{
        "stu-1": {"orgs": ["sch-1", "dist-1"]},
        "stu-2": {"orgs": ["sch-1"], "primaryOrg": "sch-2"},
        "stu-3": {"orgs": []},
        "stu-4": {},
    }))
    assert {u.sourced_id: u.school_id for u in ds.users} == {
        "stu-1": "sch-1", "stu-2": "sch-2", "stu-3": None, "stu-4": None,
    }


def test_a_v11_org_ref_without_an_id_names_the_orgs_field():
    payload = _v11_payload(**{"stu-1": {"orgs": ["sch-1"]}})
    payload["users"][0]["orgs"] = [{"href": "/orgs/x", "type": "org"}]
    with pytest.raises(SourceError) as info:
        to_dataset(NAME, payload)
    assert (info.value.file, info.value.line, info.value.field) == (
        "users", "sourcedId 'stu-1'", "orgs"
    )


def test_a_v12_user_with_roles_keeps_its_primary_role_school_over_a_legacy_orgs_list(tmp_path):
    """A 1.2 user (``roles``, no ``primaryOrg``) that also carries a legacy 1.1 ``orgs`` list
    starting with the district: the school is its primary role's, as a 1.2 CSV import of the
    same data gives; the 1.1 ``orgs`` fallback is for 1.1 users (no ``roles``) only."""
    payload = _v11_payload(**{"stu-1": {"orgs": ["dist-1", "sch-1"]}})
    user = payload["users"][0]
    del user["role"]
    user["roles"] = [
        {"roleType": "primary", "role": "student", "org": {"sourcedId": "sch-1", "type": "org"}},
        {"roleType": "secondary", "role": "student", "org": {"sourcedId": "dist-1", "type": "org"}},
    ]
    synced = {u.sourced_id: u.school_id for u in to_dataset(NAME, payload).users}

    folder = tmp_path / "v12"
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
        "file.orgs,bulk\nfile.users,bulk\nfile.roles,bulk\n", encoding="utf-8")
    (folder / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "dist-1,active,,D,district,,\nsch-1,active,,S1,school,,dist-1\n"
        "sch-2,active,,S2,school,,dist-1\n", encoding="utf-8")
    (folder / "users.csv").write_text(
        "sourcedId,status,dateLastModified,enabledUser,givenName,familyName,"
        "primaryOrgSourcedId\nstu-1,active,,true,A,B,\n", encoding="utf-8")
    (folder / "roles.csv").write_text(
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId\n"
        "r1,active,,stu-1,primary,student,sch-1\nr2,active,,stu-1,secondary,student,dist-1\n",
        encoding="utf-8")
    imported = {u.sourced_id: u.school_id for u in read_path(folder).users}
    assert synced == imported == {"stu-1": "sch-1"}
