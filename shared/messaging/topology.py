"""Streams and durable consumers as data: declared by each service, provisioned at start.

A service declares the stream it publishes into (`StreamDecl`) in its `ServiceDefinition`, and each
durable consumer it reads with is a `Subscription` (shared/messaging/delivery.py) whose JetStream
configuration is built here (`consumer_config`). Provisioning creates what is missing and *merges* what
exists: the platform's own subjects, duplicate window and retention are brought in line, while what an
operator added by hand — more subjects, sources (how instances are linked across levels), a raised age
limit, replicas, placement, a description — is kept. A durable consumer is never edited: changing one's
configuration is a migration to a new durable name, and a mismatch is logged as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamConsumerSource,
    StreamSource,
)
from nats.js.errors import NotFoundError

from shared.subjects import service_filter

if TYPE_CHECKING:
    from shared.messaging.delivery import Subscription

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0
MAX_AGE_SECONDS = 400 * 24 * 3600.0
"""A little over a year: a yearly round's events are still there to replay when the next one opens."""
PUBLISHING_SERVICES = ("registry", "evaluation", "awards", "notifications")


@dataclass(frozen=True)
class SourceDecl:
    """Another stream this one copies from — in this server or, through `api`, another instance's
    JetStream domain (`$JS.<domain>.API`); `consumer`/`deliver_subject` name the origin's durable
    consumer when sourcing is durable (ADR-60), which is what resumes quickly after a link outage."""

    name: str
    api: str | None = None
    filter_subject: str | None = None
    consumer: str | None = None
    deliver_subject: str | None = None

    def config(self) -> StreamSource:
        return StreamSource(
            name=self.name, filter_subject=self.filter_subject,
            external=ExternalStream(api=self.api) if self.api else None,
            consumer=StreamConsumerSource(name=self.consumer, deliver_subject=self.deliver_subject or "")
            if self.consumer else None)


@dataclass(frozen=True)
class StreamDecl:
    name: str
    subjects: tuple[str, ...]
    description: str
    storage: StorageType = StorageType.FILE
    retention: RetentionPolicy = RetentionPolicy.LIMITS
    max_age_seconds: float = MAX_AGE_SECONDS
    duplicate_window_seconds: float = DUPLICATE_WINDOW_SECONDS
    sources: tuple[SourceDecl, ...] = field(default_factory=tuple)

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name, description=self.description, subjects=list(self.subjects), storage=self.storage,
            retention=self.retention, duplicate_window=self.duplicate_window_seconds, max_age=self.max_age_seconds,
            sources=[s.config() for s in self.sources] or None)


def publishing_stream(service: str) -> StreamDecl:
    """The stream a service publishes into: every subject of its own (`dvk.<service>.>`)."""
    return StreamDecl(name=stream_of(service), subjects=(service_filter(service),),
                      description=f"Events published by the {service} service")


def streams_for(own: Sequence[StreamDecl], subscriptions: Sequence[Subscription]) -> list[StreamDecl]:
    """What a service provisions: its own streams and those it consumes from (so it can start first)."""
    wanted = list(own)
    for sub in subscriptions:
        service = sub.stream.removeprefix("DVK_").lower()
        if sub.stream not in {s.name for s in wanted} and service in PUBLISHING_SERVICES:
            wanted.append(publishing_stream(service))
    return wanted


def stream_of(service: str) -> str:
    """Stable stream names: consumers of other services and other instances' sources refer to them."""
    if service not in PUBLISHING_SERVICES:
        raise KeyError(service)
    return f"DVK_{service.upper()}"


def merged(have: StreamConfig, wanted: StreamDecl) -> StreamConfig | None:
    """The configuration to update to, or None when nothing of the platform's own needs changing.

    Kept from `have`: subjects beyond the declared ones, every source (declared ones are added), a
    longer or unlimited age, replicas, placement, a description an operator wrote, every other field."""
    subjects = list(have.subjects or [])
    subjects += [s for s in wanted.subjects if s not in subjects]
    sources = list(have.sources or [])
    known = {s.name for s in sources}
    sources += [s.config() for s in wanted.sources if s.name not in known]
    have_age = have.max_age or 0.0
    max_age = have_age if have_age == 0.0 or have_age > wanted.max_age_seconds else wanted.max_age_seconds
    update = {
        "subjects": subjects,
        "sources": sources or None,
        "duplicate_window": wanted.duplicate_window_seconds,
        "max_age": max_age,
    }
    if all(_same(getattr(have, k), v) for k, v in update.items()):
        return None
    config: StreamConfig = StreamConfig.from_response(have.as_dict())
    for key, value in update.items():
        setattr(config, key, value)
    return config


def _same(a: object, b: object) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return [x.as_dict() if hasattr(x, "as_dict") else x for x in a] == [
            y.as_dict() if hasattr(y, "as_dict") else y for y in b]
    return (a or None) == (b or None)


async def ensure_streams(js: JetStreamContext, streams: Iterable[StreamDecl] | None = None) -> None:
    """Create what is missing; merge what exists (see `merged`). Idempotent; safe in every copy."""
    for decl in ALL_STREAMS if streams is None else streams:
        try:
            info = await js.stream_info(decl.name)
        except NotFoundError:
            await js.add_stream(decl.config())
            log.info("created stream %s", decl.name)
            continue
        update = merged(info.config, decl)
        if update is not None:
            await js.update_stream(update)
            log.info("updated stream %s (operator additions kept)", decl.name)


def consumer_config(sub: Subscription, ack_wait: float) -> ConsumerConfig:
    """A durable pull consumer with explicit acks (its filter is the subscription's subject).

    JetStream's own `max_deliver` stays unlimited on purpose: the platform counts attempts and
    dead-letters, so a consumer that crashes on the last attempt gets the message again."""
    return ConsumerConfig(
        durable_name=sub.consumer, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait, max_deliver=-1, description=sub.description or None)


async def check_consumers(js: JetStreamContext, subscriptions: Sequence[Subscription]) -> list[str]:
    """Name every existing durable whose filter differs from its declaration: such a change must be a
    new durable name (a migration), never an edit of a consumer whose position other copies rely on."""
    drifted = []
    for sub in subscriptions:
        try:
            info = await js.consumer_info(sub.stream, sub.consumer)
        except NotFoundError:
            continue
        have = info.config.filter_subject or ",".join(info.config.filter_subjects or [])
        if have != sub.filter_subject:
            log.error("durable consumer %s/%s filters %r but is declared with %r: declare a new durable name "
                      "instead of changing this one", sub.stream, sub.consumer, have, sub.filter_subject)
            drifted.append(sub.consumer)
    return drifted


ALL_STREAMS: tuple[StreamDecl, ...] = tuple(publishing_stream(s) for s in PUBLISHING_SERVICES)
