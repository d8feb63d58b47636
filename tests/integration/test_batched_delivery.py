"""A fetched batch is applied in one transaction, and every guarantee of one-by-one delivery holds.

Against a real PostgreSQL (and, for the live path, a real nats-server): a failing message rolls its
batch back and is judged alone while the others are applied; a message twice in a batch, or already
applied, is applied once; two copies of a consumer racing over the same batch apply each event once;
the batch's reads see the database as it was before its first write (the rule the log's order rests
on); a live consumer applies a burst in far fewer transactions than messages; and a batch that meets
another consumer recording the same events is applied again as a batch, not one by one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import nats.errors
import pytest

from shared.messaging import fetch_timeouts
from shared.messaging.delivery import Action, Delivery, DeliveryProcessor, Subscription
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, stream_of
from shared.runtime.nats import EmbeddedNats
from shared.subjects import event_subject, service_filter
from tests.events import cloud_event, model_registered, publish
from tests.integration.polling import eventually
from tests.jetstream import connect

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(platform_db: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(platform_db, min_size=1, max_size=6)
    await created.execute("create table effects (event_id uuid not null, title text not null)")
    try:
        yield created
    finally:
        await created.close()


def _deliveries(count: int, attempt: int = 1) -> list[Delivery]:
    out = []
    for i in range(count):
        event = model_registered(title=f"Mô hình {i}")
        headers, body = cloud_event(event).to_nats()
        out.append(Delivery(event_subject("registry", event.NAME, event.org_path), headers, body, attempt))
    return out


async def _effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
    await conn.execute("insert into effects values ($1, $2)", ce.event_id, event.title)


def _sub(name: str, handler=_effect) -> Subscription:  # type: ignore[no-untyped-def]
    return Subscription(name, stream_of("registry"), service_filter("registry", "model_registered"), handler)


async def _titles(pool: asyncpg.Pool) -> list[str]:
    return sorted(r["title"] for r in await pool.fetch("select title from effects"))


async def test_a_failing_message_is_judged_alone_and_the_rest_of_its_batch_is_applied(pool: asyncpg.Pool) -> None:
    async def breaks_on_two(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        await _effect(conn, ce, event)
        if event.title == "Mô hình 2":
            raise RuntimeError("the effect itself is broken")

    sub = _sub("test__batch_failure", breaks_on_two)
    processor = DeliveryProcessor(pool, "test", 3, [0.05])
    decisions = await processor.process_batch(sub, _deliveries(5))
    assert [d.action for d in decisions] == [Action.ACK, Action.ACK, Action.NAK, Action.ACK, Action.ACK]
    assert decisions[2].outcome == "retry"
    # The batch's own writes of message 2 were rolled back with it: its effect is nowhere.
    assert await _titles(pool) == ["Mô hình 0", "Mô hình 1", "Mô hình 3", "Mô hình 4"]
    assert await pool.fetchval("select count(*) from inbox where consumer = $1", sub.consumer) == 4
    assert await pool.fetchval("select failures from delivery_failures") == 1


async def test_a_message_twice_in_a_batch_or_already_applied_is_applied_once(pool: asyncpg.Pool) -> None:
    sub = _sub("test__batch_duplicates")
    processor = DeliveryProcessor(pool, "test", 3, [0.05])
    first, second, third = _deliveries(3)
    assert [d.outcome for d in await processor.process_batch(sub, [first])] == ["applied"]
    decisions = await processor.process_batch(sub, [first, second, second, third])
    assert [d.outcome for d in decisions] == ["duplicate", "applied", "duplicate", "applied"]
    assert {d.action for d in decisions} == {Action.ACK}
    assert await _titles(pool) == ["Mô hình 0", "Mô hình 1", "Mô hình 2"]
    # Each received event is recorded once in this service's log.
    assert await pool.fetchval("select count(*) from events where stream_type = 'inbound'") == 3


async def test_two_copies_of_a_consumer_racing_over_one_batch_apply_each_event_once(pool: asyncpg.Pool) -> None:
    sub = _sub("test__batch_race")
    batch = _deliveries(20)
    copies = [DeliveryProcessor(pool, "test", 3, [0.05]) for _ in range(2)]
    results = await asyncio.gather(*(copy.process_batch(sub, batch) for copy in copies))
    assert all(d.action is Action.ACK for decisions in results for d in decisions)
    assert await pool.fetchval("select count(*) from effects") == 20
    assert await pool.fetchval("select count(distinct event_id) from effects") == 20
    outcomes = [[d.outcome for d in decisions] for decisions in results]
    assert all(sorted(pair) == ["applied", "duplicate"] for pair in zip(*outcomes, strict=True)), outcomes


async def test_a_batch_reads_the_database_as_it_was_before_its_first_write(pool: asyncpg.Pool) -> None:
    """Another transaction commits between the batch's first and second effect; the second effect
    does not see it. Had it seen it, the batch (whose transaction id predates that commit) would sit
    before the row it read in the log's order, and a rebuild would replay them the wrong way round."""
    await pool.execute("create table side (n int)")
    seen: list[int] = []
    first_written = asyncio.Event()
    side_committed = asyncio.Event()

    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        await _effect(conn, ce, event)
        if event.title == "Mô hình 0":
            first_written.set()
            await asyncio.wait_for(side_committed.wait(), 10)
        else:
            seen.append(await conn.fetchval("select count(*) from side"))

    async def other_writer() -> None:
        await asyncio.wait_for(first_written.wait(), 10)
        await pool.execute("insert into side values (1)")
        side_committed.set()

    sub = _sub("test__batch_snapshot", effect)
    decisions, _ = await asyncio.gather(DeliveryProcessor(pool, "test", 3, [0.05]).process_batch(sub, _deliveries(2)),
                                        other_writer())
    assert [d.outcome for d in decisions] == ["applied", "applied"]
    assert seen == [0]
    assert await pool.fetchval("select count(*) from side") == 1


