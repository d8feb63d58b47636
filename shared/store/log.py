"""Reading a service's event log in order, never skipping an event that is still being written.

Positions come from an identity column, so they are handed out when a row is inserted, not when
its transaction commits: a transaction holding position 41 may commit after one holding 42. A
reader that remembered "I am at 42" would skip 41 for ever. So the log is read in
`(tx_id, position)` order and only below the oldest transaction still open
(`pg_snapshot_xmin(pg_current_snapshot())`): everything there has committed or never will, and a
row that becomes visible later belongs to a transaction at or above that bound, i.e. after the
reader's checkpoint. The readable log therefore only grows at its end.

Per-stream order follows from one rule the writers keep: a transaction loads the streams it
appends to before its first write (which is when PostgreSQL gives it its id). Version n+1 was
decided after version n committed, so its transaction's id is larger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.store.event_store import StoredEvent


@dataclass(frozen=True, order=True)
class Checkpoint:
    """A place in the log: the last event read. `Checkpoint()` is before the first event."""

    tx_id: int = 0
    position: int = 0


@dataclass(frozen=True)
class LoggedEvent:
    checkpoint: Checkpoint
    event: StoredEvent


_COLUMNS = """events.tx_id::text as tx_text, position, event_id, stream_id, version, event_type, payload, metadata,
              recorded_at"""


def _row(row: asyncpg.Record) -> LoggedEvent:
    payload: dict[str, Any] = json.loads(row["payload"])
    metadata: dict[str, Any] = json.loads(row["metadata"])
    event = StoredEvent(row["position"], row["event_id"], row["stream_id"], row["version"], row["event_type"],
                        payload, metadata, row["recorded_at"])
    return LoggedEvent(Checkpoint(int(row["tx_text"]), row["position"]), event)


async def read_log(conn: asyncpg.Connection, after: Checkpoint, limit: int = 500,
                   event_types: frozenset[str] | None = None, *, final_only: bool = True) -> list[LoggedEvent]:
    """The next events after `after`, oldest first.

    `final_only=False` drops the bound on open transactions: only correct while the caller holds
    a lock that keeps every writer out of `events` (the swap of a projection rebuild does).
    """
    bound = "and tx_id < pg_snapshot_xmin(pg_current_snapshot())" if final_only else ""
    types = "and event_type = any($4::text[])" if event_types is not None else ""
    args: list[Any] = [str(after.tx_id), after.position, limit]
    if event_types is not None:
        args.append(sorted(event_types))
    rows = await conn.fetch(
        f"""select {_COLUMNS} from events
            where (tx_id, position) > ($1::text::xid8, $2::bigint) {bound} {types}
            order by events.tx_id, events.position limit $3""", *args)
    return [_row(r) for r in rows]


async def log_end(conn: asyncpg.Connection) -> Checkpoint:
    """The last readable event's place (where a reader that has read everything final stands)."""
    row = await conn.fetchrow(
        """select tx_id::text as tx_text, position from events
           where tx_id < pg_snapshot_xmin(pg_current_snapshot())
           order by events.tx_id desc, events.position desc limit 1""")
    return Checkpoint() if row is None else Checkpoint(int(row["tx_text"]), row["position"])
