"""The webhook queue against a concurrent disable, on real PostgreSQL: nothing is sent after DELETE.

Two transactions are interleaved by hand (a consumer queueing deliveries, an administrator
disabling the endpoint) in both orders; whichever commits first, no pending delivery survives.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.notifications import projections
from services.notifications.domain import WebhookEndpointDisabled, WebhookEndpointRegistered
from services.notifications.service import DEFINITION
from services.notifications.webhooks import fingerprint, new_secret
from shared import hierarchy
from shared.store.migrations import migrate
from tests.events import org_units, unit_id
from tests.integration.polling import eventually

TYPE = "vn.dvk.registry.model_registered.v1"


@pytest.fixture
async def dsn(database: str) -> AsyncIterator[str]:
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, DEFINITION.migration_scopes())
        for unit in org_units("VN.15.04321"):  # the service's copy of the tree
            await hierarchy.apply(conn, unit)
    finally:
        await conn.close()
    yield database


async def _endpoint(conn: asyncpg.Connection) -> uuid.UUID:
    endpoint_id, secret = uuid.uuid4(), new_secret()
    await projections.add_endpoint(conn, WebhookEndpointRegistered(
        endpoint_id=endpoint_id, url="https://portal.example.vn/hook", description=None, org_path="VN.15",
        org_unit_id=unit_id("VN.15"), event_types=(), secret_fingerprint=fingerprint(secret),
        at=datetime.now(UTC)), "admin", 1)
    await projections.add_secret(conn, endpoint_id, secret)
    return endpoint_id


async def _enqueue(conn: asyncpg.Connection) -> int:
    return await projections.enqueue_deliveries(conn, event_id=uuid.uuid4(), event_type=TYPE,
                                                org_path="VN.15.04321", owner_org_unit_id=unit_id("VN.15.04321"),
                                                entity_id=None, payload="{}")


async def _disable(conn: asyncpg.Connection, endpoint_id: uuid.UUID) -> int:
    await projections.disable_endpoint(conn, WebhookEndpointDisabled(endpoint_id=endpoint_id,
                                                                     at=datetime.now(UTC)), "admin", 2)
    return await projections.cancel_deliveries(conn, endpoint_id)


async def _waits_on_a_lock(dsn: str, waiter: asyncpg.Connection) -> bool:
    """Whether `waiter`'s statement is blocked on a lock, as PostgreSQL reports it (asked from a connection
    of its own: inside a transaction the activity view is a snapshot)."""
    observer = await asyncpg.connect(dsn)
    try:
        state = await observer.fetchval("select wait_event_type from pg_stat_activity where pid = $1",
                                        waiter.get_server_pid())
    finally:
        await observer.close()
    return bool(state == "Lock")


async def test_disable_first_then_the_consumer_queues_nothing(dsn: str) -> None:
    admin, consumer = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        endpoint_id = await _endpoint(admin)
        disabling, queueing = admin.transaction(), consumer.transaction()
        await disabling.start()
        await _disable(admin, endpoint_id)
        await queueing.start()
        queued = asyncio.create_task(_enqueue(consumer))
        await eventually(lambda: _waits_on_a_lock(dsn, consumer), within=10)
        assert not queued.done(), "the consumer must wait for the disable to settle"
        await disabling.commit()
        assert await asyncio.wait_for(queued, 5) == 0
        await queueing.commit()
        assert await admin.fetchval("select count(*) from webhook_deliveries") == 0
    finally:
        await admin.close()
        await consumer.close()


async def test_consumer_first_then_the_disable_cancels_what_it_queued(dsn: str) -> None:
    admin, consumer = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        endpoint_id = await _endpoint(admin)
        queueing, disabling = consumer.transaction(), admin.transaction()
        await queueing.start()
        assert await _enqueue(consumer) == 1
        await disabling.start()
        cancelled = asyncio.create_task(_disable(admin, endpoint_id))
        await eventually(lambda: _waits_on_a_lock(dsn, admin), within=10)
        assert not cancelled.done(), "the disable must wait for the consumer's commit"
        await queueing.commit()
        assert await asyncio.wait_for(cancelled, 5) == 1
        await disabling.commit()
        rows = await admin.fetch("select status from webhook_deliveries")
        assert [r["status"] for r in rows] == ["cancelled"]
    finally:
        await admin.close()
        await consumer.close()
