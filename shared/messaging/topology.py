"""Streams and durable consumers, declared in code and provisioned at start.

Each publishing service owns one stream holding every subject it publishes (`dvk.<service>.>`).
File storage, a two-minute duplicate window (the relay's redelivery of an unmarked row lands
inside it) and limits retention (events stay for late subscribers and replays; consumers keep
their own position). Durable consumer names are `<consuming service>__<event>` and are stable:
a change to a consumer's configuration is a migration (a new durable name), not an edit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.subjects import service_filter

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0
MAX_AGE_SECONDS = 400 * 24 * 3600.0
"""A little over a year: a yearly round's events are still there to replay when the next one opens."""


@dataclass(frozen=True)
class StreamSpec:
    name: str
    service: str

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            description=f"Events published by the {self.service} service",
            subjects=[service_filter(self.service)],
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=MAX_AGE_SECONDS,
        )


STREAMS: dict[str, StreamSpec] = {
    service: StreamSpec(f"DVK_{service.upper()}", service)
    for service in ("registry", "evaluation", "awards", "notifications")
}


def stream_of(service: str) -> str:
    return STREAMS[service].name


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the platform's streams, or bring an existing one's config in line (idempotent)."""
    for spec in STREAMS.values():
        wanted = spec.config()
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(wanted)
            log.info("created stream %s", spec.name)
            continue
        have = info.config
        if (have.subjects, have.duplicate_window, have.max_age) != (wanted.subjects, wanted.duplicate_window,
                                                                    wanted.max_age):
            wanted.num_replicas = have.num_replicas  # an operator's replica count is theirs to keep
            await js.update_stream(wanted)
            log.info("updated stream %s", spec.name)
