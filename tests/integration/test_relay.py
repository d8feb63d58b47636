"""The outbox relay on real NATS and PostgreSQL: crashes republish, nothing is applied twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import uuid
from datetime import UTC, datetime

import asyncpg
import nats.js.errors
import pytest

from shared.auth.principal import Principal, Role
from shared.commands import CommandContext, Transaction
from shared.domain.events import EventTypes
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.messaging.relay import OutboxRelay, entity_windows
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, stream_of
from shared.store.event_store import EventStore
from shared.subjects import service_filter
from tests import jetstream
from tests.conftest import ROOT
from tests.events import model_registered, publish
from tests.integration.polling import eventually

ACTOR = Principal("tester", "Người kiểm thử", frozenset({Role.REGISTRAR}), "VN")


async def _commit_events(dsn: str, count: int) -> list[str]:
    """Commit `count` ModelRegistered events to the outbox, as a registry command would."""
    conn = await asyncpg.connect(dsn)
    ids = []
    async with conn.transaction():
        ctx = CommandContext("registry", "test", "RegisterModel", ACTOR, "corr-1", datetime.now(UTC))
        tx = Transaction(conn, EventStore(EventTypes()), ctx)
        for i in range(count):
            ids.append(str(await tx.publish(model_registered(title=f"Mô hình số {i}"), entity=f"models/{i}")))
    await conn.close()
    return ids


async def _effects_table(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("create table effects (event_id uuid, consumer text)")
    await conn.close()




async def test_relay_killed_between_publish_and_mark_causes_no_second_effect(platform_db: str,
                                                                             isolated_nats) -> None:
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    await _effects_table(platform_db)
    event_ids = await _commit_events(platform_db, 3)

    crashed = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.integration.crashing_relay",
                                                   platform_db, isolated_nats.url, cwd=ROOT)
    assert await asyncio.wait_for(crashed.wait(), 60) == 137
    pool = await asyncpg.create_pool(platform_db)
    # JetStream acknowledged the first row (the whole window was sent pipelined), but no mark was
    # committed before the process died.
    assert await pool.fetchval("select count(*) from outbox where published_at is null") == 3
    assert (await js.stream_info(stream_of("registry"))).state.messages >= 1

    # A downstream consumer applying an effect through the inbox.
    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("insert into effects values ($1, 'downstream')", ce.event_id)

    sub = Subscription("test__model_registered", stream_of("registry"),
                       service_filter("registry", "model_registered"), effect)
    broker = consumer_broker(isolated_nats.url)
    attach(broker, sub, DeliveryProcessor(pool, "test", 5, [0.1]), ack_wait=5)
    await broker.start()

    relay = OutboxRelay(platform_db, js, "registry", poll_seconds=0.1)
    task = asyncio.create_task(relay.run())
    try:
        async def all_published() -> bool:
            return await pool.fetchval("select count(*) from outbox where published_at is null") == 0

        async def all_applied() -> bool:
            return await pool.fetchval("select count(*) from effects") >= 3

        await eventually(all_published, within=15)
        await eventually(all_applied, within=15)

        async def all_settled() -> bool:  # every delivery acked: no wrongful second effect still on its way
            info = await js.consumer_info(stream_of("registry"), "test__model_registered")
            return info.num_ack_pending == 0 and info.num_pending == 0
        await eventually(all_settled, within=15)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.wait_for(broker.stop(), 10)
    # The republished first row was dropped by JetStream's duplicate window...
    assert (await js.stream_info(stream_of("registry"))).state.messages == 3
    # ...and every event had its effect exactly once.
    rows = await pool.fetch("select event_id::text as id, count(*) as n from effects group by event_id")
    assert sorted(r["id"] for r in rows) == sorted(event_ids)
    assert all(r["n"] == 1 for r in rows)
    await pool.close()
    await nc.close()


async def test_one_relay_at_a_time_holds_the_lock(platform_db: str, isolated_nats) -> None:
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    first = OutboxRelay(platform_db, js, "registry", poll_seconds=0.1)
    second = OutboxRelay(platform_db, js, "registry", poll_seconds=0.1)
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    await eventually(lambda: first.active or second.active, within=10)
    assert [first.active, second.active].count(True) == 1
    standby = second if first.active else first
    (tasks[0] if first.active else tasks[1]).cancel()
    await eventually(lambda: standby.active, within=10)  # the standby takes over once the active session ends
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await nc.close()


async def test_same_event_delivered_twice_past_the_duplicate_window_is_applied_once(
        platform_db: str, isolated_nats) -> None:
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    await _effects_table(platform_db)
    pool = await asyncpg.create_pool(platform_db)

    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("insert into effects values ($1, 'downstream')", ce.event_id)

    sub = Subscription("test__dupes", stream_of("registry"), service_filter("registry", "model_registered"), effect)
    broker = consumer_broker(isolated_nats.url)
    attach(broker, sub, DeliveryProcessor(pool, "test", 5, [0.1]), ack_wait=5)
    await broker.start()
    event = model_registered()
    ce, _ = await publish(js, event)
    await publish(js, event, ce, msg_id=str(uuid.uuid4()))  # JetStream cannot tell: a new message id
    assert (await js.stream_info(stream_of("registry"))).state.messages == 2

    async def both_seen() -> bool:
        info = await js.consumer_info(stream_of("registry"), "test__dupes")
        return info.num_ack_pending == 0 and info.delivered.stream_seq == 2

    await eventually(both_seen, within=15)
    await asyncio.wait_for(broker.stop(), 10)
    assert await pool.fetchval("select count(*) from effects") == 1
    assert await pool.fetchval("select count(*) from inbox where event_id = $1", ce.event_id) == 1
    await pool.close()
    await nc.close()


async def _outbox_rows(dsn: str, rows: list[tuple[str, str]]) -> list[int]:
    """Outbox rows as a command writes them, given (entity, subject): returns their ids in order."""
    conn = await asyncpg.connect(dsn)
    ids = []
    for entity, subject in rows:
        event_id = str(uuid.uuid4())
        headers = {"ce-id": event_id, "ce-subject": entity, "Nats-Msg-Id": event_id}
        ids.append(await conn.fetchval(
            "insert into outbox (event_id, subject, headers, body) values ($1, $2, $3::jsonb, '{}') returning id",
            uuid.UUID(event_id), subject, json.dumps(headers)))
    await conn.close()
    return ids


GOOD = "dvk.registry.model_registered.VN._"
NOWHERE = "dvk.nowhere.model_registered.VN._"
"""A subject no stream captures: JetStream answers its publish with "no responders", a failed publish."""


async def test_a_failed_publish_marks_only_what_jetstream_acknowledged(platform_db: str, isolated_nats) -> None:
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    ids = await _outbox_rows(platform_db, [("models/1", GOOD), ("models/2", NOWHERE), ("models/3", GOOD)])
    conn = await asyncpg.connect(platform_db)
    relay = OutboxRelay(platform_db, js, "registry", ack_timeout=5)
    with pytest.raises(nats.js.errors.NoStreamResponseError):
        await relay.publish_batch(conn)
    # One window (three entities): the rows before and after the failed one were acknowledged and marked.
    unpublished = await conn.fetch("select id from outbox where published_at is null")
    assert [r["id"] for r in unpublished] == [ids[1]]
    assert (await js.stream_info(stream_of("registry"))).state.messages == 2
    await conn.close()
    await nc.close()


async def test_an_entitys_later_events_wait_until_its_earlier_one_is_acknowledged(
        platform_db: str, isolated_nats) -> None:
    """Pipelining never lets an entity's later event overtake an earlier one that failed: rows about
    the same entity are in different windows, and no window is sent after one that failed."""
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    ids = await _outbox_rows(platform_db, [("models/1", GOOD), ("models/1", NOWHERE), ("models/1", GOOD),
                                           ("models/2", GOOD)])
    conn = await asyncpg.connect(platform_db)
    relay = OutboxRelay(platform_db, js, "registry", ack_timeout=5)
    with pytest.raises(nats.js.errors.NoStreamResponseError):
        await relay.publish_batch(conn)
    unpublished = await conn.fetch("select id from outbox where published_at is null order by id")
    assert [r["id"] for r in unpublished] == ids[1:], "a row after the failed one of its entity was sent"
    assert (await js.stream_info(stream_of("registry"))).state.messages == 1
    await conn.close()
    await nc.close()


def test_windows_hold_distinct_entities_and_are_bounded() -> None:
    rows = [{"id": i, "entity": entity}
            for i, entity in enumerate(["a", "b", "a", "c", "d", "e", "f"])]
    windows = entity_windows(rows, 3)  # type: ignore[arg-type]
    assert [[r["id"] for r in w] for w in windows] == [[0, 1], [2, 3, 4], [5, 6]]


async def test_a_notification_during_a_batch_is_not_lost(platform_db: str, isolated_nats) -> None:
    """A row committed while the relay is publishing a batch is sent right after that batch, not at
    the next poll (here 60 s away)."""
    nc = await jetstream.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    await _commit_events(platform_db, 1)
    later: list[str] = []

    async def commit_during_the_batch(_: int) -> None:
        if not later:
            later.extend(await _commit_events(platform_db, 1))

    relay = OutboxRelay(platform_db, js, "registry", poll_seconds=60, after_publish=commit_during_the_batch)
    task = asyncio.create_task(relay.run())
    pool = await asyncpg.create_pool(platform_db, min_size=1, max_size=1)
    try:
        async def both_published() -> bool:
            return bool(later) and await pool.fetchval("select count(*) from outbox where published_at is null") == 0

        await eventually(both_published, within=10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pool.close()
        await nc.close()
