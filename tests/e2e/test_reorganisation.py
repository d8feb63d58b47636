"""Re-organisation across the platform: a province administrator merges two communes.

The registry's list for the successor carries both communes' models while the models keep naming the
commune they were registered under, and every other service's own copy of the hierarchy learns of the
merge through JetStream.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import asyncpg
import httpx

from shared.auth.principal import Role
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer
from tests.integration.polling import eventually


async def _unit(client: httpx.AsyncClient, registry: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"{registry}/org-units", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_province_merges_two_communes_and_every_service_follows(platform: Platform) -> None:
    registry = platform.url("registry")
    # A tree of this test's own (a root only an administrator scoped to it may create), so no other
    # test's units or the demo's are touched, whatever order the tests run in.
    root_code = f"R{secrets.token_hex(4)}"
    async with httpx.AsyncClient(headers=bearer(platform, org=root_code), timeout=10) as admin:
        root = await _unit(admin, registry, {"code": root_code, "name": "Cây thử nghiệm", "kind": "country"})
        province = await _unit(admin, registry, {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                 "parent_id": root["id"]})
        bao_ha = await _unit(admin, registry, {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune",
                                               "parent_id": province["id"]})
        nghia_do = await _unit(admin, registry, {"code": "02953", "name": "Xã Nghĩa Đô", "kind": "commune",
                                                 "parent_id": province["id"]})
        models = {}
        for commune in (bao_ha, nghia_do):
            r = await admin.post(f"{registry}/models", json={
                "title": f"Dân vận khéo ở {commune['org_path']}", "owner_org_unit_id": commune["id"],
                "recipient_kind": "collective", "field": "kinh_te", "year": 2025})
            assert r.status_code == 201, r.text
            models[commune["id"]] = r.json()["id"]

    province_admin = bearer(platform, [Role.ADMINISTRATOR], org=province["org_path"], sub="quan-tri-tinh")
    async with httpx.AsyncClient(headers=province_admin, timeout=10) as client:
        merged = await client.post(f"{registry}/org-unit-merges", headers={"Idempotency-Key": f"m-{uuid.uuid4()}"},
                                   json={"merged_ids": [nghia_do["id"]], "successor_id": bao_ha["id"]})
        assert merged.status_code == 201, merged.text
        listed = (await client.get(f"{registry}/models", params={"under": bao_ha["org_path"]})).json()["items"]
    by_id = {m["id"]: m for m in listed}
    assert set(by_id) == set(models.values()), "the successor's list carries both communes' models"
    assert by_id[models[nghia_do["id"]]]["owner_org_path"] == nghia_do["org_path"], "history stays true"

    for service in ("evaluation", "awards", "notifications"):
        conn = await asyncpg.connect(platform.env[f"DVK_{service.upper()}_DATABASE_URL"])
        try:
            async def carried(c: asyncpg.Connection = conn) -> bool:
                found = await c.fetchval("select dvk_carrier($1::uuid)", uuid.UUID(nghia_do["id"]))
                return str(found) == bao_ha["id"]

            await eventually(carried, within=10)
        finally:
            await conn.close()
