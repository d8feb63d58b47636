"""Idempotency keys are kept for the retention period and then removed, with nothing else touched."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import asyncpg
import pytest

from shared.store.retention import expire_idempotency_keys, sweep_idempotency_keys
from tests.integration.polling import eventually

pytestmark = pytest.mark.integration


async def _key(pool: asyncpg.Pool, key: str, age: timedelta) -> None:
    await pool.execute("""insert into idempotency_keys (actor, key, command, request_hash, status_code, response,
                                                        created_at)
                          values ('u1', $1, 'RegisterModel', 'h', 201, $2::jsonb, now() - $3::interval)""",
                       key, json.dumps({"id": key}), age)


async def _keys(pool: asyncpg.Pool) -> list[str]:
    return [r["key"] for r in await pool.fetch("select key from idempotency_keys order by key")]


async def test_keys_older_than_the_retention_are_removed_and_the_rest_kept(platform_db: str) -> None:
    pool = await asyncpg.create_pool(platform_db)
    try:
        await _key(pool, "a-fresh", timedelta(hours=1))
        await _key(pool, "b-six-days", timedelta(days=6, hours=23))
        await _key(pool, "c-eight-days", timedelta(days=8))
        assert await expire_idempotency_keys(pool, timedelta(days=7)) == 1
        assert await _keys(pool) == ["a-fresh", "b-six-days"]
        assert await expire_idempotency_keys(pool, timedelta(days=7)) == 0
    finally:
        await pool.close()


async def test_the_sweep_runs_in_the_background_until_cancelled(platform_db: str) -> None:
    pool = await asyncpg.create_pool(platform_db)
    try:
        await _key(pool, "old", timedelta(days=30))
        sweeping = asyncio.create_task(sweep_idempotency_keys(pool, timedelta(days=7), every=0.05))
        await eventually(lambda: _empty(pool))
        await _key(pool, "older", timedelta(days=31))  # a later sweep takes this one too
        await eventually(lambda: _empty(pool))
        sweeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(sweeping, 10)
    finally:
        await pool.close()


async def _empty(pool: asyncpg.Pool) -> bool:
    return await _keys(pool) == []
