"""Append-only event store on PostgreSQL, after the pattern of a tracking recorder.

`unique (stream_id, version)` is the only concurrency guard: two writers that loaded the same
version both try to insert version n+1, and the database lets exactly one of them commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.domain.events import DomainEvent, EventTypes


class ConcurrencyError(Exception):
    """Someone else appended to the stream first: reload and decide again, or tell the user (409)."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} moved past version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event_id: UUID
    stream_id: str
    version: int
    event_type: str
    payload: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True)
class Append:
    """New events for one stream, after the version it had when loaded (0 for a new stream)."""

    stream_id: str
    stream_type: str
    expected_version: int
    events: list[tuple[UUID, DomainEvent]]


class EventStore:
    def __init__(self, types: EventTypes) -> None:
        self.types = types

    async def load(self, conn: asyncpg.Connection, stream_id: str) -> list[DomainEvent]:
        rows = await conn.fetch(
            "select event_type, payload from events where stream_id = $1 order by version", stream_id)
        return [self.types.load(r["event_type"], json.loads(r["payload"])) for r in rows]

    async def append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        stream_type: str,
        expected_version: int,
        events: list[tuple[UUID, DomainEvent]],
        metadata: dict[str, Any],
    ) -> list[StoredEvent]:
        stored: list[StoredEvent] = []
        meta = json.dumps(metadata, ensure_ascii=False)
        # No savepoint: a lost race aborts the whole command transaction, and the executor decides the
        # command again on fresh state (shared/commands.py) — a savepoint would cost two round trips
        # for a transaction that is never continued after the error.
        try:
            for offset, (event_id, event) in enumerate(events, start=1):
                row = await conn.fetchrow(
                    """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                       values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
                       returning position, recorded_at""",
                    event_id, stream_id, stream_type, expected_version + offset, event.NAME,
                    event.model_dump_json(), meta)
                stored.append(StoredEvent(row["position"], event_id, stream_id, expected_version + offset,
                                          event.NAME, event.model_dump(mode="json"), metadata,
                                          row["recorded_at"]))
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_stream_id_version_key":
                raise ConcurrencyError(stream_id, expected_version) from exc
            raise
        return stored

    async def append_all(self, conn: asyncpg.Connection, appends: list[Append], metadata: dict[str, Any]
                         ) -> list[StoredEvent]:
        """Many streams' events in one statement, in the order given: an import's thousands of units.

        The same guard as `append`: a stream that moved past its expected version fails the statement
        and the whole command (its `ConcurrencyError` names the first stream given, the statement
        cannot tell which one lost)."""
        rows = [(event_id, a.stream_id, a.stream_type, a.expected_version + offset, event.NAME,
                 event.model_dump_json(), event)
                for a in appends for offset, (event_id, event) in enumerate(a.events, start=1)]
        if not rows:
            return []
        meta = json.dumps(metadata, ensure_ascii=False)
        try:
            written = await conn.fetch(
                """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
                   select event_id, stream_id, stream_type, version, event_type, payload::jsonb, $7::jsonb
                   from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[])
                        with ordinality as t(event_id, stream_id, stream_type, version, event_type, payload, n)
                   order by n
                   returning event_id, position, recorded_at""",
                *(list(column) for column in zip(*(r[:6] for r in rows), strict=True)), meta)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_stream_id_version_key":
                raise ConcurrencyError(appends[0].stream_id, appends[0].expected_version) from exc
            raise
        at = {w["event_id"]: w for w in written}
        return [StoredEvent(at[r[0]]["position"], r[0], r[1], r[3], r[4], r[6].model_dump(mode="json"), metadata,
                            at[r[0]]["recorded_at"]) for r in rows]
