"""The event path: the outbox relay into JetStream, and a consumer applying events from JetStream.

Raw ceilings, on the same nats-server in the same run:
- relay: nats-py's pipelined JetStream publish (`publish_async`, window 500) of the same messages;
- consumer: a bare pull subscription fetching batches and acking each message, without a database.
The consumer line counts events *applied* (inbox rows, effects) and checks none was dead-lettered:
the events carry a subject and an org path that agree, as a real publisher's do.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import asyncpg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from benchmarks.report import Report
from shared.auth.principal import Principal, Role
from shared.commands import CommandContext, Transaction
from shared.contracts import ModelRegistered
from shared.domain.events import EventTypes
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.messaging.relay import OutboxRelay
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import consumer_config, ensure_streams, stream_of
from shared.store.event_store import EventStore
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate
from shared.store.pool import create_pool
from shared.subjects import event_subject, service_filter
from tests.events import cloud_event, model_registered
from tests.integration.polling import eventually

ACTOR = Principal("bench", "Đo hiệu năng", frozenset({Role.REGISTRAR}), "VN")


async def bench_relay(dsn: str, js: JetStreamContext, events: int, report: Report) -> None:
    await ensure_streams(js)
    # The ceiling: the same messages, pipelined by nats-py itself.
    messages = [cloud_event(model_registered()).to_nats() for _ in range(events)]
    subject = event_subject("registry", ModelRegistered.NAME, model_registered().org_path)
    started = time.perf_counter()
    window: list[asyncio.Future[PubAck]] = []
    for headers, body in messages:
        window.append(await js.publish_async(subject, body, headers=headers))
        if len(window) >= 500:
            await asyncio.gather(*window)
            window.clear()
    await asyncio.gather(*window)
    raw = events / (time.perf_counter() - started)

    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS)])
        async with conn.transaction():
            ctx = CommandContext("registry", "bench", "Bench", ACTOR, "bench", datetime.now(UTC))
            tx = Transaction(conn, EventStore(EventTypes()), ctx)
            for i in range(events):
                await tx.publish(model_registered(), entity=f"models/{i}")
        before = (await js.stream_info(stream_of("registry"))).state.messages
        relay = OutboxRelay(dsn, js, "registry")
        started = time.perf_counter()
        while await relay.publish_batch(conn):
            pass
        name = "outbox relay (read, publish pipelined, mark)"
        report.line(name, events, time.perf_counter() - started, raw, "raw publish_async")
        stored = (await js.stream_info(stream_of("registry"))).state.messages - before
        left = await conn.fetchval("select count(*) from outbox where published_at is null")
        report.check(name, stored == events and left == 0, f"{stored} stored in JetStream, {left} left unmarked")
    finally:
        await conn.close()


async def _publish_events(js: JetStreamContext, events: int) -> None:
    window = []
    for _ in range(events):
        event = model_registered()
        headers, body = cloud_event(event).to_nats()
        window.append(await js.publish_async(event_subject("registry", event.NAME, event.org_path), body,
                                             headers=headers))
    await asyncio.gather(*window)


async def bench_consumer(dsn: str, nats_url: str, js: JetStreamContext, events: int, report: Report) -> None:
    await js.purge_stream(stream_of("registry"))
    await _publish_events(js, events)

    # The ceiling: pull + ack, nothing else.
    psub = await js.pull_subscribe(service_filter("registry"), durable="bench__raw", stream=stream_of("registry"))
    started = time.perf_counter()
    seen = 0
    while seen < events:
        for msg in await psub.fetch(min(256, events - seen), timeout=5):
            await msg.ack()
            seen += 1
    raw = events / (time.perf_counter() - started)
    await psub.unsubscribe()

    pool = await create_pool(dsn, max_size=10)
    async with pool.acquire() as conn:
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS)])
    await pool.execute("create table if not exists effects (event_id uuid primary key)")

    async def effect(conn: asyncpg.Connection, ce, _event) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("insert into effects values ($1)", ce.event_id)

    sub = Subscription("bench__model_registered", stream_of("registry"),
                       service_filter("registry", ModelRegistered.NAME), effect)
    await js.add_consumer(stream_of("registry"), consumer_config(sub, 30.0))
    broker = consumer_broker(nats_url, None)
    processor = DeliveryProcessor(pool, "bench", 5, [0.5])
    attach(broker, sub, processor, ack_wait=30)

    async def all_applied() -> bool:
        return int(await pool.fetchval("select count(*) from inbox where consumer = $1", sub.consumer)) >= events

    started = time.perf_counter()
    await broker.start()
    finished = True
    try:
        await eventually(all_applied, within=max(60.0, events / 100), every=0.02)  # type: ignore[arg-type]
    except AssertionError:  # the check below reports how many were applied
        finished = False
    elapsed = time.perf_counter() - started
    await asyncio.wait_for(broker.stop(), 10)
    await processor.settle(10)
    name = "consumer (fetch, envelope, inbox + effect, ack)"
    report.line(name, events, elapsed, raw, "raw pull + ack")
    effects = await pool.fetchval("select count(*) from effects")
    letters = await pool.fetchval("select count(*) from dead_letters")
    report.check(name, finished and effects == events and letters == 0,
                 f"{effects} of {events} applied, {letters} dead-lettered")
    await pool.close()
