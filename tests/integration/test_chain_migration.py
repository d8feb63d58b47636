"""An instance that ran before the chain existed: migration 0002 chains its stored events."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import asyncpg

from shared.store.audit import verify_chain
from shared.store.log import Checkpoint, read_log
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate


async def test_events_stored_before_0002_are_chained_and_readable_in_order(database: str, tmp_path: Path) -> None:
    before = tmp_path / "platform"
    before.mkdir()
    shutil.copy(PLATFORM_MIGRATIONS / "0001_platform.sql", before)
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, [("platform", before)])
        streams = [f"model-{uuid.uuid4()}" for _ in range(3)]
        for version in (1, 2, 3):
            for stream in streams:
                await conn.execute(
                    """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                       values ($1, $2, 'model', $3, 'Noted', $4::jsonb, '{}'::jsonb)""",
                    uuid.uuid4(), stream, version, json.dumps({"text": f"bước {version}"}))
        await migrate(conn, [("platform", PLATFORM_MIGRATIONS)])
        assert await conn.fetchval("select count(*) from events where hash is null") == 0
        assert await verify_chain(conn) == []
        logged = await read_log(conn, Checkpoint(), limit=100)
        assert [e.event.position for e in logged] == sorted(e.event.position for e in logged)
        assert len(logged) == 9
        await conn.execute("alter table events disable trigger events_append_only")
        await conn.execute("""update events set payload = '{"text": "khác"}' where stream_id = $1 and version = 3""",
                           streams[1])
        broken = await verify_chain(conn)
        assert [(b.stream_id, b.version, b.problem) for b in broken] == [(streams[1], 3, "content_differs")]
    finally:
        await conn.close()
