"""Fault: PostgreSQL is killed (SIGKILL) while commands arrive and restarted a moment later.

Commands sent while it is down get 503 and are retried by the client with the same Idempotency-Key.
Afterwards every accepted command's event is stored once and published once — none lost, none
doubled — and the relay has reconnected by itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import nats

from services.registry.service import DEFINITION
from shared.auth.principal import Role
from shared.runtime.postgres import EmbeddedPostgres, free_port
from tests.conftest import auth
from tests.integration.polling import eventually
from tests.integration.service_host import hosted


async def test_postgres_killed_mid_load_loses_no_accepted_command(tmp_path: Path, isolated_nats) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port(), fast_unsafe=True)
    await asyncio.to_thread(pg.start)
    await asyncio.to_thread(pg.create_database, "registry")
    dsn = pg.dsn("registry")
    statuses: list[int] = []
    try:
        async with hosted(DEFINITION, dsn, isolated_nats.url) as (_, client):
            root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                     headers=auth())
            owner = root.json()["id"]
            headers = auth([Role.REGISTRAR])

            async def register(i: int) -> str:
                """What a well-behaved client does: retry with the same key until it gets an answer."""
                for _ in range(200):
                    r = await client.post("/models", headers={**headers, "Idempotency-Key": f"model-key-{i:04d}"},
                                          json={"title": f"Mô hình số {i}", "owner_org_unit_id": owner,
                                                "recipient_kind": "collective", "field": "kinh_te", "year": 2025})
                    statuses.append(r.status_code)
                    if r.status_code == 201:
                        return str(r.json()["id"])
                    assert r.status_code == 503, r.text
                    assert r.json()["error"]["code"] == "service_unavailable"
                    await asyncio.sleep(0.05)
                raise AssertionError("no answer after 200 tries")

            accepted = [await register(i) for i in range(10)]
            pg.kill()

            async def come_back() -> None:
                await asyncio.sleep(1.0)
                await asyncio.to_thread(pg.start)

            back = asyncio.create_task(come_back())
            accepted += [await register(i) for i in range(10, 25)]
            await back

            conn = await asyncpg.connect(dsn)

            async def drained() -> bool:
                return await conn.fetchval("select count(*) from outbox where published_at is null") == 0

            await eventually(drained, within=20)
            stored = await conn.fetch("select stream_id from events where stream_type = 'model'")
            await conn.close()
    finally:
        await asyncio.to_thread(pg.stop)

    assert 503 in statuses, "the database really was down while commands arrived"
    assert len(set(accepted)) == len(accepted) == 25
    assert sorted(r["stream_id"] for r in stored) == sorted(f"model-{m}" for m in accepted)
    nc = await nats.connect(isolated_nats.url)
    info = await nc.jetstream().stream_info("DVK_REGISTRY", subjects_filter="dvk.registry.model_registered.>")
    await nc.close()
    assert sum((info.state.subjects or {}).values()) == 25, "each accepted model published once"
