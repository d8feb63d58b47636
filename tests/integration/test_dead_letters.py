"""Bounded redelivery and the dead-letter table, on a real nats-server and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import nats
import pytest

from shared import hierarchy
from shared.auth.principal import Principal, Role
from shared.messaging.dead_letters import (
    DeadLetterNotFound,
    ReplayError,
    dismiss_dead_letter,
    letter_scope,
    list_dead_letters,
    replay_dead_letter,
)
from shared.messaging.delivery import Action, Delivery, DeliveryProcessor, Subscription
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, stream_of
from shared.observability.metrics import DEAD_LETTERS
from shared.subjects import event_subject, service_filter
from tests.events import cloud_event, model_registered, org_units, publish
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
    broker = consumer_broker(isolated_nats.url)
    attach(broker, sub, processor, ack_wait=5)
    await broker.start()
    try:
        before = DEAD_LETTERS.labels("test", "test__poison", "failed")._value.get()

        poison, _ = await publish(js, model_registered(title="độc — mô hình gây lỗi"))
        for i in range(3):
            await publish(js, model_registered(title=f"Mô hình tốt {i}"))
        # Not a CloudEvent at all: terminated at once, never retried.
        await js.publish(event_subject("registry", "model_registered", "VN.15"), b"not json", headers={"x": "y"})

        async def settled() -> bool:
            return len((await list_dead_letters(pool)).items) == 2 and \
                await pool.fetchval("select count(*) from effects where title like 'Mô hình tốt%'") == 3

        await eventually(settled, within=20)
    finally:
        await asyncio.wait_for(broker.stop(), 10)
        await processor.settle(10)

    letters = {dl.reason: dl for dl in (await list_dead_letters(pool)).items}
    assert letters["failed"].event_id == poison.id
    assert letters["failed"].attempts == MAX_DELIVER
    # Each delivery ran the effect once, and the first may have run it once more: in a batch with the
    # good ones, whose transaction it rolled back, before it was judged on its own.
    assert MAX_DELIVER <= attempts["độc — mô hình gây lỗi"] <= MAX_DELIVER + 1
    assert letters["invalid"].attempts == 1
    # The failed attempts rolled back: the poison's effect is not there.
    assert await pool.fetchval("select count(*) from effects where title like 'độc%'") == 0
    assert DEAD_LETTERS.labels("test", "test__poison", "failed")._value.get() == before + 1

    # The operator fixes the cause and replays: applied once, and a second replay is refused.
    broken["yes"] = False
    assert await replay_dead_letter(pool, processor, {sub.consumer: sub}, letters["failed"].id) is True
    assert await pool.fetchval("select count(*) from effects where title like 'độc%'") == 1
    assert [dl.reason for dl in (await list_dead_letters(pool)).items] == ["invalid"]
    with pytest.raises(ReplayError, match="dismiss it"):
        await replay_dead_letter(pool, processor, {sub.consumer: sub}, letters["invalid"].id)
    await dismiss_dead_letter(pool, "test", letters["invalid"].id)
    assert (await list_dead_letters(pool)).items == []
    resolutions = sorted(dl.resolution or "" for dl in (await list_dead_letters(pool, include_resolved=True)).items)
    assert resolutions == ["dismissed", "replayed"]
    await pool.close()
    await nc.close()


async def test_a_body_that_contradicts_its_subject_is_invalid(platform_db: str) -> None:
    """NATS permissions and stream sources filter on subjects: a publisher allowed VN.15 must not be
    able to act on VN.20 by writing VN.20 into the body."""
    pool = await asyncpg.create_pool(platform_db)
    applied: list[str] = []

    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        applied.append(event.org_path)

    sub = Subscription("test__subjects", stream_of("registry"), service_filter("registry", "model_registered"), effect)
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    forged = cloud_event(model_registered(org_path="VN.20.00001"))
    headers, body = forged.to_nats()
    decision = await processor.process(sub, Delivery(event_subject("registry", "model_registered", "VN.15.04321"),
                                                     headers, body, 1))
    wrong_kind = await processor.process(sub, Delivery(event_subject("registry", "org_unit_registered", "VN.20.00001"),
                                                       headers, body, 1))
    assert decision.action is Action.TERM and wrong_kind.action is Action.TERM
    assert applied == []
    assert {dl.reason for dl in (await list_dead_letters(pool)).items} == {"invalid"}
    await pool.close()


async def test_a_letter_that_cannot_even_be_stored_is_terminated_not_looped(platform_db: str) -> None:
    pool = await asyncpg.create_pool(platform_db)
    sub = Subscription("test__nul", stream_of("registry"), service_filter("registry", "model_registered"),
                       lambda *_: None)  # type: ignore[arg-type,return-value]
    processor = DeliveryProcessor(pool, "test", MAX_DELIVER, [0.05])
    delivery = Delivery("dvk.registry.model_registered.VN._", {"ce-id": "a\x00b"}, b"\x00", 1)
    assert (await processor.process(sub, delivery)).action is Action.TERM
    [letter] = (await list_dead_letters(pool)).items
    assert letter.headers["ce-id"] == "a\\x00b"
    await pool.close()


async def test_administrators_see_and_replay_only_letters_about_their_subtree(platform_db: str) -> None:
    """Decided by the unit the stored body names, through the hierarchy: a header claiming another
    unit changes nothing, and a letter naming no unit is for a whole tree's administrators only."""
    pool = await asyncpg.create_pool(platform_db)
    async with pool.acquire() as conn:
        for unit in org_units("VN.15.04321", "VN.20.00001"):
            await hierarchy.apply(conn, unit)

    async def broken(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("down")

    sub = Subscription("test__scope", stream_of("registry"), service_filter("registry", "model_registered"), broken)
    processor = DeliveryProcessor(pool, "test", 1, [0.05])
    for path in ("VN.15.04321", "VN.20.00001"):
        headers, body = cloud_event(model_registered(org_path=path)).to_nats()
        await processor.process(sub, Delivery(event_subject("registry", "model_registered", path), headers, body, 1))
    await processor.process(sub, Delivery("dvk.registry.model_registered.VN._", {}, b"?", 1))
    scopes = {path: await letter_scope(pool, Principal(subject="a", name="a", roles=frozenset({Role.ADMINISTRATOR}),
                                                       org_scope=path))
              for path in ("VN", "VN.15", "VN.20")}
    assert scopes["VN"].whole_tree and not scopes["VN.15"].whole_tree
    assert (await list_dead_letters(pool, scope=scopes["VN"])).total == 3
    province = (await list_dead_letters(pool, scope=scopes["VN.15"])).items
    assert [json.loads(dl.body)["org_path"] for dl in province] == ["VN.15.04321"]
    other = next(dl for dl in (await list_dead_letters(pool)).items
                 if dl.body.startswith("{") and json.loads(dl.body)["org_path"] == "VN.20.00001")
    # The body is what counts: rewriting the stored header does not move the letter into VN.15.
    await pool.execute("update dead_letters set headers = jsonb_set(headers, '{ce-orgpath}', '\"VN.15.04321\"') "
                       "where id = $1", other.id)
    assert [dl.id for dl in (await list_dead_letters(pool, scope=scopes["VN.15"])).items] == [province[0].id]
    with pytest.raises(DeadLetterNotFound):
        await replay_dead_letter(pool, processor, {sub.consumer: sub}, other.id, scope=scopes["VN.15"])
    with pytest.raises(DeadLetterNotFound):
        await dismiss_dead_letter(pool, "test", other.id, scope=scopes["VN.15"])
    await pool.close()


async def test_a_replay_passes_the_checks_of_a_live_delivery(platform_db: str) -> None:
    """A letter whose body was edited to name another unit than its subject is refused at replay, as
    it would be live; so is one whose source names another service."""
    pool = await asyncpg.create_pool(platform_db)
    applied: list[str] = []

    async def effect(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        applied.append(event.org_path)

    failing = {"yes": True}

    async def sometimes(conn: asyncpg.Connection, ce, event) -> None:  # type: ignore[no-untyped-def]
        if failing["yes"]:
            raise RuntimeError("down")
        await effect(conn, ce, event)

    sub = Subscription("test__replay", stream_of("registry"), service_filter("registry", "model_registered"),
                       sometimes)
    processor = DeliveryProcessor(pool, "test", 1, [0.05])
    for path in ("VN.15.04321", "VN.15.04322"):
        headers, body = cloud_event(model_registered(org_path=path)).to_nats()
        await processor.process(sub, Delivery(event_subject("registry", "model_registered", path), headers, body, 1))
    first, second = (await list_dead_letters(pool)).items
    moved = json.loads(first.body) | {"org_path": "VN.20.00001"}
    await pool.execute("update dead_letters set body = $2 where id = $1", first.id, json.dumps(moved).encode())
    await pool.execute("update dead_letters set headers = jsonb_set(headers, '{ce-source}', "
                       "'\"urn:dvk:test:evaluation\"') where id = $1", second.id)
    failing["yes"] = False
    subs = {sub.consumer: sub}
    with pytest.raises(ReplayError, match="differ"):
        await replay_dead_letter(pool, processor, subs, first.id)
    with pytest.raises(ReplayError, match="ce-source"):
        await replay_dead_letter(pool, processor, subs, second.id)
    assert applied == []
    await pool.close()
