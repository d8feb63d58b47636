"""Applying one delivered event exactly once: the inbox row and the effect share a transaction.

A consumer receives what it fetched as a batch, and applies the batch's first deliveries in one
transaction (`DeliveryProcessor.process_batch`); anything that cannot go with the others takes the
one-by-one path (`process`), which judges each message alone.

The decision (ack, nak with back-off, or terminate into the dead-letter table) is made by the
`DeliveryProcessor`, apart from FastStream, so the same path serves live deliveries, tests, and an
operator's replay. shared/messaging/subscriber.py (`attach`) binds a `Subscription` to a durable
JetStream pull consumer with explicit acks and only carries that decision out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import asyncpg

from shared.contracts import IntegrationEvent
from shared.envelope import CloudEvent, EnvelopeError, service_of_source
from shared.messaging.ordering import PATIENCE, EarlierEventMissing
from shared.observability.logging import correlation_id
from shared.observability.metrics import (
    CONSUMER_DATABASE_AWAY,
    CONSUMER_DUPLICATES,
    CONSUMER_REDELIVERIES,
    CONSUMER_SECONDS,
    DEAD_LETTERS,
    DEAD_LETTERS_OPEN,
    DEAD_LETTERS_UNWRITABLE,
)
from shared.projections.base import Projections
from shared.projections.inbound import inbound_event, record_inbound
from shared.subjects import SubjectError, parse_subject

log = logging.getLogger(__name__)

BATCH_ATTEMPTS = 3
"""How often a batch that met a serialization failure is tried again as a batch (`apply_batch`)."""

EventHandler = Callable[[asyncpg.Connection, CloudEvent, IntegrationEvent], Awaitable[None]]
"""An effect: runs inside the consumer's transaction, using only that connection."""


@dataclass(frozen=True)
class Subscription:
    consumer: str
    """Durable consumer name, stable: `<service>__<event>`."""
    stream: str
    filter_subject: str
    handler: EventHandler
    description: str = ""


class _AppliedConcurrently(Exception):
    """Another copy of the same consumer applied this event while this one was: undo this one."""


_Checked = tuple[CloudEvent, IntegrationEvent]


class Action(Enum):
    ACK = "ack"
    NAK = "nak"
    TERM = "term"


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0
    outcome: str = "applied"


@dataclass(frozen=True)
class Delivery:
    subject: str
    headers: Mapping[str, str]
    body: bytes
    attempt: int
    """1 on first delivery; JetStream's num_delivered."""


async def refresh_open_gauge(pool: asyncpg.Pool, service: str) -> None:
    """Read from the table at start and after every change, so the gauge (and its alert) survive a restart."""
    DEAD_LETTERS_OPEN.labels(service).set(
        await pool.fetchval("select count(*) from dead_letters where resolved_at is null"))


def checked_event(subject: str, headers: Mapping[str, str], body: bytes) -> tuple[CloudEvent, IntegrationEvent]:
    """The envelope, the contract and their agreement with the subject: what every delivery passes —
    a live one and a replayed dead letter alike — before anything is applied."""
    cloud_event = CloudEvent.from_nats(headers, body)
    event = cloud_event.contract()
    cloud_event.event_id  # noqa: B018 - validates ce-id
    _check_subject(subject, cloud_event, event)
    return cloud_event, event


def _check_subject(subject: str, cloud_event: CloudEvent, event: IntegrationEvent) -> None:
    """The subject is what NATS permissions and stream sources filter on; the body is what the effect
    uses. They must tell the same story, or a publisher allowed one subtree could act on another."""
    try:
        parsed = parse_subject(subject)
    except SubjectError as exc:
        raise EnvelopeError(str(exc)) from exc
    if (parsed.service, parsed.event) != (event.SERVICE, event.NAME):
        raise EnvelopeError(f"subject {subject} does not carry a {cloud_event.type}")
    if service_of_source(cloud_event.source) != parsed.service:
        # NATS lets each service publish only under its own `dvk.<service>.>`; a source naming
        # another service is a forgery or a misrouted copy, never an event to apply.
        raise EnvelopeError(f"ce-source {cloud_event.source} is not the {parsed.service} service of subject {subject}")
    if parsed.org_path != event.org_path or cloud_event.extensions.get("orgpath", event.org_path) != event.org_path:
        raise EnvelopeError(f"org path of subject {subject} and of the event ({event.org_path}) differ")


