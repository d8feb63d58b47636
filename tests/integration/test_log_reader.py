"""The log reader on a real PostgreSQL: followed while writers race, it finds every committed event once."""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg

from shared.domain.events import DomainEvent, EventTypes
from shared.store.event_store import EventStore
from shared.store.log import Checkpoint, read_log
from tests.integration.polling import eventually

TYPES = EventTypes()


@TYPES.register
class Counted(DomainEvent):
    NAME = "Counted"
    n: int


async def test_a_reader_following_concurrent_writers_finds_every_committed_event_exactly_once(
        platform_db: str) -> None:
    store = EventStore(TYPES)
    rng = random.Random(5)
    committed: set[uuid.UUID] = set()
    writers_done = asyncio.Event()

    async def writer(w: int) -> None:
        conn = await asyncpg.connect(platform_db)
        try:
            stream, version = f"w-{w}-{uuid.uuid4()}", 0
            for n in range(25):
                ids = [uuid.uuid4() for _ in range(rng.randint(1, 3))]
                tx = conn.transaction()
                await tx.start()
                if rng.random() < 0.3:
                    # Take a transaction id now and insert only later: an older id, a later position.
                    await conn.fetchval("select pg_current_xact_id()::text")
                    await asyncio.sleep(rng.uniform(0, 0.02))
                await store.append(conn, stream, "test", version, [(i, Counted(n=n)) for i in ids], {"w": w})
                await asyncio.sleep(rng.uniform(0, 0.03))  # commit late, while others commit
                if rng.random() < 0.1:
                    await tx.rollback()
                    continue
                await tx.commit()
                version += len(ids)
                committed.update(ids)
        finally:
            await conn.close()

    seen: list[uuid.UUID] = []
    versions: dict[str, int] = {}
    reader = await asyncpg.connect(platform_db)
    checkpoint = Checkpoint()

    async def read_some() -> int:
        nonlocal checkpoint
        batch = await read_log(reader, checkpoint, limit=17)
        for logged in batch:
            assert logged.checkpoint > checkpoint
            checkpoint = logged.checkpoint
            event = logged.event
            seen.append(event.event_id)
            # Per stream, versions arrive in order, without gaps.
            assert event.version == versions.get(event.stream_id, 0) + 1, event
            versions[event.stream_id] = event.version
        return len(batch)

    async def follow() -> None:
        while not writers_done.is_set():
            if await read_some() == 0:
                await asyncio.sleep(0.005)

    following = asyncio.create_task(follow())
    await asyncio.gather(*(writer(w) for w in range(10)))
    writers_done.set()
    await following

    async def caught_up() -> bool:
        await read_some()
        return len(set(seen)) >= len(committed)

    await eventually(caught_up, within=10)
    assert await read_some() == 0
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == committed, "an event was skipped or a rolled-back one was read"
    assert len(committed) > 200
    await reader.close()


async def test_positions_alone_would_skip_an_event_still_in_flight(platform_db: str) -> None:
    """Why the reader orders by transaction id: the earlier position commits after the later one."""
    store = EventStore(TYPES)
    slow, fast, reader = [await asyncpg.connect(platform_db) for _ in range(3)]
    slow_tx = slow.transaction()
    await slow_tx.start()
    first = await store.append(slow, "s-slow", "test", 0, [(uuid.uuid4(), Counted(n=1))], {})
    second = await store.append(fast, "s-fast", "test", 0, [(uuid.uuid4(), Counted(n=2))], {})
    assert first[0].position < second[0].position
    # While the slow transaction is open, nothing at or above its id is readable.
    assert [e.event.event_id for e in await read_log(reader, Checkpoint())] == []
    await slow_tx.commit()
    read = [e.event.event_id for e in await read_log(reader, Checkpoint())]
    assert read == [first[0].event_id, second[0].event_id]
    for c in (slow, fast, reader):
        await c.close()
