"""How long a service keeps what it only needs for a while: idempotency keys.

A key answers a client's retry with the first answer; retries come within minutes or, after an
outage, days. Kept for `DVK_IDEMPOTENCY_RETENTION_DAYS` (7 by default) and then removed, so the table
does not grow with every command ever accepted. A request repeating a removed key is a new command.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

log = logging.getLogger(__name__)
SWEEP_EVERY_SECONDS = 3600.0


async def expire_idempotency_keys(pool: asyncpg.Pool, keep_for: timedelta) -> int:
    """Remove keys older than `keep_for`; how many were removed."""
    status: str = await pool.execute("delete from idempotency_keys where created_at < now() - $1::interval",
                                     keep_for)
    return int(status.split()[-1])


async def sweep_idempotency_keys(pool: asyncpg.Pool, keep_for: timedelta,
                                 every: float = SWEEP_EVERY_SECONDS) -> None:
    """The loop a service runs beside its relay; a failed sweep is logged and tried again next time."""
    while True:
        try:
            removed = await expire_idempotency_keys(pool, keep_for)
            if removed:
                log.info("removed %d idempotency keys older than %s", removed, keep_for)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("idempotency keys not swept this time: %r", exc)
        await asyncio.sleep(every)
