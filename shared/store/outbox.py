"""Writing to the transactional outbox: the public event is stored in the command's transaction.

What goes in is the complete NATS message (subject, CloudEvents headers, body), so the relay only
copies rows to JetStream and never needs the domain code.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts import IntegrationEvent
from shared.envelope import CloudEvent, source_of
from shared.store.wakeups import OUTBOX_WAKEUP
from shared.subjects import event_subject


def to_cloud_event(
    event: IntegrationEvent,
    *,
    event_id: UUID,
    time: datetime,
    instance: str,
    entity: str,
    actor: str,
    correlation_id: str,
    causation_id: str | None = None,
) -> CloudEvent:
    extensions = {"orgpath": event.org_path, "actor": actor, "correlationid": correlation_id}
    if causation_id:
        extensions["causationid"] = causation_id
    return CloudEvent(
        id=str(event_id), source=source_of(instance, event.SERVICE), type=event.ce_type(), time=time,
        subject=entity, data=event.model_dump(mode="json"), extensions=extensions,
    )


async def enqueue(conn: asyncpg.Connection, event: IntegrationEvent, cloud_event: CloudEvent) -> None:
    headers, body = cloud_event.to_nats()
    await conn.execute(
        "insert into outbox (event_id, subject, headers, body) values ($1, $2, $3::jsonb, $4)",
        UUID(cloud_event.id), event_subject(event.SERVICE, event.NAME, event.org_path), json.dumps(headers), body,
    )


async def enqueue_all(conn: asyncpg.Connection, items: list[tuple[IntegrationEvent, CloudEvent]]) -> None:
    """Many public events in one statement, in the order given (the relay publishes by `id`)."""
    rows = []
    for event, cloud_event in items:
        headers, body = cloud_event.to_nats()
        rows.append((UUID(cloud_event.id), event_subject(event.SERVICE, event.NAME, event.org_path),
                     json.dumps(headers), body))
    if rows:
        await conn.execute(
            """insert into outbox (event_id, subject, headers, body)
               select event_id, subject, headers::jsonb, body
               from unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[]) with ordinality
                    as t(event_id, subject, headers, body, n)
               order by n""",
            *(list(column) for column in zip(*rows, strict=True)))


async def republish_from(conn: asyncpg.Connection, position: int) -> int:
    """Queue again the public events written with the stored events from `position` on.

    The kept outbox rows go back to the relay unchanged, so they are sent with the event ids they
    had: JetStream's duplicate window drops a copy it still remembers, and every consumer's inbox
    ignores one it already applied. Returns how many rows were queued again.
    """
    result: str = await conn.execute(
        """update outbox set published_at = null
           where published_at is not null
             and tx_id in (select distinct tx_id from events where position >= $1)""", position)
    await OUTBOX_WAKEUP.signal(conn)
    return int(result.split()[-1])
