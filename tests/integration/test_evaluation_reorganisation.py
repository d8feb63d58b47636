"""Evaluation follows the hierarchy, never a copied path: after a merge the successor's lists hold the
merged commune's models and inspections, a criteria set issued by the successor applies to them, a sibling
commune sees none of it, and what was recorded still names the unit of its day. Lists are pages.

The service is hosted for real on its own database and a NATS server of the test's own; the registry's
events (units, models, the merge) are published into JetStream as the registry's relay would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from services.evaluation.service import DEFINITION
from shared.auth.principal import Role
from shared.contracts import IntegrationEvent, OrgUnitMoved, OrgUnitsMerged
from shared.runtime.nats import EmbeddedNats
from tests.conftest import auth
from tests.events import AT, model_registered, org_units, publish, unit_id
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.jetstream import connect

pytestmark = pytest.mark.integration
WAIT = 15.0
PROVINCE, BAO_HA, NGHIA_DO, BAO_YEN = "VN.15", "VN.15.02989", "VN.15.02953", "VN.15.02947"
CRITERIA = [{"code": c, "name_vi": f"Tiêu chí {c}", "name_en": f"Criterion {c}", "max_score": 25}
            for c in ("thuyet_phuc", "lan_toa", "nhan_rong", "dong_thuan")]
PASSING = [{"code": c["code"], "score": 20} for c in CRITERIA]


@dataclass
class Host:
    client: httpx.AsyncClient
    js: JetStreamContext
    database: str
    models: dict[str, str]
    """The model each commune registered, by the commune's path."""

    async def count(self, sql: str, *args: object) -> int:
        conn = await asyncpg.connect(self.database)
        try:
            return int(await conn.fetchval(sql, *args))
        finally:
            await conn.close()

    async def items(self, url: str, org: str, **params: Any) -> list[dict[str, Any]]:
        r = await self.client.get(url, params=params, headers=auth([Role.VIEWER], org=org))
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    async def criteria_set(self, org_path: str, code: str) -> str:
        body = {"name": f"Bộ tiêu chí {code}", "code": code, "org_path": org_path, "year": 2025, "pass_score": 70,
                "criteria": CRITERIA}
        r = await self.client.post("/criteria-sets", json=body, headers=auth([Role.INSPECTOR], org=org_path))
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def inspect(self, model_path: str, criteria_set_id: str, org: str) -> httpx.Response:
        body = {"model_id": self.models[model_path], "criteria_set_id": criteria_set_id, "scores": PASSING,
                "inspected_on": "2025-09-20"}
        return await self.client.post("/inspections", json=body, headers=auth([Role.INSPECTOR], org=org))


async def _publish_all(host: Host, events: list[IntegrationEvent]) -> None:
    for event in events:
        await publish(host.js, event)


@pytest.fixture
async def host(database: str, isolated_nats: EmbeddedNats) -> AsyncIterator[Host]:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):  # provisions the streams first
        nc = await connect(isolated_nats.url)
        try:
            units = org_units(BAO_HA, NGHIA_DO, BAO_YEN)
            registered = [model_registered(path, title=f"Dân vận khéo ở {path}")
                          for path in (BAO_HA, NGHIA_DO, BAO_YEN)]
            host = Host(client, nc.jetstream(), database, {e.org_path: str(e.model_id) for e in registered})
            await _publish_all(host, [*units, *registered])

            async def synced() -> bool:
                return (await host.count("select count(*) from org_unit_versions") == len(units)
                        and await host.count("select count(*) from known_models") == len(registered))
            await eventually(synced, within=WAIT)
            yield host
        finally:
            await nc.close()


def _merge() -> OrgUnitsMerged:
    return OrgUnitsMerged(org_path=BAO_HA, successor_id=unit_id(BAO_HA), successor_name="Xã Bảo Hà",
                          merged_ids=[unit_id(NGHIA_DO)], merged_paths=[NGHIA_DO], effective_on=date(2025, 7, 1),
                          merged_at=AT)


