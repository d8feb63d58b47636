"""The whole chain through the HTTP APIs of four real service processes.

A unit registers a model, an inspection passes it, a council grants it an award within a quota,
and the unit is notified in its in-app inbox and through a signed webhook — within 5 seconds.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from standardwebhooks.webhooks import Webhook

from shared.runtime.demo import DemoLoader
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer
from tests.integration.polling import eventually
from tests.webhook_receiver import Receiver


async def test_registered_inspected_awarded_model_notifies_its_unit(platform: Platform) -> None:
    admin = bearer(platform)
    async with Receiver() as receiver, httpx.AsyncClient(headers=admin, timeout=10) as client:
        # The country's root unit first (as the demo registers it: same key, so the demo's own request
        # answers the same), so that the webhook can be registered for it before anything happens.
        root = await client.post(f"{platform.url('registry')}/org-units", headers={"Idempotency-Key": "demo-org-vn"},
                                 json={"code": "VN", "name": "Việt Nam", "kind": "country"})
        assert root.status_code == 201, root.text

        async def notifications_knows_the_root() -> bool:
            # 403 scope_unit_unknown until notifications' copy of the tree holds VN (a list would answer
            # an empty page meanwhile, so it cannot tell).
            return (await client.get(f"{platform.url('notifications')}/admin/dead-letters")).status_code == 200

        await eventually(notifications_knows_the_root, within=10)
        hook = await client.post(f"{platform.url('notifications')}/webhooks", json={
            "url": receiver.url, "description": "Hệ thống quản lý văn bản", "org_path": "VN",
            "event_types": ["vn.dvk.awards.award_granted.v1"]})
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]

        # The seeds' scenario, through the registry, evaluation and awards APIs.
        loader = DemoLoader({s: platform.url(s) for s in ("registry", "evaluation", "awards")},
                            admin["Authorization"].removeprefix("Bearer "))
        scenario = await asyncio.to_thread(loader.load)
        granted_at = asyncio.get_running_loop().time()
        first_grant = scenario["grants"][0]
        unit = first_grant["org_path"]

        async def inbox_complete() -> list[dict[str, object]] | None:
            r = await client.get(f"{platform.url('notifications')}/inbox", params={"under": unit})
            items = r.json()["items"]
            kinds = {i["event_type"] for i in items}
            wanted = {"vn.dvk.registry.model_registered.v1", "vn.dvk.evaluation.inspection_passed.v1",
                      "vn.dvk.awards.award_granted.v1"}
            return items if wanted <= kinds else None

        items = await eventually(inbox_complete, within=10)
        deliveries = await eventually(lambda: [r for r in receiver.received()
                                               if json.loads(r.body)["data"]["grant_id"] == first_grant["id"]],
                                      within=max(0.1, 10 - (asyncio.get_running_loop().time() - granted_at)))

    award = next(i for i in items if i["event_type"] == "vn.dvk.awards.award_granted.v1")
    assert award["title"]["vi"] and award["title"]["en"] and award["title"]["vi"] != award["title"]["en"]
    assert len(deliveries) == 1
    delivery = deliveries[0]
    payload = Webhook(secret).verify(delivery.body, delivery.headers)
    assert payload["type"] == "vn.dvk.awards.award_granted.v1"
    assert payload["data"]["org_path"] == unit
    assert payload["data"]["model_id"] == first_grant["model_id"]
    assert payload["data"]["granted_in_quota"] == 1


async def test_services_publish_openapi_and_asyncapi(platform: Platform) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for service in ("registry", "evaluation", "awards", "notifications"):
            openapi = await client.get(f"{platform.url(service)}/openapi.json")
            assert openapi.status_code == 200, f"{service}: {openapi.text[:300]}"
            assert any(m == "post" for ops in openapi.json()["paths"].values() for m in ops)
            asyncapi = (await client.get(f"{platform.url(service)}/asyncapi.json")).json()
            assert asyncapi["asyncapi"] == "3.0.0"
            assert asyncapi["operations"], service
            docs = await client.get(f"{platform.url(service)}/docs")
            assert docs.status_code == 200
            metrics = (await client.get(f"{platform.url(service)}/metrics")).text
            assert "dvk_http_requests_total" in metrics
