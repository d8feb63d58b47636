"""The event store's guarantees, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.domain.events import DomainEvent, EventTypes
from shared.store.event_store import ConcurrencyError, EventStore

TYPES = EventTypes()


@TYPES.register
class Noted(DomainEvent):
    NAME = "Noted"
    text: str


async def test_concurrent_appends_on_one_stream_let_exactly_one_writer_win(platform_db: str) -> None:
    store = EventStore(TYPES)
    stream = f"test-{uuid.uuid4()}"
    conn = await asyncpg.connect(platform_db)
    await store.append(conn, stream, "test", 0, [(uuid.uuid4(), Noted(text="đầu tiên"))], {"actor": "a"})
    writers = [await asyncpg.connect(platform_db) for _ in range(8)]
    gate = asyncio.Event()

    async def write(i: int, c: asyncpg.Connection) -> str:
        # Every writer decided on version 1, as if it loaded the stream at the same moment.
        await gate.wait()
        async with c.transaction():
            try:
                await store.append(c, stream, "test", 1, [(uuid.uuid4(), Noted(text=f"writer {i}"))], {"actor": str(i)})
            except ConcurrencyError:
                return "lost"
        return "won"

    tasks = [asyncio.create_task(write(i, c)) for i, c in enumerate(writers)]
    gate.set()
    results = await asyncio.gather(*tasks)
    assert results.count("won") == 1
    assert results.count("lost") == len(writers) - 1
    versions = [r["version"] for r in await conn.fetch(
        "select version from events where stream_id = $1 order by version", stream)]
    assert versions == [1, 2]
    for c in [conn, *writers]:
        await c.close()


async def test_the_database_refuses_update_delete_and_truncate_of_events(platform_db: str) -> None:
    store = EventStore(TYPES)
    conn = await asyncpg.connect(platform_db)
    await store.append(conn, "s-1", "test", 0, [(uuid.uuid4(), Noted(text="x"))], {})
    for statement in ("update events set payload = '{}'", "delete from events", "truncate events"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
    assert await conn.fetchval("select count(*) from events") == 1
    await conn.close()


async def test_the_same_event_id_cannot_be_stored_twice(platform_db: str) -> None:
    store = EventStore(TYPES)
    conn = await asyncpg.connect(platform_db)
    event_id = uuid.uuid4()
    await store.append(conn, "s-1", "test", 0, [(event_id, Noted(text="x"))], {})
    with pytest.raises(asyncpg.UniqueViolationError):
        await store.append(conn, "s-2", "test", 0, [(event_id, Noted(text="x"))], {})
    loaded = await store.load(conn, "s-1")
    assert loaded == [Noted(text="x")]
    await conn.close()
