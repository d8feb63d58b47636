"""Every service keeps its own copy of the hierarchy from the registry's events, once, in order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import pytest

from services.awards.service import DEFINITION as AWARDS
from services.evaluation.service import DEFINITION as EVALUATION
from services.notifications.service import DEFINITION as NOTIFICATIONS
from shared import hierarchy
from shared.contracts import IntegrationEvent, OrgUnitRegistered, OrgUnitsMerged
from shared.hierarchy.subscription import hierarchy_subscription
from shared.messaging.delivery import Delivery, DeliveryProcessor
from shared.projections import Projections
from shared.runtime.service import ServiceDefinition
from shared.store.migrations import migrate
from shared.subjects import event_subject
from tests.events import cloud_event, model_registered

pytestmark = pytest.mark.integration
T0 = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(params=[EVALUATION, AWARDS, NOTIFICATIONS], ids=lambda d: d.name)
async def service(request: pytest.FixtureRequest,
                  database: str) -> AsyncIterator[tuple[ServiceDefinition, asyncpg.Pool]]:
    definition: ServiceDefinition = request.param
    assert any(s.consumer == f"{definition.name}__org_units" for s in definition.subscriptions)
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, definition.migration_scopes())
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    yield definition, pool
    await pool.close()


def _delivery(event: IntegrationEvent, attempt: int = 1) -> tuple[Delivery, str]:
    ce = cloud_event(event)
    headers, body = ce.to_nats()
    return Delivery(subject=event_subject(event.SERVICE, event.NAME, event.org_path), headers=headers, body=body,
                    attempt=attempt), ce.id


async def test_org_events_build_the_services_hierarchy_and_a_merge_is_carried(
        service: tuple[ServiceDefinition, asyncpg.Pool]) -> None:
    definition, pool = service
    name = definition.name
    sub = hierarchy_subscription(name)
    processor = DeliveryProcessor(pool, name, max_deliver=5, backoff=[0.01],
                                  projections=Projections(definition.projections))
    ids = {c: uuid.uuid4() for c in ("VN", "15", "02989", "02953")}
    registered = [
        OrgUnitRegistered(org_path=path, org_unit_id=ids[code], code=code, name=f"Đơn vị {code}", kind="unit",
                          parent_id=ids[parent] if parent else None, registered_at=T0)
        for code, parent, path in [("VN", None, "VN"), ("15", "VN", "VN.15"), ("02989", "15", "VN.15.02989"),
                                   ("02953", "15", "VN.15.02953")]]
    merged = OrgUnitsMerged(org_path="VN.15.02989", successor_id=ids["02989"], successor_name="Đơn vị 02989",
                            merged_ids=[ids["02953"]], merged_paths=["VN.15.02953"], effective_on=date(2025, 7, 1),
                            merged_at=T0)
    # Out of order first: the commune before its province waits (put back, not counted), not lost.
    early, _ = _delivery(registered[2])
    assert (await processor.process(sub, early)).outcome == "waiting"
    assert await pool.fetchval("select count(*) from delivery_failures") == 0
    for event in [*registered, merged]:
        delivery, _ = _delivery(event)
        assert (await processor.process(sub, delivery)).outcome == "applied"
        assert (await processor.process(sub, delivery)).outcome == "duplicate"
    again, _ = _delivery(registered[2], attempt=2)
    assert (await processor.process(sub, again)).outcome == "applied"   # its retry changes nothing now
    other, _ = _delivery(model_registered())
    assert (await processor.process(sub, other)).outcome == "applied", "the registry's other events are ignored"
    async with pool.acquire() as conn:
        assert set(await hierarchy.subtree_ids(conn, ids["02989"])) == {ids["02989"], ids["02953"]}
        assert await hierarchy.carrier(conn, ids["02953"]) == ids["02989"]
        unit = await hierarchy.unit(conn, ids["02953"])
        assert unit is not None and unit.path == "VN.15.02953" and unit.ended
