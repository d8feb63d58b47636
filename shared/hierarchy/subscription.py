"""The durable consumer through which a service keeps its copy of the hierarchy.

One consumer for all of the registry's events (`<service>__org_units`), so the org-unit events arrive in
the order the registry published them; the registry's other events are acknowledged and ignored. An
event that needs one not applied yet raises `HierarchyOutOfOrder`, and the delivery path retries it with
back-off like any other failure of an effect.
"""

from __future__ import annotations

import asyncpg

from shared.contracts import ORG_UNIT_EVENTS, IntegrationEvent
from shared.envelope import CloudEvent
from shared.hierarchy.model import apply
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of
from shared.subjects import service_filter


async def _on_registry_event(conn: asyncpg.Connection, ce: CloudEvent, event: IntegrationEvent) -> None:
    if isinstance(event, ORG_UNIT_EVENTS):
        await apply(conn, event)


def hierarchy_subscription(service: str) -> Subscription:
    return Subscription(
        consumer=f"{service}__org_units",
        stream=stream_of("registry"),
        filter_subject=service_filter("registry"),
        handler=_on_registry_event,
        description="Cây tổ chức từ đăng ký → bản sao cây tổ chức của dịch vụ — org units from the registry",
    )
