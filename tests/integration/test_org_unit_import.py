"""Importing units: the country's official list and an agency's own rows, all or none.

Against the registry's real app, PostgreSQL and nats-server: the official list lands whole and a
second run changes nothing; a bad row refuses the whole import naming each bad row and field, in
Vietnamese and English, and writes nothing; rows under a unit outside the caller's scope are refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.registry.official_units import official_rows
from services.registry.service import DEFINITION
from shared.auth.principal import Role
from tests.conftest import auth
from tests.integration.service_host import hosted

pytestmark = pytest.mark.integration


@pytest.fixture
async def registry(database: str, isolated_nats) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:  # type: ignore[no-untyped-def]
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        yield client, database


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_the_official_list_lands_whole_and_a_second_run_changes_nothing(registry) -> None:  # type: ignore[no-untyped-def]
    client, dsn = registry
    first = await client.post("/org-units/import-official", headers=auth([Role.ADMINISTRATOR]), timeout=120)
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 1 + len(official_rows()), "existing": 0}
    events = await _count(dsn, "select count(*) from events")
    assert await _count(dsn, "select count(*) from outbox") == 1 + len(official_rows())
    province = (await client.get("/org-units", params={"under": "VN.15", "limit": 500}, headers=auth())).json()
    names = {unit["name"] for unit in province["items"]}
    assert {"Tỉnh Lào Cai", "Xã Bảo Hà", "Xã Nghĩa Đô", "Xã Bảo Yên"} <= names
    assert province["total"] == 1 + sum(r.parent_code == "15" for r in official_rows())
    # Found by words without diacritics, anywhere in the country.
    found = (await client.get("/org-units", params={"q": "bao ha", "limit": 500}, headers=auth())).json()["items"]
    assert "VN.15.02989" in [u["path"] for u in found]
    assert all("Bảo" in u["name"] for u in found) and len(found) < 20, [u["name"] for u in found]

    again = await client.post("/org-units/import-official", headers=auth([Role.ADMINISTRATOR]), timeout=120)
    assert again.json() == {"created": 0, "existing": 1 + len(official_rows())}
    assert await _count(dsn, "select count(*) from events") == events


async def test_bad_rows_refuse_the_whole_import_naming_each_row_and_write_nothing(registry) -> None:  # type: ignore[no-untyped-def]
    client, dsn = registry
    before = await _count(dsn, "select count(*) from events")
    r = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": [
        {"code": "VN", "name": "Việt Nam", "kind": "country"},
        {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_code": "VN"},
        {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_code": "14"},
        {"code": "15", "name": "Tỉnh Lào Cai (lặp)", "kind": "province", "parent_code": "VN"},
    ]})
    assert r.status_code == 422, r.text
    fields = {f["field"]: f for f in r.json()["error"]["fields"]}
    assert set(fields) == {"rows.2.parent_code", "rows.3.code"}
    assert "14" in fields["rows.2.parent_code"]["message"]["vi"] and fields["rows.2.parent_code"]["message"]["en"]
    assert "dòng 2" in fields["rows.3.code"]["message"]["vi"] and "row 2" in fields["rows.3.code"]["message"]["en"]
    assert await _count(dsn, "select count(*) from events") == before

    shape = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": [
        {"code": "VN", "name": "Việt Nam", "kind": "country"}, {"code": "15", "name": "T", "kind": "Tỉnh"}]})
    assert shape.status_code == 422
    assert {f["field"] for f in shape.json()["error"]["fields"]} == {"rows.1.name", "rows.1.kind"}
    assert await _count(dsn, "select count(*) from events") == before


async def test_new_rows_under_standing_units_join_them_within_the_callers_scope_only(registry) -> None:  # type: ignore[no-untyped-def]
    client, dsn = registry
    base = [{"code": "VN", "name": "Việt Nam", "kind": "country"},
            {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_code": "VN"},
            {"code": "16", "name": "Tỉnh Yên Bái", "kind": "province", "parent_code": "VN"}]
    assert (await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]),
                              json={"rows": base})).json() == {"created": 3, "existing": 0}
    before = await _count(dsn, "select count(*) from events")
    outside = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR], org="VN.15"), json={
        "rows": [*base, {"code": "03001", "name": "Xã Ngoài Phạm Vi", "kind": "commune", "parent_code": "16"}]})
    assert outside.status_code == 403, outside.text
    assert await _count(dsn, "select count(*) from events") == before

    inside = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR], org="VN.15"), json={
        "rows": [*base, {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_code": "15"},
                 {"code": "TDP1", "name": "Tổ dân phố 1", "kind": "residential_group", "parent_code": "02989"}]})
    assert inside.json() == {"created": 2, "existing": 3}
    group = (await client.get("/org-units", params={"under": "VN.15.02989"}, headers=auth())).json()
    assert [u["name"] for u in group["items"]] == ["Xã Bảo Hà", "Tổ dân phố 1"]


async def test_ten_thousand_rows_with_one_bad_row_import_nothing_and_name_it(registry) -> None:  # type: ignore[no-untyped-def]
    client, dsn = registry
    rows: list[dict[str, str]] = [{"code": "VN", "name": "Việt Nam", "kind": "country"}]
    rows += [{"code": f"SO{i}", "name": f"Sở, ban, ngành số {i}", "kind": "department", "parent_code": "VN"}
             for i in range(100)]
    rows += [{"code": f"DV{i}", "name": f"Đơn vị trực thuộc số {i}", "kind": "office", "parent_code": f"SO{i % 100}"}
             for i in range(10_000 - len(rows))]
    rows[7_777] = {**rows[7_777], "kind": "Phòng ban"}
    before = await _count(dsn, "select count(*) from events")
    r = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": rows}, timeout=60)
    assert r.status_code == 422, r.text[:500]
    assert [f["field"] for f in r.json()["error"]["fields"]] == ["rows.7777.kind"]
    assert await _count(dsn, "select count(*) from events") == before

    rows[7_777] = {**rows[7_777], "kind": "office"}
    r = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": rows}, timeout=60)
    assert r.json() == {"created": 10_000, "existing": 0}
    assert await _count(dsn, "select count(*) from org_unit_versions") == 10_000


async def test_the_official_list_joins_units_registered_since_from_their_first_day(registry) -> None:  # type: ignore[no-untyped-def]
    """The country stands from 2025, Lào Cai was registered today (as `dvk up --demo` does): the list's
    communes under Lào Cai stand from today, the others from 1 July 2025, and what stood is kept."""
    client, dsn = registry
    root = (await client.post("/org-units", headers=auth([Role.ADMINISTRATOR]), json={
        "code": "VN", "name": "Việt Nam", "kind": "country", "effective_on": "2025-01-01"})).json()
    province = (await client.post("/org-units", headers=auth([Role.ADMINISTRATOR]), json={
        "code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_id": root["id"]})).json()
    await client.post("/org-units", headers=auth([Role.ADMINISTRATOR]), json={
        "code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_id": province["id"]})
    r = await client.post("/org-units/import-official", headers=auth([Role.ADMINISTRATOR]), timeout=120)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": len(official_rows()) - 2, "existing": 3}
    conn = await asyncpg.connect(dsn)
    try:
        starts = dict(await conn.fetch(
            "select code, valid_from from org_unit_versions where code = any($1::text[])",
            ["02953", "01", "00004", "15"]))
    finally:
        await conn.close()
    assert starts["02953"] == starts["15"]  # under Lào Cai: from its first day (today)
    assert str(starts["01"]) == "2025-07-01" and str(starts["00004"]) == "2025-07-01"
