"""What an operator does with dead letters: list them, replay one once its cause is fixed, or
dismiss one that can never apply (e.g. a message that is not a platform event at all).

Replay goes through the same inbox path as a live delivery, so replaying an event that somehow
got applied meanwhile changes nothing, and replaying twice is harmless.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from shared.envelope import CloudEvent, EnvelopeError
from shared.messaging.delivery import DeliveryProcessor, Subscription, refresh_open_gauge

_COLUMNS = ("id", "consumer", "event_id", "subject", "reason", "error", "attempts", "created_at", "resolved_at",
            "resolution")


class DeadLetter(BaseModel):
    id: int
    consumer: str
    event_id: str | None
    subject: str
    reason: str
    error: str
    attempts: int
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    headers: dict[str, Any]
    body: str


def _row(row: asyncpg.Record) -> DeadLetter:
    return DeadLetter(**{k: row[k] for k in _COLUMNS}, headers=json.loads(row["headers"]),
                      body=bytes(row["body"]).decode(errors="replace"))


_IN_SCOPE = """(headers->>'ce-orgpath' = $1 or headers->>'ce-orgpath' like $1 || '.%'
                 or (headers->>'ce-orgpath' is null and strpos($1, '.') = 0))"""
"""A letter belongs to the unit its event is about; one with no org path (it was never a valid event)
is shown only to administrators of a whole tree (a root scope such as `VN`)."""


async def list_dead_letters(pool: asyncpg.Pool, include_resolved: bool = False, scope: str = "") -> list[DeadLetter]:
    """Open letters (or all) whose events concern `scope`'s subtree; the empty scope sees everything."""
    rows = await pool.fetch(
        f"select * from dead_letters where ($2 or resolved_at is null) and ($1 = '' or {_IN_SCOPE}) order by id",
        scope, include_resolved)
    return [_row(r) for r in rows]


class ReplayError(Exception):
    pass


class DeadLetterNotFound(ReplayError):
    """No such letter, or none the caller's scope may see."""


async def _open_letter(pool: asyncpg.Pool, letter_id: int, scope: str) -> asyncpg.Record:
    row = await pool.fetchrow(f"select * from dead_letters where id = $2 and ($1 = '' or {_IN_SCOPE})",
                              scope, letter_id)
    if row is None:
        raise DeadLetterNotFound(f"no dead letter {letter_id}")
    if row["resolved_at"] is not None:
        raise ReplayError(f"dead letter {letter_id} was already {row['resolution']}")
    return row


async def replay_dead_letter(pool: asyncpg.Pool, processor: DeliveryProcessor,
                             subscriptions: dict[str, Subscription], letter_id: int, scope: str = "") -> bool:
    """Apply a dead letter now; returns False if the inbox shows it was applied already."""
    row = await _open_letter(pool, letter_id, scope)
    sub = subscriptions.get(row["consumer"])
    if sub is None:
        raise ReplayError(f"this service has no consumer {row['consumer']}")
    try:
        cloud_event = CloudEvent.from_nats(json.loads(row["headers"]), bytes(row["body"]))
        event = cloud_event.contract()
    except EnvelopeError as exc:
        raise ReplayError(f"dead letter {letter_id} is still not a valid event ({exc}); dismiss it") from exc

    async def mark(conn: asyncpg.Connection) -> None:
        await conn.execute(
            "update dead_letters set resolved_at = now(), resolution = 'replayed' where id = $1", letter_id)

    applied = await processor.apply(sub, cloud_event, event, conn_hook=mark)
    if not applied:
        await pool.execute(
            "update dead_letters set resolved_at = now(), resolution = 'replayed' where id = $1", letter_id)
    await refresh_open_gauge(pool, processor.service)
    return applied


async def dismiss_dead_letter(pool: asyncpg.Pool, service: str, letter_id: int, scope: str = "") -> None:
    """Close a dead letter without applying it; it stays in the table for the record."""
    await _open_letter(pool, letter_id, scope)
    await pool.execute("update dead_letters set resolved_at = now(), resolution = 'dismissed' where id = $1",
                       letter_id)
    await refresh_open_gauge(pool, service)
