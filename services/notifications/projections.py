"""The service's tables: written in the transaction of the command or the delivered event they
come from, read by the query routes.

- `webhook_endpoints`: the projection `notifications.webhook_endpoints` of the WebhookEndpoint streams.
- `webhook_secrets`: the signing secrets, outside the event log on purpose: NOT a projection, never
  rebuilt (the log holds only a fingerprint); written by the registering handler.
- `notifications`: the in-app inbox, one row per (event, unit): the projection `notifications.inbox`
  of the received events this service records; who read what is kept across a rebuild (`carry_over`).
- `webhook_deliveries`: the outgoing queue, one row per (endpoint, event) with the exact body. A queue,
  not a read model: rebuilding it would send again, so the consumer writes it as its effect.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeAlias
from uuid import UUID

import asyncpg

from services.notifications.domain import EVENT_TYPES, WebhookEndpointDisabled, WebhookEndpointRegistered
from services.notifications.templates import Rendered, render
from shared.contracts import AwardGranted, InspectionFailed, InspectionPassed, IntegrationEvent, ModelRegistered
from shared.envelope import CloudEvent
from shared.projections import Projection, cloud_event_of
from shared.store.event_store import StoredEvent

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def add_endpoint(conn: asyncpg.Connection, e: WebhookEndpointRegistered, actor: str, version: int) -> None:
    await conn.execute(
        """insert into webhook_endpoints (id, url, description, org_path, event_types, status, secret_fingerprint,
                                          created_at, created_by, version, org_unit_id)
           values ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10)
           on conflict (id) do nothing""",
        e.endpoint_id, e.url, e.description, e.org_path, list(e.event_types), e.secret_fingerprint, e.at, actor,
        version, e.org_unit_id)


async def add_secret(conn: asyncpg.Connection, endpoint_id: UUID, secret: str) -> None:
    await conn.execute("insert into webhook_secrets (endpoint_id, secret) values ($1, $2)", endpoint_id, secret)


async def disable_endpoint(conn: asyncpg.Connection, e: WebhookEndpointDisabled, actor: str, version: int) -> None:
    await conn.execute(
        """update webhook_endpoints set status = 'disabled', disabled_at = $2, disabled_by = $3, version = $4
           where id = $1 and version < $4""", e.endpoint_id, e.at, actor, version)


async def cancel_deliveries(conn: asyncpg.Connection, endpoint_id: UUID) -> int:
    """Cancel what a disabled endpoint still had queued; returns how many were cancelled."""
    result: str = await conn.execute(
        """update webhook_deliveries set status = 'cancelled', last_error = 'endpoint disabled'
           where endpoint_id = $1 and status = 'pending'""", endpoint_id)
    return int(result.split()[-1])


async def add_notification(conn: asyncpg.Connection, *, event_id: UUID, event_type: str, org_path: str,
                           owner_org_unit_id: UUID | None, subject: str | None, text: Rendered,
                           occurred_at: datetime, created_at: datetime) -> bool:
    """One inbox row per (event, unit); False when it is there already (the constraint is the guard,
    a second line behind the consumer's inbox)."""
    inserted = await conn.fetchval(
        """insert into notifications (id, event_id, event_type, org_path, subject, title_vi, title_en,
                                      body_vi, body_en, occurred_at, created_at, owner_org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           on conflict (event_id, org_path) do nothing returning true""",
        notification_id(event_id, org_path), event_id, event_type, org_path, subject, text.title.vi, text.title.en,
        text.body.vi, text.body.en, occurred_at, created_at, owner_org_unit_id)
    return bool(inserted)


def notification_id(event_id: UUID, org_path: str) -> UUID:
    """Derived, not drawn: a rebuilt inbox gives every notification the id it had."""
    return uuid.uuid5(event_id, org_path)


def owner_unit_of(event: IntegrationEvent) -> UUID | None:
    """The unit the event is about, as its contract names it (older contracts may not)."""
    value = getattr(event, "owner_org_unit_id", None)
    return value if isinstance(value, UUID) else None


def entity_of(event: IntegrationEvent) -> UUID | None:
    """The model the event is about: a split may have sent it to another successor than its unit's."""
    value = getattr(event, "model_id", None)
    return value if isinstance(value, UUID) else None


def occurred_at(event: IntegrationEvent, ce: CloudEvent) -> datetime:
    """The time the fact happened, as the contract states it; ce-time if a contract had none."""
    for name in ("registered_at", "inspected_at", "granted_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    return ce.time


class WebhookEndpointsProjection(Projection):
    name = "notifications.webhook_endpoints"
    tables = ("webhook_endpoints",)
    handles = frozenset({WebhookEndpointRegistered.NAME, WebhookEndpointDisabled.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        e = EVENT_TYPES.load(event.event_type, event.payload)
        actor = str(event.metadata["actor"])
        if isinstance(e, WebhookEndpointRegistered):
            await add_endpoint(conn, e, actor, event.version)
        elif isinstance(e, WebhookEndpointDisabled):
            await disable_endpoint(conn, e, actor, event.version)


INBOX_CONTRACTS: tuple[type[IntegrationEvent], ...] = (ModelRegistered, InspectionPassed, InspectionFailed,
                                                       AwardGranted)


class InboxProjection(Projection):
    """The in-app inbox: one notification per received event, for the unit it is about."""

    name = "notifications.inbox"
    tables = ("notifications",)
    handles = frozenset(c.ce_type() for c in INBOX_CONTRACTS)

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        ce = cloud_event_of(event)
        contract = ce.contract()
        await add_notification(
            conn, event_id=event.event_id, event_type=event.event_type, org_path=contract.org_path,
            owner_org_unit_id=owner_unit_of(contract), subject=ce.subject, text=render(contract),
            occurred_at=occurred_at(contract, ce), created_at=event.recorded_at)

    async def carry_over(self, conn: asyncpg.Connection) -> None:
        """Who read what is not in the log: keep it (and the ids of rows older than derived ids)."""
        await conn.execute(
            """update notifications n set id = o.id, created_at = o.created_at, read_at = o.read_at,
                                          read_by = o.read_by
               from public.notifications o where o.event_id = n.event_id and o.org_path = n.org_path""")


PROJECTIONS: list[Projection] = [WebhookEndpointsProjection(), InboxProjection()]


async def enqueue_deliveries(conn: asyncpg.Connection, *, event_id: UUID, event_type: str, org_path: str,
                             owner_org_unit_id: UUID | None, entity_id: UUID | None, payload: str) -> int:
    """One delivery per active endpoint whose subtree carries the event's unit now and whose types
    include this one. Both sides go through the hierarchy: an endpoint of a commune merged since
    listens for its successor's subtree, and an event about a merged commune reaches the successor's.

    An endpoint registered after the event was applied does not get it: endpoints receive events
    from their registration on, never a backlog.

    `for share of e` orders this against a concurrent disable: if the disable holds the row, this
    waits and then re-reads it (no longer active, so nothing is queued); if this holds it, the
    disable waits for this commit and its "cancel what is pending" then sees the new rows.
    Without it, a delivery queued in that instant would still be sent after the DELETE.
    """
    result: str = await conn.execute(
        """insert into webhook_deliveries (id, endpoint_id, event_id, event_type, payload)
           select gen_random_uuid(), e.id, $1, $2, $3
           from webhook_endpoints e
           where e.status = 'active'
             and dvk_carrier(dvk_unit_of($5, $4), $6)
                 in (select dvk_subtree(dvk_carrier(dvk_unit_of(e.org_unit_id, e.org_path))))
             and (cardinality(e.event_types) = 0 or $2 = any(e.event_types))
           for share of e
           on conflict (endpoint_id, event_id) do nothing""",
        event_id, event_type, payload, org_path, owner_org_unit_id, entity_id)
    return int(result.split()[-1])
