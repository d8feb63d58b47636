"""What an operator does with dead letters: list them, and replay one once its cause is fixed.

Replay goes through the same inbox path as a live delivery, so replaying an event that somehow
got applied meanwhile changes nothing, and replaying twice is harmless.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from shared.envelope import CloudEvent
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.observability.metrics import DEAD_LETTERS_OPEN


class DeadLetter(BaseModel):
    id: int
    consumer: str
    event_id: str | None
    subject: str
    reason: str
    error: str
    attempts: int
    created_at: datetime
    replayed_at: datetime | None
    headers: dict[str, Any]
    body: str


def _row(row: asyncpg.Record) -> DeadLetter:
    return DeadLetter(**{k: row[k] for k in ("id", "consumer", "event_id", "subject", "reason", "error", "attempts",
                                             "created_at", "replayed_at")},
                      headers=json.loads(row["headers"]), body=bytes(row["body"]).decode(errors="replace"))


async def list_dead_letters(pool: asyncpg.Pool, include_replayed: bool = False) -> list[DeadLetter]:
    rows = await pool.fetch(
        "select * from dead_letters where $1 or replayed_at is null order by id", include_replayed)
    return [_row(r) for r in rows]


class ReplayError(Exception):
    pass


async def replay_dead_letter(pool: asyncpg.Pool, processor: DeliveryProcessor,
                             subscriptions: dict[str, Subscription], letter_id: int) -> bool:
    """Apply a dead letter now; returns False if the inbox shows it was applied already."""
    row = await pool.fetchrow("select * from dead_letters where id = $1", letter_id)
    if row is None:
        raise ReplayError(f"no dead letter {letter_id}")
    if row["replayed_at"] is not None:
        raise ReplayError(f"dead letter {letter_id} was already replayed")
    sub = subscriptions.get(row["consumer"])
    if sub is None:
        raise ReplayError(f"this service has no consumer {row['consumer']}")
    cloud_event = CloudEvent.from_nats(json.loads(row["headers"]), bytes(row["body"]))
    event = cloud_event.contract()

    async def mark(conn: asyncpg.Connection) -> None:
        await conn.execute("update dead_letters set replayed_at = now() where id = $1", letter_id)

    applied = await processor.apply(sub, cloud_event, event, conn_hook=mark)
    if not applied:
        await pool.execute("update dead_letters set replayed_at = now() where id = $1", letter_id)
    DEAD_LETTERS_OPEN.labels(processor.service).set(
        await pool.fetchval("select count(*) from dead_letters where replayed_at is null"))
    return applied
