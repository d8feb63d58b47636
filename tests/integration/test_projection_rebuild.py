"""Projections rebuilt from the log while the service serves: the same tables, nothing lost.

Each service is hosted for real (PostgreSQL, nats-server), given a realistic load through its
API and through JetStream, then every one of its projections is rebuilt through the admin
endpoint and its tables compared, row for row, with what the inline projection had written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats
from nats.js import JetStreamContext

from services.awards.service import DEFINITION as AWARDS
from services.evaluation.service import DEFINITION as EVALUATION
from services.notifications.service import DEFINITION as NOTIFICATIONS
from services.registry.service import DEFINITION as REGISTRY
from shared.auth.principal import Role
from shared.contracts import CriterionScore, InspectionPassed
from shared.runtime.nats import EmbeddedNats
from shared.runtime.service import ServiceDefinition
from tests.conftest import auth
from tests.events import award_granted, inspection_passed, model_registered, org_tree, publish
from tests.integration.polling import eventually
from tests.integration.service_host import hosted

ADMIN = auth()
WAIT = 15.0


@asynccontextmanager
async def service(definition: ServiceDefinition, database: str,
                  nats_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, JetStreamContext]]:
    async with hosted(definition, database, nats_url) as (_, client):
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            if definition.name != "registry":  # the hierarchy copy is part of the load
                for event in org_tree():
                    await publish(js, event)
                await eventually(lambda: _count(database, "org_unit_ends"), within=WAIT)
            yield client, js
        finally:
            await nc.close()


async def _count(database: str, table: str) -> int:
    conn = await asyncpg.connect(database)
    try:
        return int(await conn.fetchval(f"select count(*) from {table}"))
    finally:
        await conn.close()


async def _unit(database: str, code: str) -> uuid.UUID:
    conn = await asyncpg.connect(database)
    try:
        found: uuid.UUID = await conn.fetchval("select org_unit_id from org_unit_versions where code = $1 limit 1",
                                               code)
        return found
    finally:
        await conn.close()


async def snapshot(database: str, tables: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    conn = await asyncpg.connect(database)
    try:
        return {t: sorted(tuple(map(str, r.values())) for r in await conn.fetch(f"select * from {t}"))
                for t in tables}
    finally:
        await conn.close()


async def rebuild_every_projection(client: httpx.AsyncClient, database: str, definition: ServiceDefinition) -> None:
    listed = (await client.get("/admin/projections", headers=ADMIN)).json()
    assert {p["name"] for p in listed} == {p.name for p in definition.projections}
    for projection in definition.projections:
        before = await snapshot(database, projection.tables)
        assert any(before.values()), f"{projection.name}: the load wrote nothing to rebuild"
        r = await client.post(f"/admin/projections/{projection.name}/rebuild", headers=ADMIN)
        assert r.status_code == 200, r.text
        assert r.json()["events"] > 0
        after = await snapshot(database, projection.tables)
        assert after == before, projection.name
    listed = (await client.get("/admin/projections", headers=ADMIN)).json()
    assert {p["status"] for p in listed} == {"live"}
    assert all(p["events"] > 0 for p in listed)


async def test_registry_projections_rebuild_identical(database: str, isolated_nats: EmbeddedNats) -> None:
    async with service(REGISTRY, database, isolated_nats.url) as (client, _):
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=ADMIN)
        province = await client.post("/org-units", json={"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                         "parent_id": root.json()["id"]}, headers=ADMIN)
        for i in range(12):
            r = await client.post("/models", headers=ADMIN, json={
                "title": f"Dân vận khéo số {i}", "owner_org_unit_id": province.json()["id"],
                "recipient_kind": "collective", "field": "kinh_te", "year": 2025})
            assert r.status_code == 201, r.text
        commune = await client.post("/org-units", headers=ADMIN, json={
            "code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_id": province.json()["id"]})
        plan = {"org_unit_id": province.json()["id"], "title": "Kế hoạch \"Dân vận khéo\" 2025",
                "period_from": 2025, "period_to": 2025, "issued_on": "2025-03-01",
                "targets": [{"code": "T1", "description": "100% xã có mô hình", "metric": "percent",
                             "threshold": 100}],
                "deadlines": [{"code": "KH", "kind": "plan", "due_on": "2025-04-15"},
                              {"code": "BC", "kind": "report", "due_on": "2025-11-15"}]}
        issued = await client.post("/plans", headers=ADMIN, json=plan)
        assert issued.status_code == 201, issued.text
        answered = await client.post("/plans", headers=ADMIN, json={
            **plan, "org_unit_id": commune.json()["id"], "parent_plan_id": issued.json()["id"], "deadlines": [],
            "issued_on": "2025-04-20"})
        assert answered.status_code == 201, answered.text
        reported = await client.post(f"/plans/{issued.json()['id']}/reports", headers=ADMIN, json={
            "org_unit_id": commune.json()["id"], "deadline_code": "BC", "summary": "Đã thực hiện đầy đủ.",
            "submitted_on": "2025-11-10"})
        assert reported.status_code == 201, reported.text
        joined = await client.post(f"/plans/{issued.json()['id']}/participations", headers=ADMIN,
                                   json={"org_unit_id": commune.json()["id"], "commitment": "Mỗi thôn một mô hình."})
        assert joined.status_code == 201, joined.text
        bloc = await client.post("/emulation-blocs", headers=ADMIN, json={
            "org_unit_id": province.json()["id"], "code": "K1", "name": "Khối các xã",
            "member_ids": [commune.json()["id"]]})
        assert bloc.status_code == 201, bloc.text
        changed = await client.put(f"/emulation-blocs/{bloc.json()['id']}/members", headers=ADMIN,
                                   json={"member_ids": [commune.json()["id"], province.json()["id"]]})
        assert changed.status_code == 200, changed.text
        await rebuild_every_projection(client, database, REGISTRY)


async def test_evaluation_projections_rebuild_identical(database: str, isolated_nats: EmbeddedNats) -> None:
    criteria = [{"code": c, "name_vi": c, "name_en": c, "max_score": 50} for c in ("thuyet_phuc", "lan_toa")]
    async with service(EVALUATION, database, isolated_nats.url) as (client, js):
        owner = await _unit(database, "02989")  # Xã Bảo Hà, in the tree the helper published
        models = [model_registered(org_path="VN.15.02989", title=f"Mô hình {i}").model_copy(
            update={"owner_org_unit_id": owner}) for i in range(6)]
        for m in models:
            await publish(js, m)

        async def known() -> bool:  # by the table: this service's tree is empty, so no list would show them
            return await _count(database, "known_models") >= len(models)

        await eventually(known, within=WAIT)
        r = await client.post("/criteria-sets", headers=ADMIN, json={
            "name": "Tiêu chí 2025", "code": "DVK-2025", "org_path": "VN.15", "year": 2025, "pass_score": 70,
            "criteria": criteria})
        assert r.status_code == 201, r.text
        set_id = r.json()["id"]
        for i, m in enumerate(models):
            r = await client.post("/inspections", headers=ADMIN, json={
                "model_id": str(m.model_id), "criteria_set_id": set_id, "inspected_on": "2025-09-20",
                "scores": [{"code": "thuyet_phuc", "score": 25 + i}, {"code": "lan_toa", "score": 40}]})
            assert r.status_code == 201, r.text
        await rebuild_every_projection(client, database, EVALUATION)


def _passed(org_path: str, at: datetime) -> InspectionPassed:
    return InspectionPassed(
        org_path=org_path, inspection_id=uuid.uuid4(), model_id=uuid.uuid4(), model_title=f"Mô hình ở {org_path}",
        owner_org_name=f"Đơn vị {org_path}", recipient_kind="collective", criteria_set_id=uuid.uuid4(),
        criteria_set_name="Tiêu chí 2025", scores=[CriterionScore(code="C1", score=88, max_score=100)],
        total_score=88, pass_score=70, inspected_at=at)


async def test_awards_projections_rebuild_identical(database: str, isolated_nats: EmbeddedNats) -> None:
    secretary = auth([Role.SECRETARY], org="VN.15", sub="thu-ky")
    council = auth([Role.COUNCIL_MEMBER], org="VN.15", sub="hoi-dong")
    async with service(AWARDS, database, isolated_nats.url) as (client, js):
        now = datetime.now(UTC)
        models = [_passed("VN.15.02989", now - timedelta(days=i)) for i in range(5)]
        for m in models:
            await publish(js, m)
        again = _passed("VN.15.02989", now + timedelta(days=1))
        await publish(js, again.model_copy(update={"model_id": models[0].model_id}))  # a newer inspection

        async def eligible() -> bool:  # by the table: this service's tree is empty, so no list would show them
            return await _count(database, "eligible_models") >= len(models)

        await eventually(eligible, within=WAIT)
        r = await client.post("/rounds", headers=secretary, json={
            "name": "Sơ kết 2025", "kind": "mid_term", "year": 2025, "org_path": "VN.15",
            "quotas": [{"award_type": "reward", "recipient_kind": "collective", "quota": 3}]})
        assert r.status_code == 201, r.text
        round_id = r.json()["id"]
        nominations = []
        for m in models:
            n = await client.post(f"/rounds/{round_id}/nominations", headers=secretary,
                                  json={"model_id": str(m.model_id), "award_type": "reward"})
            assert n.status_code == 201, n.text
            nominations.append(n.json()["id"])
        for nomination_id in nominations[:3]:
            g = await client.post(f"/rounds/{round_id}/nominations/{nomination_id}/grant", headers=council)
            assert g.status_code == 201, g.text
        await rebuild_every_projection(client, database, AWARDS)


async def test_notifications_projections_rebuild_identical(database: str, isolated_nats: EmbeddedNats) -> None:
    admin15 = auth(org="VN.15", sub="admin-15")
    async with service(NOTIFICATIONS, database, isolated_nats.url) as (client, js):
        hooks = []
        for i in range(3):
            r = await client.post("/webhooks", headers=admin15,
                                  json={"url": f"https://portal.example.vn/hooks/{i}", "org_path": "VN.15"})
            assert r.status_code == 201, r.text
            hooks.append(r.json()["id"])
        assert (await client.delete(f"/webhooks/{hooks[0]}", headers=admin15)).status_code in (200, 204)
        events: list[Any] = [model_registered(org_path="VN.15.02989", title=f"Mô hình {i}") for i in range(4)]
        events += [inspection_passed("VN.15.02989"), award_granted("VN.15.02989")]
        for e in events:
            await publish(js, e)

        async def inbox() -> list[dict[str, Any]] | None:
            r = await client.get("/inbox", headers=admin15, params={"limit": 100})
            items: list[dict[str, Any]] = r.json()["items"]
            return items if len(items) >= len(events) else None

        items = await eventually(inbox, within=WAIT)
        read = await client.post(f"/inbox/{items[0]['id']}/read", headers=admin15)
        assert read.status_code == 200, read.text
        await rebuild_every_projection(client, database, NOTIFICATIONS)


async def test_a_rebuild_while_commands_arrive_loses_nothing(database: str, isolated_nats: EmbeddedNats) -> None:
    async with service(REGISTRY, database, isolated_nats.url) as (client, _):
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=ADMIN)
        owner = root.json()["id"]
        accepted: list[str] = []
        stop = asyncio.Event()

        async def register(worker: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                r = await client.post("/models", headers=ADMIN, json={
                    "title": f"Mô hình {worker}-{i}", "owner_org_unit_id": owner, "recipient_kind": "collective",
                    "field": "kinh_te", "year": 2025})
                assert r.status_code == 201, r.text
                accepted.append(r.json()["id"])

        writers = [asyncio.create_task(register(w)) for w in range(3)]
        await eventually(lambda: len(accepted) >= 10, within=WAIT)
        rebuilt = []
        for _ in range(3):
            r = await client.post("/admin/projections/registry.models/rebuild", headers=ADMIN)
            assert r.status_code == 200, r.text
            rebuilt.append(r.json())
        stop.set()
        await asyncio.gather(*writers)
        rows = await snapshot(database, ("models",))
        ids = [row[0] for row in rows["models"]]
        assert sorted(ids) == sorted(accepted), "a model accepted during the rebuild is missing or doubled"
        assert len(accepted) > 10


async def test_a_projection_without_a_tracking_row_is_built_at_start(database: str,
                                                                     isolated_nats: EmbeddedNats) -> None:
    async with service(REGISTRY, database, isolated_nats.url) as (client, _):
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=ADMIN)
        for i in range(4):
            r = await client.post("/models", headers=ADMIN, json={
                "title": f"Mô hình {i}", "owner_org_unit_id": root.json()["id"], "recipient_kind": "collective",
                "field": "kinh_te", "year": 2025})
            assert r.status_code == 201, r.text
    before = await snapshot(database, ("models",))
    conn = await asyncpg.connect(database)
    try:  # as if a later release had added the projection: no rows, no tracking row
        await conn.execute("delete from models")
        await conn.execute("delete from projection_tracking where name = 'registry.models'")
    finally:
        await conn.close()
    async with service(REGISTRY, database, isolated_nats.url) as (client, _):
        listed = {p["name"]: p for p in (await client.get("/admin/projections", headers=ADMIN)).json()}
        assert listed["registry.models"]["status"] == "live"
        assert listed["registry.models"]["events"] == 4
    assert await snapshot(database, ("models",)) == before
    assert len(before["models"]) == 4
