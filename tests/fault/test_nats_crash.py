"""Fault: NATS is killed mid-load and comes back. Commands keep being accepted meanwhile (they only
need PostgreSQL); afterwards every accepted event reached its subscriber exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from shared.auth.principal import Principal, Role
from shared.commands import CommandContext, Transaction
from shared.domain.events import EventTypes
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.messaging.relay import OutboxRelay
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, stream_of
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import free_port
from shared.store.event_store import EventStore
from shared.subjects import service_filter
from tests import jetstream
from tests.events import model_registered
from tests.integration.polling import eventually

ACTOR = Principal("tester", "Người kiểm thử", frozenset({Role.REGISTRAR}), "VN")


async def _accept_command(pool: asyncpg.Pool, i: int) -> str:
    async with pool.acquire() as conn, conn.transaction():
        ctx = CommandContext("registry", "fault", "RegisterModel", ACTOR, f"corr-{i}", datetime.now(UTC))
        tx = Transaction(conn, EventStore(EventTypes()), ctx)
        return str(await tx.publish(model_registered(title=f"Mô hình {i}"), entity=f"models/{i}"))


async def test_nats_killed_mid_load_loses_nothing_and_applies_nothing_twice(platform_db: str,
                                                                            tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.start()
    try:
        await _run_load_through_a_crash(server, platform_db)
    finally:
        server.stop()


async def _run_load_through_a_crash(server: EmbeddedNats, platform_db: str) -> None:
    pool = await asyncpg.create_pool(platform_db)
    await pool.execute("create table effects (event_id uuid)")
    nc = await jetstream.connect(server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream()
    await ensure_streams(js)

    async def effect(conn: asyncpg.Connection, ce, _event) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("insert into effects values ($1)", ce.event_id)

    sub = Subscription("fault__model_registered", stream_of("registry"), service_filter("registry", "model_registered"),
                       effect)
    broker = consumer_broker(server.url, reconnect_time_wait=0.2)
    attach(broker, sub, DeliveryProcessor(pool, "fault", 5, [0.1]), ack_wait=5)
    await broker.start()
    relay = OutboxRelay(platform_db, js, "registry", poll_seconds=0.2, batch_size=5)
    relay_task = asyncio.create_task(relay.run())
    accepted: list[str] = []
    try:
        for i in range(20):
            accepted.append(await _accept_command(pool, i))
        server.kill()
        for i in range(20, 40):  # NATS is down: commands are still accepted, into the outbox
            accepted.append(await _accept_command(pool, i))
        await asyncio.sleep(0.5)
        server.start()
        for i in range(40, 60):
            accepted.append(await _accept_command(pool, i))

        async def all_published() -> bool:
            return await pool.fetchval("select count(*) from outbox where published_at is null") == 0

        async def all_applied() -> bool:
            return await pool.fetchval("select count(distinct event_id) from effects") == len(accepted)

        await eventually(all_published, within=30)
        await eventually(all_applied, within=30)

        async def all_settled() -> bool:  # every delivery acked: no wrongful second effect still on its way
            info = await js.consumer_info(stream_of("registry"), "fault__model_registered")
            return info.num_ack_pending == 0 and info.num_pending == 0
        await eventually(all_settled, within=30)
    finally:
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await asyncio.wait_for(broker.stop(), 10)
        await nc.close()
    rows = await pool.fetch("select event_id::text as id, count(*) as n from effects group by event_id")
    assert sorted(r["id"] for r in rows) == sorted(accepted)
    assert max(r["n"] for r in rows) == 1
    await pool.close()
