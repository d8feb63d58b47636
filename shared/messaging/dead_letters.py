"""What an operator does with dead letters: list them, replay one once its cause is fixed, or
dismiss one that can never apply (e.g. a message that is not a platform event at all).

Replay is a delivery: the stored message passes the same checks as a live one (envelope, contract,
subject against body, source against subject) and the same inbox path, so replaying an event that
got applied meanwhile changes nothing and replaying twice is harmless. Which letters an administrator
sees and may replay is decided by the unit the stored *body* names, through the hierarchy — never by
a header the publisher wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from shared import hierarchy
from shared.auth.principal import Principal
from shared.auth.scope import resolve_scope
from shared.envelope import EnvelopeError
from shared.http.pages import Page, Paging, fetch_page
from shared.messaging.delivery import DeliveryProcessor, Subscription, checked_event, refresh_open_gauge

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


@dataclass(frozen=True)
class LetterScope:
    unit_id: UUID | None
    """Letters about this unit's subtree; None: every letter (operators at the host, tests)."""
    whole_tree: bool
    """Also letters naming no unit (never valid events): for administrators of a root unit only."""


EVERY_LETTER = LetterScope(None, True)


async def letter_scope(db: asyncpg.Pool | asyncpg.Connection, principal: Principal) -> LetterScope:
    scope = await resolve_scope(db, principal)
    unit = await hierarchy.unit(db, scope.unit_id)
    return LetterScope(scope.unit_id, unit is not None and unit.parent_id is None)


_IN_SCOPE = """($1::uuid is null
                or dvk_carrier(dvk_letter_unit(body)) in (select dvk_subtree($1::uuid))
                or (dvk_letter_unit(body) is null and $2::boolean))"""


async def list_dead_letters(pool: asyncpg.Pool, include_resolved: bool = False, scope: LetterScope = EVERY_LETTER,
                            paging: Paging | None = None) -> Page[DeadLetter]:
    """Open letters (or all) about the scope's subtree, oldest first."""
    return await fetch_page(pool, f"select * from dead_letters where ($3 or resolved_at is null) and {_IN_SCOPE}",
                            scope.unit_id, scope.whole_tree, include_resolved, order_by="id",
                            paging=paging or Paging(limit=500), item=_row)


class ReplayError(Exception):
    pass


class DeadLetterNotFound(ReplayError):
    """No such letter, or none the caller's scope may see."""


async def _open_letter(pool: asyncpg.Pool, letter_id: int, scope: LetterScope) -> asyncpg.Record:
    row = await pool.fetchrow(f"select * from dead_letters where id = $3 and {_IN_SCOPE}",
                              scope.unit_id, scope.whole_tree, letter_id)
    if row is None:
        raise DeadLetterNotFound(f"no dead letter {letter_id}")
    if row["resolved_at"] is not None:
        raise ReplayError(f"dead letter {letter_id} was already {row['resolution']}")
    return row


async def replay_dead_letter(pool: asyncpg.Pool, processor: DeliveryProcessor,
                             subscriptions: dict[str, Subscription], letter_id: int,
                             scope: LetterScope = EVERY_LETTER) -> bool:
    """Apply a dead letter now; returns False if the inbox shows it was applied already."""
    row = await _open_letter(pool, letter_id, scope)
    sub = subscriptions.get(row["consumer"])
    if sub is None:
        raise ReplayError(f"this service has no consumer {row['consumer']}")
    if sub.filter_subject != row["subject"] and not _matches(sub.filter_subject, row["subject"]):
        raise ReplayError(f"subject {row['subject']} is not one consumer {sub.consumer} reads")
    try:
        cloud_event, event = checked_event(row["subject"], json.loads(row["headers"]), bytes(row["body"]))
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


async def dismiss_dead_letter(pool: asyncpg.Pool, service: str, letter_id: int,
                              scope: LetterScope = EVERY_LETTER) -> None:
    """Close a dead letter without applying it; it stays in the table for the record."""
    await _open_letter(pool, letter_id, scope)
    await pool.execute("update dead_letters set resolved_at = now(), resolution = 'dismissed' where id = $1",
                       letter_id)
    await refresh_open_gauge(pool, service)


def _matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)
