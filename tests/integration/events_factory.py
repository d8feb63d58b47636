"""Real public events for tests: built and published exactly as a service's relay would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from nats.js import JetStreamContext

from shared.contracts import IntegrationEvent, ModelRegistered
from shared.envelope import CloudEvent
from shared.store.outbox import to_cloud_event
from shared.subjects import event_subject


def model_registered(org_path: str = "VN.15.04321", title: str = "Mô hình dân vận khéo") -> ModelRegistered:
    return ModelRegistered(
        org_path=org_path, model_id=uuid.uuid4(), title=title, owner_org_unit_id=uuid.uuid4(),
        owner_org_name="Xã Bảo Hà", recipient_kind="collective", field="kinh_te", year=2025,
        registered_at=datetime.now(UTC))


def cloud_event(event: IntegrationEvent, event_id: uuid.UUID | None = None) -> CloudEvent:
    return to_cloud_event(event, event_id=event_id or uuid.uuid4(), time=datetime.now(UTC), instance="test",
                          entity="test/1", actor="tester", correlation_id=str(uuid.uuid4()))


async def publish(js: JetStreamContext, event: IntegrationEvent, ce: CloudEvent | None = None,
                  msg_id: str | None = None) -> CloudEvent:
    """Publish as the relay does; `msg_id` overrides Nats-Msg-Id to get past the duplicate window."""
    ce = ce or cloud_event(event)
    headers, body = ce.to_nats()
    if msg_id is not None:
        headers["Nats-Msg-Id"] = msg_id
    await js.publish(event_subject(event.SERVICE, event.NAME, event.org_path), body, headers=headers)
    return ce
