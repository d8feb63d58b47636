"""The webhook delivery worker: claim due deliveries, POST them signed, record what happened.

Why it is shaped this way:
- **Claim, then send outside any transaction.** A claim is a short transaction that picks due rows
  with `FOR UPDATE SKIP LOCKED` and pushes their `next_attempt_at` forward by a lease. The POST runs
  with no row lock and no pooled connection held, so a slow receiver never pins the database. Several
  copies of the service share the queue: SKIP LOCKED keeps them off the same rows, the lease keeps a
  claimed row away from the others while it is being sent, and a worker that dies mid-send simply
  lets the lease run out, after which another copy sends it again (at-least-once; receivers
  deduplicate on `webhook-id`, which is the delivery id and never changes).
- **Woken by NOTIFY, polling as the fallback**, like the outbox relay: the consumer's committed
  insert wakes it (`WEBHOOK_WAKEUP`, declared in the service definition), and a poll every ~0.5 s
  picks up retries whose back-off has elapsed and anything a lost notification missed.
- **Public targets only.** Before each POST the target's host is resolved again and refused if any
  address is inside (services/notifications/targets.py), so a name re-pointed at the agency's own
  network after registration is never called. A stored error keeps the status and a short reason,
  never the target's answer.

Metrics: `dvk_webhook_deliveries_total{outcome}` counts attempts — `delivered` (2xx), `retry` (failed,
another attempt scheduled), `failed` (gave up after `DVK_WEBHOOK_MAX_ATTEMPTS`); the gauge
`dvk_webhook_deliveries_pending` is refreshed every cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from services.notifications.targets import TargetRefused, check_target, loggable
from services.notifications.webhooks import RetryPolicy, is_success, signed_headers
from shared.observability.metrics import WEBHOOK_DELIVERIES, WEBHOOK_PENDING
from shared.runtime.service import ServiceRuntime
from shared.runtime.tasks import raise_if_cancelling
from shared.store.wakeups import Wakeup

log = logging.getLogger(__name__)

WEBHOOK_WAKEUP = Wakeup(channel="dvk_webhooks", table="webhook_deliveries",
                       wakes="WebhookWorker (services/notifications/worker.py)")
"""The second hop through the database: a consumer's committed deliveries wake the webhook worker."""
LEASE_MARGIN_SECONDS = 30.0
"""Added to the request timeout: how long a claimed row stays away from other workers."""


@dataclass(frozen=True)
class Claimed:
    id: UUID
    url: str
    secret: str
    payload: str
    attempts: int
    """Attempts made before this one."""


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str | None


