"""Binding a `Subscription` to FastStream: a durable JetStream pull consumer, fetched in batches.

The decisions are `DeliveryProcessor`'s (shared/messaging/delivery.py); this module only fetches,
hands each batch over and carries the decisions out with explicit acks (FastStream's own acking is
switched off). The consumer's JetStream configuration is declared in shared/messaging/topology.py
(`consumer_config`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.msg import Msg

from shared.messaging import fetch_timeouts
from shared.messaging.delivery import Action, Delivery, DeliveryProcessor, Subscription
from shared.messaging.topology import consumer_config


async def _undecoded(msg: StreamMessage[Any]) -> list[Msg]:
    """Hand a fetched batch over as it came: the envelope check, not FastStream's JSON decoder,
    decides what an unreadable message is (so it is dead-lettered instead of looping). Async, or
    FastStream would run it in a worker thread."""
    raws: list[Msg] = msg.raw_message
    return raws


FETCH_SIZE = 128
"""The most messages one handler call receives (and one transaction applies)."""

FILL_WAIT = 0.05
"""Seconds a fetch waits for a batch to fill: the most a lone message waits, and how often an idle
consumer asks JetStream for more."""


def consumer_broker(url: str, logger: logging.Logger | None = None, log_level: int = logging.DEBUG,
                    **options: Any) -> NatsBroker:
    """The broker every consumer is attached to: its own connection, so a burst of acks never queues
    behind the relay's publishes. `apply_types=False` because a handler takes the raw messages and
    nothing else; FastStream's dependency injection would only validate them again."""
    fetch_timeouts.install()
    options.setdefault("max_reconnect_attempts", -1)
    return NatsBroker(url, logger=logger, log_level=log_level, apply_types=False, **options)


def attach(broker: NatsBroker, sub: Subscription, processor: DeliveryProcessor, ack_wait: float) -> None:
    # Batches are applied one at a time, in the order they were fetched (asyncio.Lock is FIFO), but
    # the next fetch does not wait for the last batch's commit: up to two are in hand at once.
    in_order = asyncio.Lock()
    in_hand = asyncio.Semaphore(2)

    async def handle(raws: list[Msg]) -> None:
        try:
            deliveries = [Delivery(subject=raw.subject, headers=raw.headers or {}, body=raw.data,
                                   attempt=raw.metadata.num_delivered) for raw in raws]
            async with in_order:
                decisions = await processor.process_batch(sub, deliveries)
            for raw, decision in zip(raws, decisions, strict=True):
                if decision.action is Action.ACK:
                    await raw.ack()
                elif decision.action is Action.NAK:
                    await raw.nak(delay=decision.delay)
                else:
                    await raw.term()
        finally:
            in_hand.release()

    @broker.subscriber(
        sub.filter_subject,
        stream=JStream(sub.stream, declare=False),
        durable=sub.consumer,
        pull_sub=PullSub(batch_size=FETCH_SIZE, timeout=FILL_WAIT, batch=True),
        config=consumer_config(sub, ack_wait),
        ack_policy=AckPolicy.MANUAL,
        decoder=_undecoded,
        title=sub.consumer,
        description=sub.description,
    )
    async def on_batch(raws: Any) -> None:  # list[Msg]; `Any`, so no broker's type checks look inside
        await in_hand.acquire()
        processor.track(asyncio.create_task(handle(raws), name=f"batch {sub.consumer}"))