async def test_after_a_merge_the_successor_holds_the_merged_communes_models_and_inspections(host: Host) -> None:
    province_set = await host.criteria_set(PROVINCE, "DVK-2025")
    bao_ha_set = await host.criteria_set(BAO_HA, "BH-2025")
    inspected = {}
    for path in (BAO_HA, NGHIA_DO, BAO_YEN):
        r = await host.inspect(path, province_set, org=PROVINCE)
        assert r.status_code == 201, r.text
        inspected[path] = r.json()["id"]
    # Before the merge, Bảo Hà's own criteria do not reach Nghĩa Đô's model: the tree decides, not a path.
    events = await host.count("select count(*) from events")
    refused = await host.inspect(NGHIA_DO, bao_ha_set, org=PROVINCE)
    assert refused.status_code == 422, refused.text
    assert [f["code"] for f in refused.json()["error"]["fields"]] == ["criteria_set_not_applicable"]
    assert await host.count("select count(*) from events") == events
    assert [m["model_id"] for m in await host.items("/models", org=BAO_HA)] == [host.models[BAO_HA]]

    await publish(host.js, _merge())

    async def merged() -> bool:
        return len(await host.items("/models", org=BAO_HA)) == 2
    await eventually(merged, within=WAIT)

    # The successor's users inspect the merged commune's model, against the successor's own criteria.
    after = await host.inspect(NGHIA_DO, bao_ha_set, org=BAO_HA)
    assert after.status_code == 201, after.text
    inspected[f"{NGHIA_DO} after"] = after.json()["id"]
    not_below = await host.inspect(BAO_YEN, bao_ha_set, org=PROVINCE)
    assert not_below.status_code == 422, "the successor's criteria still stop at its own subtree"

    successor_models = {m["model_id"] for m in await host.items("/models", org=BAO_HA)}
    assert successor_models == {host.models[BAO_HA], host.models[NGHIA_DO]}
    successor_inspections = await host.items("/inspections", org=BAO_HA)
    assert {i["id"] for i in successor_inspections} == {inspected[BAO_HA], inspected[NGHIA_DO],
                                                        inspected[f"{NGHIA_DO} after"]}
    for i in successor_inspections:
        if i["model_id"] == host.models[NGHIA_DO]:
            assert (i["owner_org_path"], i["owner_org_unit_id"]) == (NGHIA_DO, str(unit_id(NGHIA_DO))), \
                "what was recorded names the unit of its day, before the merge and after it"
    by_unit = await host.items("/inspections", org=PROVINCE, unit_id=str(unit_id(BAO_HA)))
    assert {i["id"] for i in by_unit} == {i["id"] for i in successor_inspections}
    assert {s["id"] for s in await host.items("/criteria-sets", org=BAO_HA)} == {province_set, bao_ha_set}
    one = await host.client.get(f"/inspections/{inspected[NGHIA_DO]}", headers=auth([Role.VIEWER], org=BAO_HA))
    assert one.status_code == 200 and one.json()["owner_org_path"] == NGHIA_DO

    assert {m["model_id"] for m in await host.items("/models", org=PROVINCE)} == set(host.models.values())
    assert set(inspected.values()) == {i["id"] for i in await host.items("/inspections", org=PROVINCE)}
    assert len(await host.items("/inspections", org=PROVINCE, under=BAO_HA)) == 3

    # The sibling commune sees its own, and nothing the successor carries.
    assert [m["model_id"] for m in await host.items("/models", org=BAO_YEN)] == [host.models[BAO_YEN]]
    assert [i["id"] for i in await host.items("/inspections", org=BAO_YEN)] == [inspected[BAO_YEN]]
    assert [s["id"] for s in await host.items("/criteria-sets", org=BAO_YEN)] == [province_set]
    sibling = auth([Role.VIEWER], org=BAO_YEN)
    for url in (f"/inspections/{inspected[NGHIA_DO]}", f"/models/{host.models[NGHIA_DO]}",
                f"/criteria-sets/{bao_ha_set}"):
        assert (await host.client.get(url, headers=sibling)).status_code == 404, url
    outside = await host.client.get("/inspections", params={"unit_id": str(unit_id(BAO_HA))}, headers=sibling)
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden_scope"
    sibling_inspector = await host.inspect(NGHIA_DO, province_set, org=BAO_YEN)
    assert sibling_inspector.status_code == 403, sibling_inspector.text


