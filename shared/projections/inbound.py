"""Events received from other services, recorded in the receiving service's own log.

A consumer records the contract it received in its inbox transaction, as version 1 of a stream of
its own (`inbound-<event id>`, event type = the CloudEvents type, the same event id). Its read
models are projections of those stored events, so every read model — also one fed from another
service — can be rebuilt from this service's own log. A second copy of the same event (another
consumer of this service, a redelivery) is recorded once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from shared.envelope import CloudEvent
from shared.store.event_store import StoredEvent

INBOUND_STREAM_TYPE = "inbound"


def _metadata(ce: CloudEvent) -> dict[str, Any]:
    return {"source": ce.source, "subject": ce.subject, "time": ce.time.isoformat(), "extensions": ce.extensions}


def inbound_event(ce: CloudEvent, recorded_at: datetime) -> StoredEvent:
    """The event as `record_inbound` will store it (its `recorded_at` is the transaction's `now()`), for
    the projections that run before it is written; its position is not known yet and not used."""
    return StoredEvent(0, ce.event_id, f"inbound-{ce.id}", 1, ce.type, ce.data, _metadata(ce), recorded_at)


async def record_inbound(conn: asyncpg.Connection, events: list[CloudEvent]) -> None:
    """Store received events in one statement, positions in the list's order; an event this service
    had recorded already is skipped."""
    await conn.execute(
        """insert into events (event_id, stream_id, stream_type, version, event_type, payload, metadata)
           select e.id, e.stream, $1, 1, e.type, e.payload::jsonb, e.metadata::jsonb
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
                  with ordinality as e(id, stream, type, payload, metadata, n)
            order by e.n
           on conflict (event_id) do nothing""",
        INBOUND_STREAM_TYPE, [ce.event_id for ce in events], [f"inbound-{ce.id}" for ce in events],
        [ce.type for ce in events],
        [json.dumps(ce.data, ensure_ascii=False) for ce in events],
        [json.dumps(_metadata(ce), ensure_ascii=False) for ce in events])


def cloud_event_of(event: StoredEvent) -> CloudEvent:
    """The CloudEvent as it was received, for projections that need its attributes."""
    meta = event.metadata
    return CloudEvent(id=str(event.event_id), source=str(meta.get("source", "")), type=event.event_type,
                      time=datetime.fromisoformat(str(meta["time"])), subject=meta.get("subject"),
                      data=event.payload, extensions=dict(meta.get("extensions") or {}))
