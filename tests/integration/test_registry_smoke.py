from __future__ import annotations

import asyncio

import nats

from services.registry.service import DEFINITION
from tests.conftest import auth
from tests.integration.service_host import hosted
from tests.jetstream import read_events


async def test_registered_model_reaches_jetstream(database: str, isolated_nats) -> None:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        r = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                              headers=auth())
        assert r.status_code == 201, r.text
        root = r.json()["id"]
        r = await client.post("/org-units", json={"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                  "parent_id": root}, headers=auth())
        assert r.status_code == 201, r.text
        province = r.json()
        assert province["org_path"] == "VN.15"
        r = await client.post("/models", json={
            "title": "Dân vận khéo trong xây dựng nông thôn mới", "owner_org_unit_id": province["id"],
            "recipient_kind": "collective", "field": "kinh_te", "year": 2025}, headers=auth())
        assert r.status_code == 201, r.text
        model_id = r.json()["id"]

        nc = await nats.connect(isolated_nats.url)
        js = nc.jetstream()
        ce = [e for _, e in await read_events(js, "dvk.registry.model_registered.VN.15._", "DVK_REGISTRY", 1)]
        mine = [e for e in ce if e.data["model_id"] == model_id]
        assert len(mine) == 1
        assert mine[0].type == "vn.dvk.registry.model_registered.v1"
        assert mine[0].extensions["actor"] == "tester"
        await nc.close()
        await asyncio.sleep(0)
