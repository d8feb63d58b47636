"""Nothing is dropped without a trace, and a database that is away never makes a dead letter.

Against a real nats-server and PostgreSQL: a consumer whose database turns read-only while events
arrive keeps them in the stream, however many deliveries meet it, and applies each once when it can
write again; a message whose dead letter cannot be written is kept, counted, and terminated only
once its letter is committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.messaging.dead_letters import list_dead_letters
from shared.messaging.delivery import Action, Delivery, DeliveryProcessor, Subscription
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, stream_of
from shared.observability.metrics import CONSUMER_DATABASE_AWAY, DEAD_LETTERS_UNWRITABLE
from shared.runtime.nats import EmbeddedNats
from shared.subjects import service_filter
from tests.events import cloud_event, model_registered, publish
from tests.integration.polling import eventually
from tests.jetstream import connect

pytestmark = pytest.mark.integration
MAX_DELIVER = 3


@pytest.fixture
async def pool(platform_db: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(platform_db, min_size=1, max_size=4)
    await created.execute("create table effects (event_id uuid not null, title text not null)")
    try:
        yield created
    finally:
        await created.close()


async def _read_only(pool: asyncpg.Pool, on: bool) -> None:
    """As an operator's `default_transaction_read_only`, or a replica not yet promoted, makes it:
    every new session of the database refuses writes (the change itself comes from a session that
    may write)."""
    async with pool.acquire() as conn:
        name = await conn.fetchval("select current_database()")
        await conn.execute("begin read write")
        await conn.execute(f'alter database "{name}" set default_transaction_read_only = {"on" if on else "off"}')
        await conn.execute("commit")
    await pool.expire_connections()


async def _effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
    await conn.execute("insert into effects values ($1, $2)", ce.event_id, event.title)


async def test_a_read_only_database_keeps_events_waiting_and_they_apply_once_afterwards(
        pool: asyncpg.Pool, isolated_nats: EmbeddedNats) -> None:
    nc = await connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    sub = Subscription("test__read_only", stream_of("registry"), service_filter("registry", "model_registered"),
                       _effect)
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    broker = consumer_broker(isolated_nats.url)
    attach(broker, sub, processor, ack_wait=5)
    away = CONSUMER_DATABASE_AWAY.labels("test", sub.consumer)
    before = away._value.get()
    await _read_only(pool, True)
    try:
        await broker.start()
        events = [(await publish(js, model_registered(title=f"Mô hình {i}")))[0] for i in range(3)]
        # Well past the attempts a failing effect gets: meeting the database away is not an attempt.
        await eventually(lambda: away._value.get() >= before + 3 * (MAX_DELIVER + 2), within=30)
        assert await pool.fetchval("select count(*) from effects") == 0
        await _read_only(pool, False)

        async def all_applied() -> bool:
            return await pool.fetchval("select count(*) from effects") == len(events)
        await eventually(all_applied, within=20)
        assert sorted(r["event_id"] for r in await pool.fetch("select event_id from effects")) == \
            sorted(e.event_id for e in events)
        assert (await list_dead_letters(pool)).items == []
        assert await pool.fetchval("select count(*) from delivery_failures") == 0
    finally:
        await _read_only(pool, False)
        await broker.stop()
        await nc.close()


async def test_only_failures_of_the_effect_count_towards_a_dead_letter(pool: asyncpg.Pool) -> None:
    """Deliveries that met the database away are numbered by JetStream but not counted here."""
    async def failing(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        await _effect(conn, ce, event)
        raise RuntimeError("the effect itself is broken")

    sub = Subscription("test__counting", stream_of("registry"), service_filter("registry", "model_registered"),
                       failing)
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    ce = cloud_event(model_registered(title="Mô hình lỗi"))
    headers, body = ce.to_nats()
    subject = f"dvk.registry.model_registered.{ce.contract().org_path}._"
    await _read_only(pool, True)
    decisions = [await processor.process(sub, Delivery(subject, headers, body, n)) for n in range(1, 8)]
    assert {d.outcome for d in decisions} == {"database_away"}
    assert await pool.fetchval("select count(*) from delivery_failures") == 0
    await _read_only(pool, False)
    outcomes = [(await processor.process(sub, Delivery(subject, headers, body, n))).action for n in range(8, 11)]
    assert outcomes == [Action.NAK, Action.NAK, Action.TERM]
    [letter] = (await list_dead_letters(pool)).items
    assert (letter.reason, letter.attempts) == ("failed", MAX_DELIVER)
    assert await pool.fetchval("select count(*) from effects") == 0, "every failed attempt rolled back"


async def test_a_message_is_terminated_only_once_its_dead_letter_is_committed(pool: asyncpg.Pool) -> None:
    sub = Subscription("test__unwritable", stream_of("registry"), service_filter("registry", "model_registered"),
                       _effect)
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    unwritable = DEAD_LETTERS_UNWRITABLE.labels("test", sub.consumer)
    before = unwritable._value.get()
    # A refusal of the kind a full disk or a broken constraint gives, on the dead-letter table alone.
    await pool.execute("""
        create function refuse() returns trigger language plpgsql as $$
        begin raise exception 'dead letters cannot be written'; end $$;
        create trigger refuse before insert on dead_letters for each row execute function refuse();""")
    not_an_event = Delivery("dvk.registry.model_registered.VN._", {"x": "y"}, b"not json", 1)
    kept = await processor.process(sub, not_an_event)
    assert (kept.action, kept.outcome) == (Action.NAK, "dead_letter_unwritable")
    assert unwritable._value.get() == before + 1
    await pool.execute("drop trigger refuse on dead_letters")
    stored = await processor.process(sub, not_an_event)
    assert stored.action is Action.TERM
    assert [dl.reason for dl in (await list_dead_letters(pool)).items] == ["invalid"]
