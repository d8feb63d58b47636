"""An evaluation instance that ran the spine upgrades in place: its criteria sets, inspections and known
models were stored with paths only (the models with their owner's id); after the migrations every row is
found where it was, through the hierarchy, and follows a later merge like a row stored today."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.evaluation.service import DEFINITION
from shared.auth.principal import Role
from shared.contracts import OrgUnitsMerged
from shared.runtime.nats import EmbeddedNats
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate
from tests.conftest import auth
from tests.events import AT, org_units, publish, unit_id
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.jetstream import connect

pytestmark = pytest.mark.integration
SPINE_AT = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
PROVINCE, BAO_HA, NGHIA_DO, BAO_YEN = "VN.15", "VN.15.02989", "VN.15.02953", "VN.15.02947"
CRITERIA = [{"code": c, "name_vi": f"Tiêu chí {c}", "name_en": f"Criterion {c}", "max_score": 25.0}
            for c in ("thuyet_phuc", "lan_toa", "nhan_rong", "dong_thuan")]
SET_ID, SET_CODE = uuid.uuid4(), "13-QC/TU"


async def _event(conn: asyncpg.Connection, stream: str, stream_type: str, event_type: str,
                 payload: dict[str, Any]) -> None:
    await conn.execute(
        """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
           values ($1, $2, $3, 1, $4, $5::jsonb, '{"actor": "can-bo"}'::jsonb)""",
        uuid.uuid4(), stream, stream_type, event_type, json.dumps(payload, ensure_ascii=False))


async def _spine_with_data(dsn: str, tmp_path: Path) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
    """Evaluation's schema as the spine left it (its first migration only), filled as the spine did:
    per commune path, the model it registered and that model's inspection."""
    spine = tmp_path / "spine"
    spine.mkdir()
    shutil.copy(DEFINITION.migrations / "0001_read_models.sql", spine)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS), ("evaluation", spine)])
        await _event(conn, f"criteria-set-{SET_ID}", "criteria_set", "CriteriaSetDefined", {
            "criteria_set_id": str(SET_ID), "code": SET_CODE, "name": "Tiêu chí 2025", "org_path": PROVINCE,
            "year": 2025, "valid_from": None, "pass_score": 70.0, "criteria": CRITERIA, "at": SPINE_AT.isoformat()})
        await conn.execute(
            """insert into criteria_sets (id, code, name, org_path, year, valid_from, pass_score, max_total, criteria,
                                          defined_at, defined_by, version)
               values ($1, $2, 'Tiêu chí 2025', $3, 2025, null, 70, 100, $4::jsonb, $5, 'can-bo', 1)""",
            SET_ID, SET_CODE, PROVINCE, json.dumps(CRITERIA, ensure_ascii=False), SPINE_AT)
        stored = {}
        for path in (BAO_HA, NGHIA_DO):
            model_id, inspection_id = uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                """insert into known_models (model_id, title, owner_org_unit_id, owner_org_path, owner_org_name,
                                             recipient_kind, field, year, registered_at, source_event_id, synced_at)
                   values ($1, 'Mô hình từ trước khi nâng cấp', $2, $3, 'Xã', 'collective', 'kinh_te', 2025, $4, $5,
                           $4)""", model_id, unit_id(path), path, SPINE_AT, uuid.uuid4())
            scores = [{"code": c["code"], "score": 20.0, "max_score": 25.0} for c in CRITERIA]
            await _event(conn, f"inspection-{inspection_id}", "inspection", "InspectionRecorded", {
                "inspection_id": str(inspection_id), "model_id": str(model_id),
                "model_title": "Mô hình từ trước khi nâng cấp", "owner_org_path": path, "owner_org_name": "Xã",
                "recipient_kind": "collective", "criteria_set_id": str(SET_ID), "criteria_set_code": SET_CODE,
                "criteria_set_name": "Tiêu chí 2025", "scores": scores, "total_score": 80.0, "pass_score": 70.0,
                "passed": True, "inspected_on": "2025-08-30", "notes": None, "at": SPINE_AT.isoformat()})
            await conn.execute(
                """insert into inspections (id, model_id, model_title, owner_org_path, criteria_set_id,
                                            criteria_set_name, scores, total_score, pass_score, passed, inspected_on,
                                            notes, recorded_at, recorded_by, version)
                   values ($1, $2, 'Mô hình từ trước khi nâng cấp', $3, $4, 'Tiêu chí 2025', $5::jsonb, 80, 70, true,
                           '2025-08-30', null, $6, 'can-bo', 1)""",
                inspection_id, model_id, path, SET_ID, json.dumps(scores), SPINE_AT)
            stored[path] = (model_id, inspection_id)
        return stored
    finally:
        await conn.close()


