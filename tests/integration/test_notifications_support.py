"""Helpers for the notifications integration tests (no tests here; the name keeps it beside them).

- `Receiver` (from `tests.webhook_receiver`): a real HTTP server on 127.0.0.1 that records requests.
- `Hosted`: the notifications service running in-process on its own database and nats-server,
  plus a JetStream client to publish with and a database connection to count rows with.
- Event factories and `publish`, which sends a CloudEvent exactly as a service's relay would.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import asyncpg
import httpx
import nats
from nats.js import JetStreamContext
from nats.js.api import PubAck

from services.notifications.service import DEFINITION
from shared.contracts import AwardGranted, CriterionScore, InspectionPassed, IntegrationEvent, ModelRegistered
from shared.envelope import CloudEvent
from shared.store.outbox import to_cloud_event
from shared.subjects import event_subject
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.webhook_receiver import Received, Receiver

T = TypeVar("T")
AT = datetime(2025, 10, 14, 18, 30, tzinfo=UTC)


@dataclass
class Hosted:
    client: httpx.AsyncClient
    js: JetStreamContext
    db: asyncpg.Connection

    async def count(self, table: str, where: str = "true", *args: object) -> int:
        return int(await self.db.fetchval(f"select count(*) from {table} where {where}", *args))

    async def applied(self, consumer: str, ack: PubAck, within: float = 5.0) -> None:
        """Wait until the durable consumer has acknowledged the published message (or later ones)."""
        async def done() -> bool:
            info = await self.js.consumer_info(ack.stream, consumer)
            return info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= ack.seq
        await eventually(done, within)


@asynccontextmanager
async def running(database: str, nats_url: str, **settings: object) -> AsyncIterator[Hosted]:
    """The notifications service as it runs in production, started first so it creates the streams."""
    async with hosted(DEFINITION, database, nats_url, **settings) as (_, client):
        nc = await nats.connect(nats_url)
        db = await asyncpg.connect(database)
        try:
            yield Hosted(client, nc.jetstream(), db)
        finally:
            await db.close()
            await nc.close()


def model_registered(org_path: str = "VN.15.04321", at: datetime = AT,
                     title: str = "Dân vận khéo trong xây dựng nông thôn mới") -> ModelRegistered:
    return ModelRegistered(
        org_path=org_path, model_id=uuid.uuid4(), title=title, owner_org_unit_id=uuid.uuid4(),
        owner_org_name="Xã Bảo Hà", recipient_kind="collective", field="kinh_te", year=2025, registered_at=at)


def inspection_passed(org_path: str = "VN.15.04321", at: datetime = AT) -> InspectionPassed:
    return InspectionPassed(
        org_path=org_path, inspection_id=uuid.uuid4(), model_id=uuid.uuid4(), model_title="Chợ văn minh",
        owner_org_name="Xã Bảo Hà", recipient_kind="collective", criteria_set_id=uuid.uuid4(),
        criteria_set_name="Tiêu chí 2025", scores=[CriterionScore(code="c1", score=85, max_score=100)],
        total_score=85, pass_score=70, inspected_at=at)


def award_granted(org_path: str = "VN.15.04321") -> AwardGranted:
    return AwardGranted(
        org_path=org_path, grant_id=uuid.uuid4(), round_id=uuid.uuid4(), round_name="Sơ kết 2023",
        award_type="reward", recipient_kind="collective", model_id=uuid.uuid4(), model_title="Chợ văn minh",
        owner_org_name="Xã Bảo Hà", quota=15, granted_in_quota=1, granted_at=AT)


def cloud_event(event: IntegrationEvent) -> CloudEvent:
    return to_cloud_event(event, event_id=uuid.uuid4(), time=datetime.now(UTC), instance="test",
                          entity=f"test/{uuid.uuid4()}", actor="tester", correlation_id=str(uuid.uuid4()))


async def publish(js: JetStreamContext, event: IntegrationEvent, ce: CloudEvent | None = None,
                  msg_id: str | None = None) -> tuple[CloudEvent, PubAck]:
    """Publish as the relay does; `msg_id` overrides Nats-Msg-Id, as a republish after the window would."""
    ce = ce or cloud_event(event)
    headers, body = ce.to_nats()
    if msg_id is not None:
        headers["Nats-Msg-Id"] = msg_id
    ack = await js.publish(event_subject(event.SERVICE, event.NAME, event.org_path), body, headers=headers)
    return ce, ack


__all__ = ["Hosted", "Received", "Receiver", "eventually", "running"]
