"""The durable consumer through which a service keeps its copy of the hierarchy.

One consumer for all of the registry's events (`<service>__org_units`), so the org-unit events arrive in
the order the registry published them. The delivery path records each in the service's log and the
service's `hierarchy_projection` applies it; an event that needs one not applied yet raises
`HierarchyOutOfOrder` there, and the delivery path retries it with back-off like any other failure.
"""

from __future__ import annotations

import asyncpg

from shared.contracts import IntegrationEvent
from shared.envelope import CloudEvent
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of
from shared.subjects import service_filter


async def _recorded(conn: asyncpg.Connection, ce: CloudEvent, event: IntegrationEvent) -> None:
    """Nothing beyond what the delivery path does: record the event and feed the projections."""


def hierarchy_subscription(service: str) -> Subscription:
    return Subscription(
        consumer=f"{service}__org_units",
        stream=stream_of("registry"),
        filter_subject=service_filter("registry"),
        handler=_recorded,
        description="Cây tổ chức từ đăng ký → bản sao cây tổ chức của dịch vụ — org units from the registry",
    )