async def test_a_live_consumer_applies_a_burst_in_far_fewer_transactions_than_messages(
        pool: asyncpg.Pool, isolated_nats: EmbeddedNats) -> None:
    nc = await connect(isolated_nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    sub = _sub("test__batch_live")
    processor = DeliveryProcessor(pool, "test", 3, [0.05])
    broker = consumer_broker(isolated_nats.url)
    attach(broker, sub, processor, ack_wait=10)
    events = [(await publish(js, model_registered(title=f"Mô hình {i}")))[0] for i in range(300)]
    try:
        await broker.start()

        async def all_applied() -> bool:
            return await pool.fetchval("select count(*) from effects") == len(events)
        await eventually(all_applied, within=30)
        # An inbox row's processed_at is its transaction's start: one value per transaction.
        transactions = await pool.fetchval(
            "select count(distinct processed_at) from inbox where consumer = $1", sub.consumer)
        assert transactions <= len(events) // 10, transactions
        info = await js.consumer_info(stream_of("registry"), sub.consumer)
        assert (info.num_ack_pending, info.num_pending) == (0, 0), "every message acked once applied"
    finally:
        await broker.stop()
        await processor.settle(10)
        await nc.close()


async def test_a_fetch_that_runs_out_of_time_raises_the_timeout_the_batch_loop_expects(
        isolated_nats: EmbeddedNats) -> None:
    """FastStream's batch loop survives only `nats.errors.TimeoutError` (shared/messaging/fetch_timeouts.py)."""
    nc = await connect(isolated_nats.url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        pull = await js.pull_subscribe(service_filter("registry", "model_registered"), durable="test__timeouts",
                                       stream=stream_of("registry"))
        upstream: set[type[BaseException]] = set()
        for _ in range(30):
            try:
                await fetch_timeouts.upstream_fetch(pull, 5, timeout=0.0001)
            except TimeoutError as exc:
                upstream.add(type(exc))
        assert TimeoutError in upstream, "nats-py raises the builtin kind again and again: the shim is still needed"
        fetch_timeouts.install()
        for _ in range(30):
            with pytest.raises(nats.errors.TimeoutError):
                await pull.fetch(5, timeout=0.0001)
    finally:
        await nc.close()


async def test_a_batch_that_meets_another_consumer_recording_the_same_events_is_tried_again_as_a_batch(
        pool: asyncpg.Pool) -> None:
    """Two consumers of one service receive the same events and both record them in its log. The
    second commits while the first's batch is open, so the first meets a serialization failure; it is
    applied again as one batch (all its effects in one transaction), not one message at a time."""
    await pool.execute("create table effects_tx (consumer text, event_id uuid, tx xid8)")
    a_started, b_done = asyncio.Event(), asyncio.Event()

    def effect(consumer: str, waits: bool):  # type: ignore[no-untyped-def]
        async def handler(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
            await conn.execute("insert into effects_tx values ($1, $2, pg_current_xact_id())", consumer, ce.event_id)
            if waits and not b_done.is_set():
                a_started.set()
                await asyncio.wait_for(b_done.wait(), 10)
        return handler

    async def b_after_a_started(batch: list[Delivery]) -> list[Action]:
        await asyncio.wait_for(a_started.wait(), 10)
        try:
            decisions = await DeliveryProcessor(pool, "test", 3, [0.05]).process_batch(
                _sub("test__b", effect("b", waits=False)), batch)
        finally:
            b_done.set()
        return [d.action for d in decisions]

    batch = _deliveries(6)
    a, b = await asyncio.gather(
        DeliveryProcessor(pool, "test", 3, [0.05]).process_batch(_sub("test__a", effect("a", waits=True)), batch),
        b_after_a_started(batch))
    assert [d.outcome for d in a] == ["applied"] * 6 and b == [Action.ACK] * 6
    assert await pool.fetchval("select count(*) from effects_tx where consumer = 'a'") == 6
    # The first attempt rolled back whole; what stayed was written by one transaction.
    assert await pool.fetchval("select count(distinct tx) from effects_tx where consumer = 'a'") == 1
    assert await pool.fetchval("select count(*) from events where stream_type = 'inbound'") == 6
