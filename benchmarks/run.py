"""Throughput of the platform's hot paths beside the raw ceiling of the same machine.

    make bench        (or: python -m benchmarks.run [--events N])

Starts its own embedded PostgreSQL and nats-server in a temporary directory, then measures:
- event store append (one event per transaction, with the version guard) vs a raw asyncpg insert
  of the same row shape;
- outbox relay publish (read, publish with Nats-Msg-Id, mark) vs raw nats-py JetStream publish;
- inbox consumption (inbox row + trivial effect per event) vs raw asyncpg inserts;
and the resident memory of this process. Figures are printed, never asserted: they vary by machine.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import nats

from shared.auth.principal import Principal, Role
from shared.commands import CommandContext, Transaction
from shared.domain.events import DomainEvent, EventTypes
from shared.messaging.delivery import Delivery, DeliveryProcessor, Subscription
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import ensure_streams, stream_of
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import EmbeddedPostgres, free_port
from shared.store.event_store import EventStore
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate
from shared.subjects import service_filter
from tests.events import cloud_event, model_registered

TYPES = EventTypes()


@TYPES.register
class Benchmarked(DomainEvent):
    NAME = "Benchmarked"
    n: int
    text: str


def line(name: str, count: int, seconds: float, ceiling: float | None = None) -> None:
    rate = count / seconds
    extra = f"   raw ceiling {ceiling:>9,.0f}/s  ({rate / ceiling:5.1%})" if ceiling else ""
    print(f"{name:<44} {rate:>9,.0f}/s{extra}")


async def bench(events: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dvk-bench-"))
    pg = EmbeddedPostgres(tmp / "pg", free_port())
    nt = EmbeddedNats(tmp / "nats", free_port())
    pg.start()
    nt.start()
    try:
        pg.create_database("bench")
        dsn = pg.dsn("bench")
        conn = await asyncpg.connect(dsn)
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS)])
        await conn.execute("create table raw_events (stream_id text, version int, payload jsonb, "
                           "unique (stream_id, version))")

        started = time.perf_counter()
        for i in range(events):
            async with conn.transaction():
                await conn.execute("insert into raw_events values ($1, 1, $2::jsonb)", f"s{i}", '{"n": 1}')
        raw_append = events / (time.perf_counter() - started)

        store = EventStore(TYPES)
        started = time.perf_counter()
        for i in range(events):
            async with conn.transaction():
                await store.append(conn, f"stream-{i}", "bench", 0,
                                   [(uuid.uuid4(), Benchmarked(n=i, text="Dân vận khéo"))], {"actor": "bench"})
        line("event store append (1 event / tx)", events, time.perf_counter() - started, raw_append)

        actor = Principal("bench", "bench", frozenset({Role.REGISTRAR}), "VN")
        async with conn.transaction():
            tx = Transaction(conn, store, CommandContext("registry", "bench", "Bench", actor, "c", datetime.now(UTC)))
            for _ in range(events):
                await tx.publish(model_registered(), entity="bench")

        nc = await nats.connect(nt.url)
        js = nc.jetstream()
        await ensure_streams(js)
        ce = cloud_event(model_registered())
        headers, body = ce.to_nats()
        started = time.perf_counter()
        for _ in range(events):
            await js.publish("dvk.notifications.bench.VN._", body,
                             headers={**headers, "Nats-Msg-Id": str(uuid.uuid4())})
        raw_publish = events / (time.perf_counter() - started)

        relay = OutboxRelay(dsn, js, "registry", batch_size=200)
        started = time.perf_counter()
        while await relay.publish_batch(conn):
            pass
        line("outbox relay publish (read, publish, mark)", events, time.perf_counter() - started, raw_publish)

        pool = await asyncpg.create_pool(dsn)
        await conn.execute("create table effects (id uuid)")

        async def effect(c: asyncpg.Connection, cev, _event) -> None:  # type: ignore[no-untyped-def]
            await c.execute("insert into effects values ($1)", cev.event_id)

        sub = Subscription("bench__consume", stream_of("registry"), service_filter("registry"), effect)
        processor = DeliveryProcessor(pool, "bench", 5, [0.1])
        deliveries = []
        for _ in range(events):
            h, b = cloud_event(model_registered()).to_nats()
            deliveries.append(Delivery("dvk.registry.model_registered.VN._", h, b, 1))
        started = time.perf_counter()
        for i in range(events):
            async with pool.acquire() as c, c.transaction():
                await c.execute("insert into raw_events values ($1, 2, '{}'::jsonb)", f"s{i}")
                await c.execute("insert into effects values ($1)", uuid.uuid4())
        raw_consume = events / (time.perf_counter() - started)
        started = time.perf_counter()
        for d in deliveries:
            await processor.process(sub, d)
        line("inbox consume (envelope, inbox row, effect)", events, time.perf_counter() - started, raw_consume)

        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'peak resident memory of this process':<44} {rss_mb:>9,.1f} MiB")
        await pool.close()
        await nc.close()
        await conn.close()
    finally:
        nt.stop()
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    print(f"{args.events} events each; PostgreSQL with fsync on (the embedded default)\n")
    asyncio.run(bench(args.events))


if __name__ == "__main__":
    main()
