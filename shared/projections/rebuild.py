"""Rebuilding a projection from the log into fresh tables, and swapping them in while serving.

1. Fresh, empty copies of the projection's tables are created in the schema `dvk_rebuild`
   (`like public.t including all`).
2. The log is replayed in batches on a connection whose `search_path` is `dvk_rebuild, public`,
   so the projection's own unqualified SQL writes the fresh tables. Each batch commits together
   with the progress in the projection's tracking row. Commands keep writing the live tables.
3. The swap is one short transaction: `lock_timeout` (so the swap gives way on contention, never
   a command, and is retried with back-off), `lock table events in exclusive mode` (waits for the
   writers in flight, holds off new appends while reads continue), the last events applied, what
   the log does not hold carried over, the live tables moved away, the fresh ones moved into
   `public` (their indexes renamed to the live ones' names), the old ones dropped, the tracking
   row marked live.

A projection without a tracking row at start (one a later release added) is built the same way
before the service serves. Service migrations insert the rows of the projections they create, so
an existing instance never rebuilds a read model it has kept inline all along.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.projections.base import Projection, Projections
from shared.store.log import Checkpoint, read_log

log = logging.getLogger(__name__)

REBUILD_SCHEMA = "dvk_rebuild"
RETIRED_SCHEMA = "dvk_retired"
_LOCK_NAMESPACE = 0x64766B70  # "dvkp"


class RebuildBusy(RuntimeError):
    """Another rebuild of the same projection is running."""


@dataclass(frozen=True)
class Tracking:
    name: str
    status: str | None
    tx_id: int | None
    position: int
    events: int
    updated_at: datetime | None


@dataclass(frozen=True)
class RebuildResult:
    name: str
    events: int
    swap_attempts: int
    seconds: float


async def tracking(conn: asyncpg.Connection | asyncpg.Pool, projections: Projections) -> list[Tracking]:
    rows = {r["name"]: r for r in await conn.fetch(
        "select name, status, tx_id::text as tx, position, events, updated_at from projection_tracking")}
    out = []
    for p in projections:
        r = rows.get(p.name)
        out.append(Tracking(p.name, None, None, 0, 0, None) if r is None else
                   Tracking(p.name, r["status"], None if r["tx"] is None else int(r["tx"]), r["position"],
                            r["events"], r["updated_at"]))
    return out


def _quoted(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain table name: {name!r}")
    return name


async def _apply_batch(conn: asyncpg.Connection, projection: Projection, after: Checkpoint, limit: int,
                       final_only: bool) -> tuple[Checkpoint, int]:
    batch = await read_log(conn, after, limit, projection.handles, final_only=final_only)
    await projection.apply_batch(conn, [logged.event for logged in batch])
    if not batch:
        return after, 0
    end = batch[-1].checkpoint
    await conn.execute(
        """update projection_tracking set tx_id = $2::text::xid8, position = $3, events = events + $4,
                                          updated_at = now()
           where name = $1""", projection.name, str(end.tx_id), end.position, len(batch))
    return end, len(batch)


async def _indexes(conn: asyncpg.Connection, schema: str, table: str) -> dict[str, str]:
    """Index definition (without its name and schema) → index name."""
    rows = await conn.fetch("select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = $2",
                            schema, table)
    return {re.sub(r"INDEX \S+ ON \S+", "INDEX ON", r["indexdef"]): r["indexname"] for r in rows}


async def _swap(conn: asyncpg.Connection, projection: Projection, after: Checkpoint, batch: int,
                lock_timeout: float) -> int:
    caught_up = 0
    async with conn.transaction():
        await conn.execute(f"set local lock_timeout = '{int(lock_timeout * 1000)}ms'")
        await conn.execute("lock table public.events in exclusive mode")
        # Every writer of `events` has committed or rolled back: all rows are final, read them all.
        while True:
            after, n = await _apply_batch(conn, projection, after, batch, final_only=False)
            caught_up += n
            if n == 0:
                break
        await projection.carry_over(conn)
        await conn.execute(f"create schema if not exists {RETIRED_SCHEMA}")
        for table in map(_quoted, projection.tables):
            live_names = await _indexes(conn, "public", table)
            fresh_names = await _indexes(conn, REBUILD_SCHEMA, table)
            await conn.execute(f"drop table if exists {RETIRED_SCHEMA}.{table}")
            await conn.execute(f"alter table public.{table} set schema {RETIRED_SCHEMA}")
            await conn.execute(f"alter table {REBUILD_SCHEMA}.{table} set schema public")
            await conn.execute(f"drop table {RETIRED_SCHEMA}.{table}")
            for definition, fresh in fresh_names.items():
                live = live_names.get(definition)
                if live is not None and live != fresh:
                    await conn.execute(f'alter index public."{fresh}" rename to "{live}"')
        await conn.execute(
            "update projection_tracking set status = 'live', updated_at = now() where name = $1", projection.name)
    return caught_up


async def rebuild(pool: asyncpg.Pool, projection: Projection, *, batch: int = 5000, lock_timeout: float = 0.5,
                  max_swap_attempts: int = 40) -> RebuildResult:
    """Replay the whole log into fresh tables and swap them in; commands keep being served."""
    started = time.perf_counter()
    async with pool.acquire() as conn:
        key = await conn.fetchval("select hashtext($1)", projection.name)
        if not await conn.fetchval("select pg_try_advisory_lock($1, $2)", _LOCK_NAMESPACE, key):
            raise RebuildBusy(projection.name)
        try:
            async with conn.transaction():
                await conn.execute(f"create schema if not exists {REBUILD_SCHEMA}")
                for table in map(_quoted, projection.tables):
                    await conn.execute(f"drop table if exists {REBUILD_SCHEMA}.{table}")
                    await conn.execute(
                        f"create table {REBUILD_SCHEMA}.{table} (like public.{table} including all)")
                await conn.execute(
                    """insert into projection_tracking (name, tx_id, position, status, events)
                       values ($1, '0'::xid8, 0, 'rebuilding', 0)
                       on conflict (name) do update set tx_id = '0'::xid8, position = 0, status = 'rebuilding',
                           events = 0, started_at = now(), updated_at = now()""", projection.name)
            await conn.execute(f"set search_path = {REBUILD_SCHEMA}, public")
            try:
                after, total = Checkpoint(), 0
                while True:
                    async with conn.transaction():
                        after, n = await _apply_batch(conn, projection, after, batch, final_only=True)
                    total += n
                    if n == 0:
                        break
                attempt = 0
                while True:
                    attempt += 1
                    try:
                        total += await _swap(conn, projection, after, batch, lock_timeout)
                        break
                    except asyncpg.LockNotAvailableError:
                        if attempt >= max_swap_attempts:
                            raise
                        log.info("swap of %s gave way to traffic (attempt %d)", projection.name, attempt)
                        await asyncio.sleep(min(0.05 * 2 ** attempt, 2.0))
                        # Catch up outside the lock, so the next attempt holds it for less.
                        async with conn.transaction():
                            row = await conn.fetchrow(
                                "select tx_id::text as tx, position from projection_tracking where name = $1",
                                projection.name)
                            after = Checkpoint(int(row["tx"]), row["position"])
                            while True:
                                after, n = await _apply_batch(conn, projection, after, batch, final_only=True)
                                total += n
                                if n == 0:
                                    break
            finally:
                await conn.execute("reset search_path")
        finally:
            await conn.execute("select pg_advisory_unlock($1, $2)", _LOCK_NAMESPACE, key)
    seconds = time.perf_counter() - started
    log.info("projection %s rebuilt from %d events in %.2fs (%d swap attempts)", projection.name, total, seconds,
             attempt)
    return RebuildResult(projection.name, total, attempt, seconds)


async def build_missing(pool: asyncpg.Pool, projections: Projections) -> list[str]:
    """Build, before serving, every projection that has no tracking row (one a release added)."""
    built = []
    for t in await tracking(pool, projections):
        if t.status is None:
            projection = projections.get(t.name)
            assert projection is not None
            try:
                await rebuild(pool, projection)
                built.append(t.name)
            except RebuildBusy:
                await _until_live(pool, projection.name)  # another copy of the service is building it
    return built


async def _until_live(pool: asyncpg.Pool, name: str, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while await pool.fetchval("select status from projection_tracking where name = $1", name) != "live":
        if time.monotonic() > deadline:
            raise TimeoutError(f"projection {name} was not built by another copy within {within:.0f} s")
        await asyncio.sleep(0.5)