async def _ids(client: httpx.AsyncClient, url: str, org: str, key: str = "id", **params: Any) -> set[str]:
    r = await client.get(url, params=params, headers=auth([Role.VIEWER], org=org))
    assert r.status_code == 200, r.text
    return {item[key] for item in r.json()["items"]}


async def test_the_spines_criteria_sets_inspections_and_models_are_found_after_the_upgrade(
        database: str, isolated_nats: EmbeddedNats, tmp_path: Path) -> None:
    stored = await _spine_with_data(database, tmp_path)
    (bao_ha_model, bao_ha_inspection), (nghia_do_model, nghia_do_inspection) = stored[BAO_HA], stored[NGHIA_DO]
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        nc = await connect(isolated_nats.url)
        try:
            js = nc.jetstream()
            units = org_units(BAO_HA, NGHIA_DO, BAO_YEN)   # the tree, as the registry publishes it
            for unit in units:
                await publish(js, unit)

            async def tree_known() -> bool:
                return int(await conn.fetchval("select count(distinct org_unit_id) from org_unit_versions")) \
                    == len(units)
            conn = await asyncpg.connect(database)
            try:
                await eventually(tree_known, within=15)
            finally:
                await conn.close()
            assert await _ids(client, "/models", org="VN", key="model_id", under=PROVINCE) == {str(bao_ha_model),
                                                                                               str(nghia_do_model)}

            assert await _ids(client, "/inspections", org=NGHIA_DO) == {str(nghia_do_inspection)}
            assert await _ids(client, "/inspections", org=PROVINCE) == {str(bao_ha_inspection),
                                                                         str(nghia_do_inspection)}
            assert await _ids(client, "/inspections", org=BAO_YEN) == set()
            assert await _ids(client, "/criteria-sets", org=BAO_HA) == {str(SET_ID)}
            assert await _ids(client, "/models", org=BAO_HA, key="model_id") == {str(bao_ha_model)}
            one = await client.get(f"/inspections/{bao_ha_inspection}", headers=auth([Role.VIEWER], org=BAO_HA))
            assert one.status_code == 200 and one.json()["owner_org_unit_id"] is None
            hidden = await client.get(f"/inspections/{bao_ha_inspection}", headers=auth([Role.VIEWER], org=BAO_YEN))
            assert hidden.status_code == 404

            # The spine's set still holds its code at its unit, and still applies below it.
            again = await client.post("/criteria-sets", headers=auth([Role.INSPECTOR], org=PROVINCE), json={
                "name": "Trùng mã", "code": SET_CODE, "org_path": PROVINCE, "year": 2025, "pass_score": 70,
                "criteria": CRITERIA})
            assert again.status_code == 409 and again.json()["error"]["code"] == "criteria_set_code_taken"
            inspected = await client.post("/inspections", headers=auth([Role.INSPECTOR], org=BAO_HA), json={
                "model_id": str(bao_ha_model), "criteria_set_id": str(SET_ID), "inspected_on": "2025-09-20",
                "scores": [{"code": c["code"], "score": 15} for c in CRITERIA]})
            assert inspected.status_code == 201 and inspected.json()["passed"] is False, inspected.text

            await publish(js, OrgUnitsMerged(
                org_path=BAO_HA, successor_id=unit_id(BAO_HA), successor_name="Xã Bảo Hà",
                merged_ids=[unit_id(NGHIA_DO)], merged_paths=[NGHIA_DO], effective_on=date(2025, 10, 1),
                merged_at=AT))

            async def merged() -> bool:
                return str(nghia_do_model) in await _ids(client, "/models", org=BAO_HA, key="model_id")
            await eventually(merged, within=15)
            carried = await client.get("/inspections", headers=auth([Role.VIEWER], org=BAO_HA))
            by_id = {i["id"]: i for i in carried.json()["items"]}
            assert set(by_id) == {str(bao_ha_inspection), str(nghia_do_inspection), inspected.json()["id"]}
            assert by_id[str(nghia_do_inspection)]["owner_org_path"] == NGHIA_DO, "the row names its unit of then"
        finally:
            await nc.close()
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("select count(*) from inspections where owner_org_unit_id is null") == 2, \
            "rows carried over keep their stored path, and are found through it"
    finally:
        await conn.close()
