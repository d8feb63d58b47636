"""Bounded redelivery and the dead-letter table, on a real nats-server and PostgreSQL."""

from __future__ import annotations

import asyncpg
import nats
import pytest
from faststream.nats import NatsBroker

from shared.messaging.dead_letters import ReplayError, dismiss_dead_letter, list_dead_letters, replay_dead_letter
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.messaging.subscriber import attach
from shared.messaging.topology import ensure_streams, stream_of
from shared.observability.metrics import DEAD_LETTERS
from shared.subjects import event_subject, service_filter
from tests.events import model_registered, publish
from tests.integration.polling import eventually

MAX_DELIVER = 3




async def test_poison_message_is_dead_lettered_after_max_attempts_while_the_rest_flow(
        platform_db: str, isolated_nats) -> None:
    nc = await nats.connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    pool = await asyncpg.create_pool(platform_db)
    await pool.execute("create table effects (title text)")
    attempts: dict[str, int] = {}
    broken = {"yes": True}

    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        attempts[event.title] = attempts.get(event.title, 0) + 1
        await conn.execute("insert into effects values ($1)", event.title)
        if event.title.startswith("độc") and broken["yes"]:
            raise RuntimeError("this model breaks the consumer")

    sub = Subscription("test__poison", stream_of("registry"), service_filter("registry", "model_registered"), effect)
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    broker = NatsBroker(isolated_nats.url)
    attach(broker, sub, processor, ack_wait=5)
    await broker.start()
    before = DEAD_LETTERS.labels("test", "test__poison", "failed")._value.get()

    poison, _ = await publish(js, model_registered(title="độc — mô hình gây lỗi"))
    for i in range(3):
        await publish(js, model_registered(title=f"Mô hình tốt {i}"))
    # Not a CloudEvent at all: terminated at once, never retried.
    await js.publish(event_subject("registry", "model_registered", "VN.15"), b"not json", headers={"x": "y"})

    async def settled() -> bool:
        return len(await list_dead_letters(pool)) == 2 and \
            await pool.fetchval("select count(*) from effects where title like 'Mô hình tốt%'") == 3

    await eventually(settled, within=20)
    await broker.stop()

    letters = {dl.reason: dl for dl in await list_dead_letters(pool)}
    assert letters["failed"].event_id == poison.id
    assert letters["failed"].attempts == MAX_DELIVER
    assert attempts["độc — mô hình gây lỗi"] == MAX_DELIVER
    assert letters["invalid"].attempts == 1
    # The failed attempts rolled back: the poison's effect is not there.
    assert await pool.fetchval("select count(*) from effects where title like 'độc%'") == 0
    assert DEAD_LETTERS.labels("test", "test__poison", "failed")._value.get() == before + 1

    # The operator fixes the cause and replays: applied once, and a second replay is refused.
    broken["yes"] = False
    assert await replay_dead_letter(pool, processor, {sub.consumer: sub}, letters["failed"].id) is True
    assert await pool.fetchval("select count(*) from effects where title like 'độc%'") == 1
    assert [dl.reason for dl in await list_dead_letters(pool)] == ["invalid"]
    with pytest.raises(ReplayError, match="dismiss it"):
        await replay_dead_letter(pool, processor, {sub.consumer: sub}, letters["invalid"].id)
    await dismiss_dead_letter(pool, "test", letters["invalid"].id)
    assert await list_dead_letters(pool) == []
    resolutions = sorted(dl.resolution or "" for dl in await list_dead_letters(pool, include_resolved=True))
    assert resolutions == ["dismissed", "replayed"]
    await pool.close()
    await nc.close()