class WebhookWorker:
    def __init__(self, pool: asyncpg.Pool, dsn: str, policy: RetryPolicy, *, timeout: float,
                 poll_seconds: float = 0.5, batch_size: int = 20, allowed_targets: Sequence[str] = ()) -> None:
        self.pool = pool
        self.dsn = dsn
        self.policy = policy
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.allowed_targets = tuple(allowed_targets)
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled; a database or network failure costs one poll interval, not the worker."""
        listener = asyncio.create_task(self._listen(), name="webhook-listener")
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False,
                                         headers={"user-agent": "dvk-notifications"}) as client:
                while True:
                    self._wake.clear()
                    try:
                        handled = await self.run_once(client)
                    except Exception:  # a dead worker would silently stop every webhook: log, go on
                        raise_if_cancelling()
                        log.exception("webhook worker cycle failed; retrying")
                        handled = 0
                    if handled < self.batch_size:
                        with contextlib.suppress(TimeoutError):  # not wait_for: in 3.11 it can swallow a cancel
                            async with asyncio.timeout(self.poll_seconds):
                                await self._wake.wait()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """One cycle: claim a batch, send it concurrently, record each outcome; returns the batch size."""
        batch = await self.claim()
        if batch:
            attempts = await asyncio.gather(*(self.send(client, c) for c in batch))
            await self.record(list(zip(batch, attempts, strict=True)))
        WEBHOOK_PENDING.set(await self.pool.fetchval(
            "select count(*) from webhook_deliveries where status = 'pending'"))
        return len(batch)

    async def claim(self) -> list[Claimed]:
        rows = await self.pool.fetch(
            """with due as (
                   select id from webhook_deliveries
                   where status = 'pending' and next_attempt_at <= now()
                   order by next_attempt_at limit $1
                   for update skip locked)
               update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => $2)
               from due, webhook_endpoints e, webhook_secrets s
               where d.id = due.id and e.id = d.endpoint_id and s.endpoint_id = d.endpoint_id
               returning d.id, e.url, s.secret, d.payload, d.attempts""",
            self.batch_size, self.timeout + LEASE_MARGIN_SECONDS)
        return [Claimed(r["id"], r["url"], r["secret"], r["payload"], r["attempts"]) for r in rows]

    async def send(self, client: httpx.AsyncClient, claimed: Claimed) -> Attempt:
        try:
            await check_target(claimed.url, self.allowed_targets)
        except TargetRefused as refused:
            return Attempt(False, None, f"target not public: {refused}")
        headers = signed_headers(claimed.secret, str(claimed.id), claimed.payload, datetime.now(UTC))
        try:
            # httpx's timeout is per phase; the outer bound keeps a slow-drip receiver inside the lease.
            async with asyncio.timeout(self.timeout * 2):
                response = await client.post(claimed.url, content=claimed.payload.encode(), headers=headers)
        except (httpx.HTTPError, TimeoutError) as exc:
            return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500])
        if is_success(response.status_code):
            return Attempt(True, response.status_code, None)
        return Attempt(False, response.status_code, f"HTTP {response.status_code} {response.reason_phrase}"[:100])

    async def record(self, outcomes: Sequence[tuple[Claimed, Attempt]]) -> None:
        """What happened to a batch, in one statement: the cycle costs one claim and one record
        however many deliveries it sent."""
        rows = []
        for claimed, attempt in outcomes:
            made = claimed.attempts + 1
            status, delay = self.policy.after(made, attempt.ok)
            rows.append((claimed.id, made, status, attempt.status_code, attempt.error, delay))
        # `status = 'pending'` guards against an endpoint disabled while the POST was in flight.
        await self.pool.execute(
            """update webhook_deliveries d
               set attempts = u.made, status = u.status, last_attempt_at = now(), last_status_code = u.code,
                   last_error = u.error, delivered_at = case when u.status = 'delivered' then now() end,
                   next_attempt_at = case when u.status = 'pending' then now() + make_interval(secs => u.delay)
                                          else d.next_attempt_at end
               from unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::float8[])
                    as u(id, made, status, code, error, delay)
               where d.id = u.id and d.status = 'pending'""",
            *(list(column) for column in zip(*rows, strict=True)))
        for (claimed, attempt), (_, made, status, *_) in zip(outcomes, rows, strict=True):
            WEBHOOK_DELIVERIES.labels({"pending": "retry"}.get(status, status)).inc()
            if status == "failed":
                log.warning("webhook delivery %s to %s failed for good after %d attempts: %s", claimed.id,
                            loggable(claimed.url), made, attempt.error)

    async def _listen(self) -> None:
        """Keep a LISTEN connection open (reconnecting) so commits wake the worker at once."""
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                raise_if_cancelling()
                log.warning("webhook listener lost its connection; polling until it is back")
                await asyncio.sleep(self.poll_seconds * 4)

    async def _listen_once(self) -> None:
        lost = asyncio.Event()
        conn = await asyncpg.connect(self.dsn)
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await WEBHOOK_WAKEUP.listen(conn, self._notified)
            self._wake.set()  # anything committed while we were not listening
            await lost.wait()
            raise OSError("listener connection closed")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    def _notified(self, *_: object) -> None:
        self._wake.set()


def webhook_worker(*, poll_seconds: float = 0.5, batch_size: int = 20, backoff_base_seconds: float = 1.0,
                   backoff_cap_seconds: float = 3600.0) -> Callable[[ServiceRuntime], Coroutine[Any, Any, None]]:
    """The background job for ServiceDefinition.background, with timeout and attempts from settings."""

    async def deliver_webhooks(runtime: ServiceRuntime) -> None:
        policy = RetryPolicy(runtime.platform.webhook_max_attempts, backoff_base_seconds, backoff_cap_seconds)
        worker = WebhookWorker(runtime.pool, runtime.settings.database_url, policy,
                               timeout=runtime.platform.webhook_timeout_seconds, poll_seconds=poll_seconds,
                               batch_size=batch_size, allowed_targets=runtime.platform.webhook_allowed_targets)
        await worker.run()

    return deliver_webhooks
