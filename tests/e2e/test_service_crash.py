"""Fault: a subscribing service is killed (SIGKILL) while models are being registered, then started
again. Its durable consumer resumes where the acknowledgements stopped — messages the dead process
had fetched but not acknowledged come back after the consumer's ack wait — and the inbox makes sure
that nothing applied before the crash is applied a second time."""

from __future__ import annotations

import asyncio
import os
import signal

import asyncpg
import httpx

from shared.auth.principal import Role
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer
from tests.integration.polling import eventually


async def test_evaluation_killed_mid_load_catches_up_exactly_once(platform: Platform) -> None:
    # A root unit of this test's own, so that it runs alone, first or last beside the demo's units.
    root = "E2E-CRASH"
    admin = bearer(platform, org=root)
    registrar = bearer(platform, [Role.REGISTRAR], org=root)
    registry, evaluation = platform.url("registry"), platform.url("evaluation")
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{registry}/org-units", json={"code": root, "name": "Đơn vị thử lỗi", "kind": "country"},
                              headers={**admin, "Idempotency-Key": f"e2e-crash-{root}"})
        assert r.status_code in (200, 201), r.text
        owner = r.json()["id"]

        async def register(i: int) -> str:
            r = await client.post(f"{registry}/models", headers=registrar, json={
                "title": f"Mô hình chịu lỗi số {i}", "owner_org_unit_id": owner, "recipient_kind": "collective",
                "field": "quoc_phong_an_ninh", "year": 2025})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        ids = [await register(i) for i in range(10)]
        killed = platform.services["evaluation"]
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        ids += [await register(i) for i in range(10, 25)]
        # The supervisor (as under `dvk up`) starts it again.
        await eventually(lambda: platform.services["evaluation"] is not killed, within=30)
        await asyncio.to_thread(platform.wait_ready, 60.0, {"evaluation"})

        async def all_known() -> bool:
            for model_id in ids:
                if (await client.get(f"{evaluation}/models/{model_id}", headers=admin)).status_code != 200:
                    return False
            return True

        await eventually(all_known, within=30)

    conn = await asyncpg.connect(platform.env["DVK_EVALUATION_DATABASE_URL"])
    try:
        # Two of evaluation's consumers read the registry's models (its models and its hierarchy copy):
        # the first to apply an event records it in evaluation's log and projects it; each consumer's
        # inbox then marks it done for that consumer.
        async def consumed() -> int:
            n = await conn.fetchval(
                "select count(*) from inbox where consumer = 'evaluation__model_registered' and event_id in "
                "(select source_event_id from known_models where model_id = any($1::uuid[]))", ids)
            return int(n) if n == len(ids) else 0

        applied = await eventually(consumed, within=30)
        rows = await conn.fetch("select model_id::text as id from known_models where model_id = any($1::uuid[])", ids)
        recorded = await conn.fetchval(
            "select count(*) from events where stream_type = 'inbound' and payload->>'model_id' = any($1::text[])", ids)
    finally:
        await conn.close()
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert applied == len(ids)
    assert recorded == len(ids), "each registration recorded once in evaluation's log, however often delivered"
