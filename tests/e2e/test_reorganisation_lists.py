"""After a merge, every service's lists for the successor include what both communes carried.

Two communes each register a model, which is inspected and passes; each has a webhook. A province
administrator merges one commune into the other. The successor's user then finds both communes' models
and inspections in evaluation, both eligible models in awards, both communes' notifications and webhooks
in notifications; a webhook of the successor is called about the merged commune's model; a sibling
commune's user sees none of it; and what was recorded before the merge still names the old commune.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx

from shared.auth.principal import Role
from shared.runtime.demo import CRITERIA, CRITERIA_SET
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer
from tests.integration.polling import eventually
from tests.jetstream import connect, read_events
from tests.webhook_receiver import Receiver

PASSING = [{"code": c["code"], "score": 24} for c in CRITERIA]


async def _post(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(url, json=body, headers={"Idempotency-Key": f"k-{uuid.uuid4()}"})
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def _created(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The created resource, or None while the service has not yet learnt of the unit it names (422)."""
    r = await client.post(url, json=body, headers={"Idempotency-Key": f"k-{uuid.uuid4()}"})
    assert r.status_code in (201, 422), r.text
    return r.json() if r.status_code == 201 else None


async def _accepted(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> bool:
    return await _created(client, url, body) is not None


async def _items(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(url, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def _known(client: httpx.AsyncClient, url: str) -> bool:
    return (await client.get(url)).status_code == 200


async def test_the_successors_lists_in_every_service_include_both_communes(platform: Platform) -> None:
    registry, evaluation, awards, notifications = (platform.url(s) for s in
                                                   ("registry", "evaluation", "awards", "notifications"))
    root_code = f"R{secrets.token_hex(4)}"
    async with Receiver() as receiver, httpx.AsyncClient(headers=bearer(platform, org=root_code), timeout=10) as admin:
        root = await _post(admin, f"{registry}/org-units", {"code": root_code, "name": "Cây thử", "kind": "country"})
        province = await _post(admin, f"{registry}/org-units", {"code": "15", "name": "Tỉnh Lào Cai",
                                                                "kind": "province", "parent_id": root["id"]})
        communes = {code: await _post(admin, f"{registry}/org-units", {"code": code, "name": name, "kind": "commune",
                                                                       "parent_id": province["id"]}) | {"name": name}
                    for code, name in (("02989", "Xã Bảo Hà"), ("02953", "Xã Nghĩa Đô"), ("02947", "Xã Bảo Yên"))}
        bao_ha, nghia_do, bao_yen = communes["02989"], communes["02953"], communes["02947"]
        # Evaluation learns of the new province through JetStream: until then the unit is unknown (422).
        criteria_set = {**CRITERIA_SET, "code": "DVK-E2E", "org_path": province["org_path"]}
        criteria = await eventually(lambda: _created(admin, f"{evaluation}/criteria-sets", criteria_set), within=10)
        models: dict[str, str] = {}
        for commune in (bao_ha, nghia_do):
            hook = {"url": receiver.url, "org_path": commune["org_path"],
                    "event_types": ["vn.dvk.evaluation.inspection_passed.v1"]}
            # Notifications learns of a new commune through JetStream: until then the unit is unknown (422).
            await eventually(lambda h=hook: _accepted(admin, f"{notifications}/webhooks", h), within=10)
            model = await _post(admin, f"{registry}/models", {
                "title": f"Dân vận khéo ở {commune['name']}", "owner_org_unit_id": commune["id"],
                "recipient_kind": "collective", "field": "kinh_te", "year": 2025})
            models[commune["id"]] = model["id"]
            await eventually(lambda m=model["id"]: _known(admin, f"{evaluation}/models/{m}"), within=10)
        await _post(admin, f"{evaluation}/inspections", {"model_id": models[bao_ha["id"]],
                                                         "criteria_set_id": criteria["id"], "scores": PASSING,
                                                         "inspected_on": "2025-09-20"})

        province_admin = bearer(platform, [Role.ADMINISTRATOR], org=province["org_path"], sub="quan-tri-tinh")
        async with httpx.AsyncClient(headers=province_admin, timeout=10) as client:
            await _post(client, f"{registry}/org-unit-merges", {"merged_ids": [nghia_do["id"]],
                                                                "successor_id": bao_ha["id"]})

        # After the merge: the merged commune's model is inspected, and the successor's webhook hears of it.

        async def both_known() -> bool:
            # Each service learns of the merge through its own consumer: wait for evaluation's models and
            # for notifications' tree (a delivery is routed by the tree the service knows when it applies).
            return len(await _items(admin, f"{evaluation}/models", under=bao_ha["org_path"])) == 2 and \
                len(await _items(admin, f"{notifications}/webhooks", under=bao_ha["org_path"])) == 2
        await eventually(both_known, within=10)
        after = await _post(admin, f"{evaluation}/inspections", {"model_id": models[nghia_do["id"]],
                                                                 "criteria_set_id": criteria["id"], "scores": PASSING,
                                                         "inspected_on": "2025-09-20"})
        def calls() -> list[Any]:
            return [r for r in receiver.received() if after["id"] in r.body.decode()]

        # Two endpoints are called independently: wait for both, not for the first to arrive.
        await eventually(lambda: len(calls()) >= 2 or None, within=10)
        assert len(calls()) == 2, "the merged commune's endpoint and the successor's are both subtrees carrying it"

    successor = bearer(platform, [Role.VIEWER, Role.ADMINISTRATOR], org=bao_ha["org_path"], sub="can-bo-bao-ha")
    sibling = bearer(platform, [Role.VIEWER, Role.ADMINISTRATOR], org=bao_yen["org_path"], sub="can-bo-bao-yen")
    both = set(models.values())
    async with httpx.AsyncClient(headers=successor, timeout=10) as client:
        assert {m["model_id"] for m in await _items(client, f"{evaluation}/models")} == both
        inspections = await _items(client, f"{evaluation}/inspections")
        assert {i["model_id"] for i in inspections} == both
        before = next(i for i in inspections if i["model_id"] == models[nghia_do["id"]])
        assert before["owner_org_path"] == nghia_do["org_path"], "what was recorded names the unit of its day"

        async def eligible() -> list[dict[str, Any]] | None:
            found = await _items(client, f"{awards}/eligible-models")
            return found if {m["model_id"] for m in found} == both else None
        await eventually(eligible, within=10)

        async def inbox() -> list[dict[str, Any]] | None:
            found = await _items(client, f"{notifications}/inbox", limit=200)
            paths = {n["org_path"] for n in found}
            return found if {bao_ha["org_path"], nghia_do["org_path"]} <= paths else None
        await eventually(inbox, within=10)
        hooks = await _items(client, f"{notifications}/webhooks")
        assert {h["org_path"] for h in hooks} == {bao_ha["org_path"], nghia_do["org_path"]}

    async with httpx.AsyncClient(headers=sibling, timeout=10) as client:
        for url in (f"{evaluation}/models", f"{evaluation}/inspections", f"{awards}/eligible-models",
                    f"{notifications}/inbox", f"{notifications}/webhooks"):
            assert await _items(client, url) == [], url

    nc = await connect(platform.env["DVK_NATS_URL"])
    try:
        registered = await read_events(nc.jetstream(), f"dvk.registry.model_registered.{nghia_do['org_path']}._",
                                       "DVK_REGISTRY", want=1)
    finally:
        await nc.close()
    assert [e.data["owner_org_unit_id"] for _, e in registered] == [nghia_do["id"]], \
        "the old event still names the old commune, on the subject of its day"
