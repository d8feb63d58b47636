"""Binding subscriptions to FastStream: durable JetStream pull consumers with explicit acks.

FastStream's acknowledgement middleware is switched off (`AckPolicy.MANUAL`): the processor
decides, and this adapter only carries the decision out. The consumer's JetStream configuration
is declared in shared/messaging/topology.py (`consumer_config`).
"""

from __future__ import annotations

from typing import Any

from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub

from shared.messaging.delivery import Action, Delivery, DeliveryProcessor, Subscription
from shared.messaging.topology import consumer_config


async def _raw_body(msg: StreamMessage[Any]) -> bytes:
    """Hand the body over undecoded: the envelope check, not FastStream's JSON decoder, decides
    what an unreadable message is (so it is dead-lettered instead of looping)."""
    return bytes(msg.body)


def attach(broker: NatsBroker, sub: Subscription, processor: DeliveryProcessor, ack_wait: float) -> None:
    @broker.subscriber(
        sub.filter_subject,
        stream=JStream(sub.stream, declare=False),
        durable=sub.consumer,
        pull_sub=PullSub(batch_size=32, timeout=1.0),
        config=consumer_config(sub, ack_wait),
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_body,
        title=sub.consumer,
        description=sub.description,
    )
    async def on_message(body: bytes, msg: NatsMessage) -> None:
        raw = msg.raw_message
        delivery = Delivery(subject=raw.subject, headers=raw.headers or {}, body=raw.data,
                            attempt=raw.metadata.num_delivered)
        decision = await processor.process(sub, delivery)
        if decision.action is Action.ACK:
            await msg.ack()
        elif decision.action is Action.NAK:
            await msg.nack(delay=decision.delay)
        else:
            await msg.reject()
