"""Reading what reached JetStream, for tests: one bounded helper instead of a loop in every test.

nats-py's `fetch` raises its own `TimeoutError` on some paths and the builtin one on others (2.16 lets
`asyncio.wait_for`'s escape), so a test that catches only one of them fails now and then for no reason
of the platform's. Both are subclasses of the builtin, which is what is caught here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from shared.envelope import CloudEvent


async def read_events(js: JetStreamContext, subject: str, stream: str, want: int,
                      within: float = 10.0) -> list[tuple[str, CloudEvent]]:
    """Every event on `subject`, waiting until at least `want` have arrived or `within` seconds passed;
    then one short look for more, so a caller can assert that exactly `want` were published."""
    sub = await js.pull_subscribe(subject, durable=None, stream=stream)
    found: list[tuple[str, CloudEvent]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    try:
        while len(found) < want and loop.time() < deadline:
            found += await _batch(sub, 0.2)
        found += await _batch(sub, 0.3)
    finally:
        await sub.unsubscribe()
    return found


async def _batch(sub: JetStreamContext.PullSubscription, wait: float) -> list[tuple[str, CloudEvent]]:
    try:
        msgs = await sub.fetch(10, timeout=wait)
    except TimeoutError:
        return []
    out = []
    for m in msgs:
        await m.ack()
        out.append((m.subject, CloudEvent.from_nats(m.headers or {}, m.data)))
    return out


async def connect(url: str, **options: Any) -> NatsClient:
    """A first connection bounded in time: nats-py's own retries can otherwise wait for minutes."""
    client: NatsClient = await asyncio.wait_for(nats.connect(url, connect_timeout=5, **options), 30)
    return client
