"""`dvk up` supervises: a SIGKILLed service, then a SIGKILLed NATS, are started again within seconds
while the rest keeps answering, and every command accepted meanwhile reaches its consumers."""

from __future__ import annotations

import os
import signal
import time

import httpx

from shared.auth.principal import Role
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer
from tests.integration.polling import eventually

BACK_WITHIN = 15.0


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/readyz", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_a_killed_service_and_a_killed_nats_are_back_within_seconds_with_nothing_lost(
        platform: Platform) -> None:
    root = "E2E-SUPERVISED"
    admin = bearer(platform, org=root)
    registrar = bearer(platform, [Role.REGISTRAR], org=root)
    registry, evaluation = platform.url("registry"), platform.url("evaluation")
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{registry}/org-units", json={"code": root, "name": "Đơn vị thử giám sát",
                                                             "kind": "country"},
                              headers={**admin, "Idempotency-Key": f"e2e-supervised-{root}"})
        assert r.status_code in (200, 201), r.text
        owner = r.json()["id"]

        async def register(i: int) -> str:
            r = await client.post(f"{registry}/models", headers=registrar, json={
                "title": f"Mô hình được giám sát số {i}", "owner_org_unit_id": owner,
                "recipient_kind": "collective", "field": "van_hoa_xa_hoi", "year": 2025})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        # A service dies: the others keep answering, and it is back within seconds.
        killed = platform.services["registry"]
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        died = time.monotonic()
        assert await _ready(client, evaluation), "evaluation stopped answering when the registry died"
        await eventually(lambda: platform.services["registry"] is not killed and _ready(client, registry),
                         within=BACK_WITHIN)
        assert time.monotonic() - died < BACK_WITHIN
        ids = [await register(i) for i in range(3)]

        # NATS dies: commands are still accepted (their outbox rows wait), and once it is back the
        # relays publish them and evaluation applies every one.
        assert platform.nats is not None
        platform.nats.kill()
        ids += [await register(i) for i in range(3, 6)]
        await eventually(lambda: platform.nats is not None and platform.nats.running, within=BACK_WITHIN)

        async def all_known() -> bool:
            for model_id in ids:
                if (await client.get(f"{evaluation}/models/{model_id}", headers=admin)).status_code != 200:
                    return False
            return True

        await eventually(all_known, within=45)
        for service in platform.services:
            assert await _ready(client, platform.url(service)), service
