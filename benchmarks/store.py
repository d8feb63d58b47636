"""The write side: appending events, and a whole command (the registry's RegisterModel, in process).

Raw ceilings use the same tables and the same transaction shape through bare asyncpg:
- append: one `insert into events` per transaction, with every column the store writes;
- command: begin, event row, projection row, outbox row, commit — what RegisterModel writes.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from benchmarks.report import Report, in_parallel
from services.registry.commands import RegisterModel, RegisterOrgUnit
from services.registry.service import DEFINITION as REGISTRY
from shared.auth.principal import Principal, Role
from shared.commands import CommandExecutor
from shared.domain.events import DomainEvent, EventTypes
from shared.projections import Projections
from shared.store.event_store import EventStore
from shared.store.migrations import migrate
from shared.store.pool import create_pool

TYPES = EventTypes()
ADMIN = Principal("bench", "Đo hiệu năng", frozenset(Role), "VN")


@TYPES.register
class Benchmarked(DomainEvent):
    NAME = "Benchmarked"
    n: int
    text: str


async def _count(conn: asyncpg.Connection, table: str) -> int:
    return int(await conn.fetchval(f"select count(*) from {table}"))


async def bench_append(dsn: str, events: int, report: Report) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, REGISTRY.migration_scopes())
        before = await _count(conn, "events")
        meta = json.dumps({"actor": "bench"})
        started = time.perf_counter()
        for i in range(events):
            async with conn.transaction():
                await conn.execute(
                    """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                       values ($1, $2, 'bench', 1, 'Benchmarked', $3::jsonb, $4::jsonb)""",
                    uuid.uuid4(), f"raw-{i}", json.dumps({"n": i, "text": "Dân vận khéo"}), meta)
        raw = events / (time.perf_counter() - started)
        store = EventStore(TYPES)
        started = time.perf_counter()
        for i in range(events):
            async with conn.transaction():
                await store.append(conn, f"stream-{i}", "bench", 0,
                                   [(uuid.uuid4(), Benchmarked(n=i, text="Dân vận khéo"))], {"actor": "bench"})
        name = "event store append (1 event / tx)"
        report.line(name, events, time.perf_counter() - started, raw, "raw insert, same table")
        report.check(name, await _count(conn, "events") - before == 2 * events, "not every event was stored")
    finally:
        await conn.close()


async def _registry_executor(dsn: str, connections: int) -> tuple[CommandExecutor, asyncpg.Pool, uuid.UUID]:
    pool = await create_pool(dsn, min_size=connections, max_size=connections)
    async with pool.acquire() as conn:
        await migrate(conn, REGISTRY.migration_scopes())
    executor = CommandExecutor(pool, EventStore(REGISTRY.event_types), "registry", "bench",
                               Projections(REGISTRY.projections), REGISTRY.commands)
    root = await pool.fetchval("select org_unit_id from org_unit_versions where code = 'VN' limit 1")
    if root is None:
        outcome = await executor.dispatch(RegisterOrgUnit(code="VN", name="Việt Nam", kind="country"), ADMIN, "bench")
        root = uuid.UUID(outcome.body["id"])
    return executor, pool, root


async def bench_command(dsn: str, commands: int, connections: int, report: Report) -> None:
    executor, pool, root = await _registry_executor(dsn, connections)
    try:
        await pool.execute("create table if not exists raw_models (id uuid primary key, owner uuid, title text, "
                           "body jsonb, registered_at timestamptz)")
        now = datetime.now(UTC)

        async def raw(i: int) -> None:
            model_id, event_id = uuid.uuid4(), uuid.uuid4()
            payload = json.dumps({"model_id": str(model_id), "title": f"Mô hình {i}", "owner": str(root)})
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                       values ($1, $2, 'model', 1, 'ModelRecorded', $3::jsonb, '{"actor": "bench"}'::jsonb)""",
                    event_id, f"model-{model_id}", payload)
                await conn.execute("insert into raw_models values ($1, $2, $3, $4::jsonb, $5)",
                                   model_id, root, f"Mô hình {i}", payload, now)
                await conn.execute(
                    "insert into outbox (event_id, subject, headers, body) values ($1, $2, '{}'::jsonb, $3)",
                    uuid.uuid4(), "dvk.registry.model_registered.VN._", payload.encode())

        raw_rate = commands / await in_parallel(commands, connections, raw)
        before = await pool.fetchval("select count(*) from models")

        async def platform(i: int) -> None:
            await executor.dispatch(RegisterModel(
                title=f"Mô hình dân vận khéo số {i}", owner_org_unit_id=root, recipient_kind="collective",
                field="kinh_te", year=2025), ADMIN, f"bench-{i}")

        name = f"command RegisterModel, {connections} connection{'s' if connections > 1 else ''}"
        report.line(name, commands, await in_parallel(commands, connections, platform), raw_rate,
                    "raw same tx")
        report.check(name, await pool.fetchval("select count(*) from models") - before == commands,
                     "not every command registered its model")
    finally:
        await pool.close()
