"""The `known_models` read model under redelivery: one model, one row, however often it arrives."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.evaluation.service import DEFINITION
from services.evaluation.subscriptions import MODEL_REGISTERED
from shared.contracts import OrgUnitRegistered
from shared.messaging.delivery import Delivery, DeliveryProcessor
from shared.projections import Projections
from shared.store.migrations import migrate
from tests.events import cloud_event, model_registered


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    conn = await asyncpg.connect(database)
    try:
        await migrate(conn, DEFINITION.migration_scopes())
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    yield pool
    await pool.close()


def _delivery(ce_headers: dict[str, str], body: bytes, attempt: int = 1) -> Delivery:
    return Delivery(subject="dvk.registry.model_registered.VN.15.04321._", headers=ce_headers, body=body,
                    attempt=attempt)


async def test_a_redelivered_or_republished_model_is_known_once(pool: asyncpg.Pool) -> None:
    processor = DeliveryProcessor(pool, "evaluation", max_deliver=3, backoff=[0.01],
                                  projections=Projections(DEFINITION.projections))
    event = model_registered(title="Dân vận khéo trong cải cách hành chính")
    first = cloud_event(event)
    republished = cloud_event(event)            # the same fact under a new event id
    outcomes = [(await processor.process(MODEL_REGISTERED, _delivery(*ce.to_nats(), attempt=n))).outcome
                for n, ce in enumerate([first, first, republished], start=1)]
    assert outcomes == ["applied", "duplicate", "applied"]
    rows = await pool.fetch("select * from known_models")
    assert [(r["model_id"], r["title"], r["owner_org_path"], r["source_event_id"]) for r in rows] == [
        (event.model_id, event.title, event.org_path, first.event_id)]


async def test_an_event_of_another_kind_is_not_taken_for_a_model(pool: asyncpg.Pool) -> None:
    unit = OrgUnitRegistered(org_path="VN.15", org_unit_id=uuid.uuid4(), code="15", name="Tỉnh Lào Cai",
                             kind="province", parent_id=None, registered_at=datetime.now(UTC))
    processor = DeliveryProcessor(pool, "evaluation", max_deliver=1, backoff=[0.01],
                                  projections=Projections(DEFINITION.projections))
    decision = await processor.process(MODEL_REGISTERED, _delivery(*cloud_event(unit).to_nats()))
    assert decision.outcome == "dead_letter"
    assert await pool.fetchval("select count(*) from known_models") == 0
    assert await pool.fetchval("select count(*) from inbox") == 0
