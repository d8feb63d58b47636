"""One upstream defect worked around in one place: the kind of timeout a pull fetch raises.

nats-py's `PullSubscription.fetch` raises `nats.errors.TimeoutError` when nothing arrived, except
when the time left is under a fraction of a millisecond, where it raises the builtin `TimeoutError`
(nats-py 2.16, `_fetch_n`). FastStream's batch loop, which fetches again and again until its window
ends, catches only the first kind: the second ends the loop and loses the messages it had fetched
so far until their ack wait runs out. Converting the builtin kind into the nats kind (its subclass,
so every `except TimeoutError` still catches it) keeps the loop alive.
`tests/integration/test_batched_delivery.py` shows the defect is still there upstream; when it is
gone, this module can go.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

Fetch = Callable[..., Awaitable[list[Msg]]]

upstream_fetch: Fetch = JetStreamContext.PullSubscription.fetch
"""nats-py's own fetch, kept for the test that checks the defect still exists."""


@functools.wraps(upstream_fetch)
async def _fetch(self: Any, *args: Any, **kwargs: Any) -> list[Msg]:
    try:
        return await upstream_fetch(self, *args, **kwargs)
    except nats.errors.TimeoutError:
        raise
    except TimeoutError as exc:
        raise nats.errors.TimeoutError from exc


def install() -> None:
    """Idempotent; called by `consumer_broker` before any consumer fetches."""
    JetStreamContext.PullSubscription.fetch = _fetch  # type: ignore[method-assign]
