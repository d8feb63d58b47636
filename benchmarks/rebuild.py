"""Rebuilding a projection from the log: the registry's `registry.models` from N `ModelRecorded` events.

- platform: `shared.projections.rebuild.rebuild` — fresh tables, the log replayed in batches (each
  committed with its tracking row), the swap under the events lock;
- raw ceiling, same shape of work: one server-side cursor over the same events in log order, each
  payload decoded and turned into the same row, the rows written with COPY into a copy of `models`.

The line checks that the rebuilt table holds exactly the N models, row for row what the commands
wrote, and that the tracking row counted N events.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from benchmarks.report import Report
from benchmarks.store import ADMIN
from services.registry.commands import RegisterOrgUnit
from services.registry.projections import ModelsProjection
from services.registry.service import DEFINITION as REGISTRY
from shared.commands import CommandExecutor
from shared.projections import Projections
from shared.projections.rebuild import rebuild
from shared.store.event_store import EventStore
from shared.store.migrations import migrate
from shared.store.pool import create_pool

_MODEL_COLUMNS = ("id", "title", "description", "owner_org_unit_id", "owner_org_path", "owner_org_name",
                  "recipient_kind", "field", "year", "status", "registered_at", "registered_by", "version")


async def _seed(conn: asyncpg.Connection, owner: uuid.UUID, count: int) -> None:
    """N registrations as the registry records them: the event and its projection row, in bulk."""
    await conn.execute(
        """with seeded as (
               select gen_random_uuid() as model_id, n, now() - make_interval(secs => $2 - n) as at
               from generate_series(1, $2) as n)
           insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
           select gen_random_uuid(), 'model-' || model_id, 'model', 1, 'ModelRecorded',
                  jsonb_build_object('model_id', model_id, 'title', 'Mô hình dân vận khéo số ' || n,
                                     'description', null, 'owner_org_unit_id', $1::uuid,
                                     'owner_org_path', 'VN', 'owner_org_name', 'Việt Nam',
                                     'recipient_kind', 'collective', 'field', 'kinh_te', 'year', 2025,
                                     'at', to_jsonb(at)),
                  '{"actor": "bench"}'::jsonb
           from seeded order by n""", owner, count)
    await conn.execute(
        """insert into models (id, title, description, owner_org_unit_id, owner_org_path, owner_org_name,
                               recipient_kind, field, year, status, registered_at, registered_by, version)
           select (payload->>'model_id')::uuid, payload->>'title', payload->>'description',
                  (payload->>'owner_org_unit_id')::uuid, payload->>'owner_org_path', payload->>'owner_org_name',
                  payload->>'recipient_kind', payload->>'field', (payload->>'year')::int, 'registered',
                  (payload->>'at')::timestamptz, metadata->>'actor', version
           from events where event_type = 'ModelRecorded'
           on conflict (id) do nothing""")


async def _cursor_replay(conn: asyncpg.Connection, batch: int) -> int:
    await conn.execute("drop table if exists models_replay")
    await conn.execute("create table models_replay (like models including all)")
    rows: list[tuple[Any, ...]] = []
    written = 0
    async with conn.transaction():
        async for r in conn.cursor(
                """select payload, metadata, version from events where event_type = 'ModelRecorded'
                   order by tx_id, position""", prefetch=batch):
            p = json.loads(r["payload"])
            rows.append((uuid.UUID(p["model_id"]), p["title"], p["description"], uuid.UUID(p["owner_org_unit_id"]),
                         p["owner_org_path"], p["owner_org_name"], p["recipient_kind"], p["field"], p["year"],
                         "registered", datetime.fromisoformat(p["at"]), json.loads(r["metadata"])["actor"],
                         r["version"]))
            if len(rows) >= batch:
                await conn.copy_records_to_table("models_replay", records=rows, columns=_MODEL_COLUMNS)
                written, rows = written + len(rows), []
        if rows:
            await conn.copy_records_to_table("models_replay", records=rows, columns=_MODEL_COLUMNS)
            written += len(rows)
    return written


async def bench_rebuild(dsn: str, events: int, report: Report) -> None:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, REGISTRY.migration_scopes())
        executor = CommandExecutor(pool, EventStore(REGISTRY.event_types), "registry", "bench",
                                   Projections(REGISTRY.projections), REGISTRY.commands)
        outcome = await executor.dispatch(RegisterOrgUnit(code="VN", name="Việt Nam", kind="country"), ADMIN,
                                          "bench-rebuild")
        async with pool.acquire() as conn:
            await _seed(conn, uuid.UUID(outcome.body["id"]), events)
            before = await conn.fetch("select * from models order by id")
            started = time.perf_counter()
            replayed = await _cursor_replay(conn, 5000)
            raw = replayed / (time.perf_counter() - started)
        started = time.perf_counter()
        result = await rebuild(pool, ModelsProjection())
        name = "projection rebuild (registry.models)"
        report.line(name, events, time.perf_counter() - started, raw, "cursor replay + COPY")
        after = await pool.fetch("select * from models order by id")
        report.check(name, replayed == events and result.events == events and after == before,
                     f"rebuilt {len(after)} rows from {result.events} events; {events} registered")
    finally:
        await pool.close()