DATABASE_AWAY: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection broken in the middle of a query (the server went away)
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a replica promoted late, a disk made read-only
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: disk full, out of memory, too many connections
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin shutdown, query cancelled, starting up
)
"""Failures of the database, not of the effect: the message waits for the database, however long,
and they never count towards a dead letter."""


def _printable(text: str) -> str:
    """PostgreSQL text and jsonb cannot hold NUL; a dead letter must be storable whatever it carries."""
    return text.replace("\x00", "\\x00")


class DeliveryProcessor:
    def __init__(self, pool: asyncpg.Pool, service: str, max_deliver: int, backoff: list[float],
                 projections: Projections | None = None) -> None:
        self.pool = pool
        self.projections = projections or Projections()
        self.service = service
        self.max_deliver = max_deliver
        self.backoff = backoff or [1.0]
        self._in_hand: set[asyncio.Task[None]] = set()

    def track(self, task: asyncio.Task[None]) -> None:
        """A batch being applied apart from the fetch that brought it (`attach`), awaited by `settle`.
        A batch that raised is logged: its messages were not acked, so JetStream delivers them again."""
        self._in_hand.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._in_hand.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("a batch failed before its decisions were carried out; it will be delivered again",
                          exc_info=finished.exception())
        task.add_done_callback(done)

    async def settle(self, within: float) -> None:
        """Wait (bounded) for the batches in hand once the broker stops fetching, so none is cut off
        in the middle of its transaction when the pool closes."""
        if self._in_hand:
            await asyncio.wait(set(self._in_hand), timeout=within)

    async def process_batch(self, sub: Subscription, deliveries: Sequence[Delivery]) -> list[Decision]:
        """One decision per delivery of a fetched batch, in order.

        The first deliveries whose envelope is sound are applied together in one transaction
        (`apply_batch`). Everything else — a redelivery (it follows a failure or a wait), an unsound
        envelope, and every message of a batch that could not be applied together — goes through
        `process` on its own, so each failure is judged alone (retried, waited for, dead-lettered)
        exactly as if batches did not exist."""
        started = time.perf_counter()
        decisions: list[Decision | None] = [None] * len(deliveries)
        firsts: list[tuple[int, CloudEvent, IntegrationEvent]] = []
        for index, delivery in enumerate(deliveries):
            if delivery.attempt == 1:
                with contextlib.suppress(EnvelopeError):  # `process` dead-letters it with its reason
                    firsts.append((index, *checked_event(delivery.subject, delivery.headers, delivery.body)))
        if len(firsts) > 1:
            applied = await self.apply_batch(sub, [(ce, event) for _, ce, event in firsts])
            if applied is not None:
                elapsed = time.perf_counter() - started
                for (index, _, _), fresh in zip(firsts, applied, strict=True):
                    outcome = "applied" if fresh else "duplicate"
                    decisions[index] = Decision(Action.ACK, outcome=outcome)
                    if not fresh:
                        CONSUMER_DUPLICATES.labels(self.service, sub.consumer).inc()
                    CONSUMER_SECONDS.labels(self.service, sub.consumer, outcome).observe(elapsed)
        return [decision if decision is not None else await self.process(sub, delivery)
                for decision, delivery in zip(decisions, deliveries, strict=True)]

    async def process(self, sub: Subscription, delivery: Delivery) -> Decision:
        started = time.perf_counter()
        decision = await self._process(sub, delivery)
        CONSUMER_SECONDS.labels(self.service, sub.consumer, decision.outcome).observe(time.perf_counter() - started)
        return decision

    async def _process(self, sub: Subscription, delivery: Delivery) -> Decision:
        if delivery.attempt > 1:
            CONSUMER_REDELIVERIES.labels(self.service, sub.consumer).inc()
        try:
            cloud_event, event = checked_event(delivery.subject, delivery.headers, delivery.body)
        except EnvelopeError as exc:
            log.error("invalid message on %s for %s: %s", delivery.subject, sub.consumer, exc)
            return await self._dead_letter(sub, delivery, None, "invalid", str(exc))
        token = correlation_id.set(cloud_event.extensions.get("correlationid"))
        try:
            applied = await self.apply(sub, cloud_event, event)
            if not applied:
                CONSUMER_DUPLICATES.labels(self.service, sub.consumer).inc()
                return Decision(Action.ACK, outcome="duplicate")
            return Decision(Action.ACK)
        except DATABASE_AWAY as exc:
            return self._database_away(sub, cloud_event.id, exc)
        except EarlierEventMissing as exc:
            level = logging.WARNING if delivery.attempt >= PATIENCE else logging.INFO
            log.log(level, "consumer %s: %s waits for an earlier event (delivery %d): %s", sub.consumer,
                    cloud_event.id, delivery.attempt, exc)
            delay = self.backoff[min(delivery.attempt - 1, len(self.backoff) - 1)]
            return Decision(Action.NAK, delay=delay, outcome="waiting")
        except Exception as exc:
            log.exception("consumer %s failed on %s (attempt %d)", sub.consumer, cloud_event.id, delivery.attempt)
            try:
                failures = await self._count_failure(sub, cloud_event.event_id, exc)
            except DATABASE_AWAY as away:
                return self._database_away(sub, cloud_event.id, away)
            if failures >= self.max_deliver:
                return await self._dead_letter(sub, delivery, cloud_event.id, "failed", repr(exc), failures)
            delay = self.backoff[min(failures - 1, len(self.backoff) - 1)]
            return Decision(Action.NAK, delay=delay, outcome="retry")
        finally:
            correlation_id.reset(token)

    def _database_away(self, sub: Subscription, event_id: str, exc: BaseException) -> Decision:
        log.warning("consumer %s: database unavailable for %s (%r); the message waits", sub.consumer, event_id, exc)
        CONSUMER_DATABASE_AWAY.labels(self.service, sub.consumer).inc()
        return Decision(Action.NAK, delay=self.backoff[-1], outcome="database_away")

    async def _count_failure(self, sub: Subscription, event_id: Any, exc: Exception) -> int:
        failures: int = await self.pool.fetchval(
            """insert into delivery_failures (consumer, event_id, failures, last_error) values ($1, $2, 1, $3)
               on conflict (consumer, event_id) do update
                  set failures = delivery_failures.failures + 1, last_error = $3, updated_at = now()
               returning failures""", sub.consumer, event_id, _printable(repr(exc))[:4000])
        return failures

    async def apply_batch(self, sub: Subscription, items: Sequence[_Checked]) -> list[bool] | None:
        """`apply` for several events in one transaction: for each, True applied or False applied
        before; None when they could not all be applied together, and nothing was.

        Any failure — an effect that raises, an earlier event still missing, a conflict with another
        copy of this consumer — rolls the whole batch back; the caller then applies each on its own.

        The batch runs at REPEATABLE READ: every read of every effect sees the snapshot taken before
        the batch's first write, i.e. before PostgreSQL gives it its transaction id, which keeps the
        rule the log's order rests on (`apply`'s docstring) although the batch interleaves reads and
        writes. A conflict that isolation reports (another transaction changed a row this one
        writes) is first tried again as a batch: it is almost always another consumer of this service
        recording the same received events in the log at the same moment, and a fresh snapshot sees
        them recorded. Only when it happens `BATCH_ATTEMPTS` times does the batch go one by one."""
        attempt = 1
        while True:
            try:
                return await self._apply_batch(sub, items)
            except asyncpg.TransactionRollbackError as exc:  # serialization failure or deadlock: nothing kept
                if attempt < BATCH_ATTEMPTS:
                    attempt += 1
                    log.debug("consumer %s: batch of %d tried again after %r", sub.consumer, len(items), exc)
                    continue
                reason: Exception = exc
            except Exception as exc:
                reason = exc
            log.info("consumer %s: a batch of %d is applied one by one instead (%r)", sub.consumer, len(items),
                     reason)
            return None

    async def _apply_batch(self, sub: Subscription, items: Sequence[_Checked]) -> list[bool]:
        ids = [cloud_event.event_id for cloud_event, _ in items]
        results: list[bool] = []
        fresh: list[CloudEvent] = []
        unrecorded: list[CloudEvent] = []
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            done, recorded, now = await conn.fetchrow(
                """select array(select event_id from inbox where consumer = $1 and event_id = any($2::uuid[])),
                          array(select event_id from events where event_id = any($2::uuid[])), now()""",
                sub.consumer, ids)
            seen = set(done)
            recorded = set(recorded)
            for cloud_event, event in items:
                if cloud_event.event_id in seen:
                    results.append(False)
                    continue
                seen.add(cloud_event.event_id)
                token = correlation_id.set(cloud_event.extensions.get("correlationid"))
                try:
                    if cloud_event.event_id not in recorded:
                        await self.projections.apply(conn, [inbound_event(cloud_event, recorded_at=now)])
                        unrecorded.append(cloud_event)
                    await sub.handler(conn, cloud_event, event)
                finally:
                    correlation_id.reset(token)
                fresh.append(cloud_event)
                results.append(True)
            if unrecorded:
                await record_inbound(conn, unrecorded)
            if fresh:
                inserted = await conn.fetchval(
                    """with cleared as (delete from delivery_failures
                                        where consumer = $1 and event_id = any($2::uuid[])),
                            added as (insert into inbox (consumer, event_id, event_type)
                                      select $1, e.id, e.type from unnest($2::uuid[], $3::text[]) as e(id, type)
                                      on conflict do nothing returning 1)
                       select count(*) from added""",
                    sub.consumer, [ce.event_id for ce in fresh], [ce.type for ce in fresh])
                if inserted != len(fresh):
                    raise _AppliedConcurrently
        return results

    async def apply(self, sub: Subscription, cloud_event: CloudEvent, event: IntegrationEvent,
                    conn_hook: Callable[[asyncpg.Connection], Awaitable[None]] | None = None) -> bool:
        """Projections + effect + recorded event + inbox row in one transaction; False when this
        consumer already applied it. The received event goes into this service's own log (once,
        whichever of its consumers gets it first), and the projections are fed that stored event.

        The order is what keeps the log's order true (docs/architecture.md, "the log"): a transaction
        gets its id at its first write, so every read an effect depends on (e.g. "is the parent unit
        known?") happens before anything is written; the inbox row, the last write, still decides a
        race between two copies of the same consumer (the loser's whole transaction rolls back)."""
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                done, recorded, now = await conn.fetchrow(
                    """select exists(select 1 from inbox where consumer = $1 and event_id = $2),
                              exists(select 1 from events where event_id = $2), now()""",
                    sub.consumer, cloud_event.event_id)
                if done:
                    return False
                if not recorded:
                    await self.projections.apply(conn, [inbound_event(cloud_event, recorded_at=now)])
                await sub.handler(conn, cloud_event, event)
                if conn_hook is not None:
                    await conn_hook(conn)
                if not recorded:
                    await record_inbound(conn, [cloud_event])
                await conn.execute("delete from delivery_failures where consumer = $1 and event_id = $2",
                                   sub.consumer, cloud_event.event_id)
                if not await conn.fetchval(
                        """insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)
                           on conflict do nothing returning true""",
                        sub.consumer, cloud_event.event_id, cloud_event.type):
                    raise _AppliedConcurrently
                return True
        except _AppliedConcurrently:
            return False

    async def _dead_letter(self, sub: Subscription, delivery: Delivery, event_id: str | None, reason: str,
                           error: str, attempts: int = 1) -> Decision:
        """Terminate the message only once its letter is committed: a letter that cannot be written
        keeps the message in the stream (retried with back-off, counted, alerted on), so nothing is
        ever dropped without a trace."""
        headers = {_printable(k): _printable(v) for k, v in delivery.headers.items()}
        try:
            async with self.pool.acquire() as conn:
                await conn.execute(
                    """insert into dead_letters (consumer, event_id, subject, headers, body, reason, error, attempts)
                       values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
                       on conflict do nothing""",
                    sub.consumer, _printable(event_id) if event_id else None, _printable(delivery.subject),
                    json.dumps(headers), delivery.body, reason, _printable(error)[:4000], attempts)
            await refresh_open_gauge(self.pool, self.service)
        except Exception:
            log.exception("dead letter for %s could not be stored; the message is kept and retried: subject=%r",
                          sub.consumer, delivery.subject)
            DEAD_LETTERS_UNWRITABLE.labels(self.service, sub.consumer).inc()
            return Decision(Action.NAK, delay=self.backoff[-1], outcome="dead_letter_unwritable")
        DEAD_LETTERS.labels(self.service, sub.consumer, reason).inc()
        return Decision(Action.TERM, outcome="dead_letter")
