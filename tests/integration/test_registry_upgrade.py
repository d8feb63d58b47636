"""An instance that ran the spine upgrades in place: its org units move into the shared hierarchy, its
models stay where they were, and its units can be re-organised like any other."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from services.registry.service import DEFINITION
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate
from tests.conftest import auth
from tests.integration.service_host import hosted

SPINE_AT = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
VN, PROVINCE, BAO_HA, NGHIA_DO = (uuid.uuid4() for _ in range(4))
UNITS = [(VN, "VN", "Việt Nam", "country", None, "VN"),
         (PROVINCE, "15", "Tỉnh Lào Cai", "province", VN, "VN.15"),
         (BAO_HA, "02989", "Xã Bảo Hà", "commune", PROVINCE, "VN.15.02989"),
         (NGHIA_DO, "02953", "Xã Nghĩa Đô", "commune", PROVINCE, "VN.15.02953")]


async def _spine_with_data(dsn: str, tmp_path: Path) -> list[uuid.UUID]:
    """The registry's schema as the spine left it (its first migration only), filled as the spine did."""
    spine = tmp_path / "spine"
    spine.mkdir()
    shutil.copy(DEFINITION.migrations / "0001_read_models.sql", spine)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS), ("registry", spine)])
        for unit_id, code, name, kind, parent, path in UNITS:
            payload = {"org_unit_id": str(unit_id), "code": code, "name": name, "kind": kind,
                       "parent_id": str(parent) if parent else None, "path": path, "at": SPINE_AT.isoformat()}
            await conn.execute(
                """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                   values ($1, $2, 'org_unit', 1, 'OrgUnitCreated', $3::jsonb, '{}'::jsonb)""",
                uuid.uuid4(), f"org-unit-{unit_id}", json.dumps(payload))
            await conn.execute(
                """insert into org_units (id, code, name, kind, parent_id, path, created_at, version)
                   values ($1, $2, $3, $4, $5, $6, $7, 1)""", unit_id, code, name, kind, parent, path, SPINE_AT)
        models = []
        for owner, path, name in ((BAO_HA, "VN.15.02989", "Xã Bảo Hà"), (NGHIA_DO, "VN.15.02953", "Xã Nghĩa Đô")):
            model_id = uuid.uuid4()
            await conn.execute(
                """insert into models (id, title, description, owner_org_unit_id, owner_org_path, owner_org_name,
                                       recipient_kind, field, year, status, registered_at, registered_by, version)
                   values ($1, 'Mô hình từ trước khi nâng cấp', null, $2, $3, $4, 'collective', 'kinh_te', 2025,
                           'registered', $5, 'can-bo', 1)""", model_id, owner, path, name, SPINE_AT)
            models.append(model_id)
        return models
    finally:
        await conn.close()


async def test_the_spines_units_and_models_are_found_after_the_upgrade(database: str, isolated_nats,
                                                                       tmp_path: Path) -> None:
    bao_ha_model, nghia_do_model = await _spine_with_data(database, tmp_path)
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        units = (await client.get("/org-units", params={"under": "VN.15"}, headers=auth())).json()["items"]
        assert [(u["id"], u["path"], u["valid_from"]) for u in units] == [
            (str(PROVINCE), "VN.15", "2025-09-01"), (str(NGHIA_DO), "VN.15.02953", "2025-09-01"),
            (str(BAO_HA), "VN.15.02989", "2025-09-01")]
        listed = (await client.get("/models", params={"unit_id": str(PROVINCE)}, headers=auth())).json()["items"]
        assert {m["id"] for m in listed} == {str(bao_ha_model), str(nghia_do_model)}
        history = (await client.get(f"/org-units/{BAO_HA}", headers=auth())).json()["history"]
        assert [(h["change"], h["effective_on"]) for h in history] == [("registered", "2025-09-01")]

        merged = await client.post("/org-unit-merges", json={
            "merged_ids": [str(NGHIA_DO)], "successor_id": str(BAO_HA), "effective_on": "2025-10-01"},
            headers=auth(org="VN.15"))
        assert merged.status_code == 201, merged.text
        carried = (await client.get("/models", params={"unit_id": str(BAO_HA)}, headers=auth())).json()["items"]
        assert {m["id"] for m in carried} == {str(bao_ha_model), str(nghia_do_model)}
        again = await client.post("/org-units", json={"code": "02989", "name": "Xã trùng mã", "kind": "commune",
                                                      "parent_id": str(PROVINCE)}, headers=auth())
        assert again.status_code == 409 and again.json()["error"]["code"] == "org_unit_code_taken"
        conn = await asyncpg.connect(database)
        assert await conn.fetchval("select to_regclass('org_units')") is None
        await conn.close()
