"""What the service does with the public events it consumes: an inbox row and the webhook queue.

Both are written with the consumer's connection, inside the transaction that also records the
event in the consumer's inbox, so each event produces its notification and its deliveries exactly
once however often JetStream delivers it. The HTTP calls happen later, in the delivery worker,
never here: a slow or dead receiver must not hold up (or roll back) the consumer.

Durable consumer names are part of the deployment (JetStream keeps their position); they follow
`<service>__<event>` and must not change — a changed configuration is a new name.
"""

from __future__ import annotations

import logging

import asyncpg

from services.notifications import projections
from services.notifications.webhooks import structured_payload
from shared.contracts import AwardGranted, InspectionFailed, InspectionPassed, IntegrationEvent, ModelRegistered
from shared.envelope import CloudEvent
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of
from shared.subjects import service_filter

log = logging.getLogger(__name__)


async def notify(conn: asyncpg.Connection, ce: CloudEvent, event: IntegrationEvent) -> None:
    """One queued delivery per matching endpoint. The inbox row is written by the projection
    `notifications.inbox` from the recorded event, just before this, in the same transaction."""
    queued = await projections.enqueue_deliveries(
        conn, event_id=ce.event_id, event_type=ce.type, org_path=event.org_path,
        owner_org_unit_id=projections.owner_unit_of(event), entity_id=projections.entity_of(event),
        payload=structured_payload(ce))
    log.debug("event %s (%s) about %s: %d webhook deliveries queued", ce.id, ce.type, event.org_path, queued)


def _subscription(contract: type[IntegrationEvent], description: str) -> Subscription:
    return Subscription(
        consumer=f"notifications__{contract.NAME}",
        stream=stream_of(contract.SERVICE),
        filter_subject=service_filter(contract.SERVICE, contract.NAME),
        handler=notify,
        description=description,
    )


SUBSCRIPTIONS: list[Subscription] = [
    _subscription(ModelRegistered, "Báo mô hình mới đăng ký — notify a newly registered model"),
    _subscription(InspectionPassed, "Báo mô hình đạt kiểm tra — notify a passed inspection"),
    _subscription(InspectionFailed, "Báo mô hình chưa đạt kiểm tra — notify a failed inspection"),
    _subscription(AwardGranted, "Báo mô hình được khen thưởng — notify an award"),
]