async def test_a_criteria_set_code_is_taken_at_the_issuing_unit_whatever_its_path(host: Host) -> None:
    await host.criteria_set(BAO_YEN, "BY-2025")
    # Bảo Yên moves to another province: it is the same unit under a new path.
    await _publish_all(host, [*org_units("VN.16"), OrgUnitMoved(
        org_path="VN.16.02947", org_unit_id=unit_id(BAO_YEN), old_parent_id=unit_id(PROVINCE),
        parent_id=unit_id("VN.16"), old_path=BAO_YEN, effective_on=date(2025, 7, 1), moved_at=AT)])

    async def moved() -> bool:
        r = await host.client.get("/criteria-sets", params={"under": "VN.16.02947"}, headers=auth())
        return r.status_code == 200 and len(r.json()["items"]) == 1
    await eventually(moved, within=WAIT)
    events = await host.count("select count(*) from events")
    body = {"name": "Bộ tiêu chí trùng mã", "code": "BY-2025", "org_path": "VN.16.02947", "year": 2025,
            "pass_score": 70, "criteria": CRITERIA}
    again = await host.client.post("/criteria-sets", json=body, headers=auth([Role.INSPECTOR], org="VN.16"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "criteria_set_code_taken", again.text
    assert await host.count("select count(*) from events") == events
    elsewhere = await host.client.post("/criteria-sets", json={**body, "org_path": BAO_HA},
                                       headers=auth([Role.INSPECTOR], org=BAO_HA))
    assert elsewhere.status_code == 201, "another unit may use the same code"


async def test_lists_are_pages_with_their_total_and_a_bounded_limit(host: Host) -> None:
    criteria_set = await host.criteria_set(PROVINCE, "DVK-2025")
    for path in (BAO_HA, BAO_HA, NGHIA_DO, BAO_YEN):
        assert (await host.inspect(path, criteria_set, org=PROVINCE)).status_code == 201
    pages = []
    for offset in (0, 3):
        r = await host.client.get("/inspections", params={"limit": 3, "offset": offset}, headers=auth())
        assert r.status_code == 200, r.text
        pages.append(r.json())
    assert [(p["total"], p["limit"], p["offset"], len(p["items"])) for p in pages] == [(4, 3, 0, 3), (4, 3, 3, 1)]
    assert len({i["id"] for p in pages for i in p["items"]}) == 4, "pages neither repeat nor skip a row"
    models = (await host.client.get("/models", params={"limit": 2, "offset": 2}, headers=auth())).json()
    assert (models["total"], models["limit"], models["offset"], len(models["items"])) == (3, 2, 2, 1)
    beyond = (await host.client.get("/models", params={"offset": 10}, headers=auth())).json()
    assert (beyond["total"], beyond["items"]) == (3, [])
    for url in ("/inspections", "/models", "/criteria-sets"):
        too_many = await host.client.get(url, params={"limit": 501}, headers=auth())
        assert too_many.status_code == 422, url
        assert [f["field"] for f in too_many.json()["error"]["fields"]] == ["limit"]


async def test_openapi_documents_each_commands_refusals_with_the_platforms_error_body(host: Host) -> None:
    document = (await host.client.get("/openapi.json")).json()
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for path in ("/criteria-sets", "/inspections"):
        responses = document["paths"][path]["post"]["responses"]
        assert {"201", "400", "401", "403", "409", "413", "415", "422", "503"} <= set(responses), path
        assert all(responses[s]["content"]["application/json"]["schema"] == error_body
                   for s in ("401", "403", "409", "413", "422")), path
        listing = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert listing["$ref"].startswith("#/components/schemas/Page_"), path
    for path in ("/criteria-sets/{criteria_set_id}", "/inspections/{inspection_id}", "/models/{model_id}"):
        single = document["paths"][path]["get"]["responses"]
        assert single["404"]["content"]["application/json"]["schema"] == error_body, path
        assert "Page_" not in single["200"]["content"]["application/json"]["schema"]["$ref"], path


async def test_an_unknown_scope_or_unit_lists_nothing(host: Host) -> None:
    nowhere = await host.client.get("/models", params={"under": "VN.99"}, headers=auth())
    assert nowhere.status_code == 200 and nowhere.json()["items"] == []
    unknown = await host.client.get("/inspections", params={"unit_id": str(uuid.uuid4())}, headers=auth())
    assert unknown.status_code == 200 and unknown.json()["total"] == 0
