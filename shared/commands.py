"""Running one command: one transaction holding its events, outbox rows, projections and its
idempotency key — so a command is either wholly accepted or leaves no trace.

A handler is a plain async function `handler(command, tx) -> result`, registered for its command's
class in the service's `CommandHandlers` (`@HANDLERS.handles(RegisterModel)`). It loads aggregates,
lets them decide, saves their new events (which `tx.save` hands to the service's projections, in
this same transaction), and publishes public contracts through `tx.publish`. The executor owns the
transaction, the retry on a lost race (for commands that allow it), the idempotency key and the
metrics; a route only hands it the command (`shared/http/commands.py`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from shared.auth.principal import Principal
from shared.contracts import IntegrationEvent
from shared.domain.aggregate import Aggregate, DomainError
from shared.envelope import CloudEvent
from shared.http.errors import ApiError
from shared.observability.metrics import COMMAND_RETRIES, COMMAND_SECONDS, COMMANDS
from shared.projections.base import Projections
from shared.store.event_store import Append, ConcurrencyError, EventStore, StoredEvent
from shared.store.outbox import enqueue, enqueue_all, to_cloud_event

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound=BaseModel)
C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class CommandContext:
    service: str
    instance: str
    command: str
    principal: Principal
    correlation_id: str
    now: datetime
    causation_id: str | None = None

    def metadata(self) -> dict[str, Any]:
        return {
            "actor": self.principal.subject,
            "actor_name": self.principal.name,
            "actor_scope": self.principal.org_scope,
            "command": self.command,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "source": f"{self.instance}/{self.service}",
        }


class Transaction:
    """What a handler may do inside its single database transaction."""

    def __init__(self, conn: asyncpg.Connection, store: EventStore, ctx: CommandContext,
                 projections: Projections | None = None) -> None:
        self.conn = conn
        self.store = store
        self.ctx = ctx
        self.projections = projections or Projections()
        self.appended: list[StoredEvent] = []

    async def load(self, cls: type[A], stream_id: str) -> A | None:
        if self.appended:
            # The log's per-stream order rests on this (shared/store/log.py): a transaction gets its
            # id at its first write, so every stream it appends to must be read before that.
            raise RuntimeError(f"load {stream_id} before the transaction's first save")
        events = await self.store.load(self.conn, stream_id)
        return cls.rehydrate(events) if events else None

    async def save(self, aggregate: Aggregate, stream_id: str, stream_type: str) -> list[StoredEvent]:
        new = [(uuid.uuid4(), e) for e in aggregate.pending]
        stored = await self.store.append(self.conn, stream_id, stream_type, aggregate.expected_version, new,
                                         self.ctx.metadata())
        aggregate.version += len(new)
        aggregate.pending.clear()
        self.appended += stored
        await self.projections.apply(self.conn, stored)
        return stored

    def _cloud_event(self, event: IntegrationEvent, event_id: UUID, entity: str) -> CloudEvent:
        return to_cloud_event(
            event, event_id=event_id, time=self.ctx.now, instance=self.ctx.instance, entity=entity,
            actor=self.ctx.principal.subject, correlation_id=self.ctx.correlation_id,
            causation_id=self.ctx.causation_id)

    async def save_all(self, saves: Sequence[tuple[Aggregate, str, str]]) -> list[StoredEvent]:
        """`save` for many aggregates (aggregate, stream id, stream type) in one statement per table:
        what an import of thousands of units needs, at the cost of a handful of round trips."""
        appends = []
        for aggregate, stream_id, stream_type in saves:
            appends.append(Append(stream_id, stream_type, aggregate.expected_version,
                                  [(uuid.uuid4(), e) for e in aggregate.pending]))
            aggregate.version += len(aggregate.pending)
            aggregate.pending.clear()
        stored = await self.store.append_all(self.conn, appends, self.ctx.metadata())
        self.appended += stored
        await self.projections.apply(self.conn, stored)
        return stored

    async def publish(self, event: IntegrationEvent, entity: str, event_id: UUID | None = None) -> UUID:
        """Queue a public event in the outbox; `entity` becomes ce-subject (e.g. `models/<id>`)."""
        event_id = event_id or uuid.uuid4()
        cloud_event = self._cloud_event(event, event_id, entity)
        await enqueue(self.conn, event, cloud_event)
        return event_id

    async def publish_all(self, events: Sequence[tuple[IntegrationEvent, str]]) -> None:
        """`publish` for many (event, entity) pairs, in one statement."""
        await enqueue_all(self.conn, [(event, self._cloud_event(event, uuid.uuid4(), entity))
                                      for event, entity in events])


Handler = Callable[[C, "Transaction"], Awaitable[BaseModel]]


@dataclass(frozen=True)
class Registration:
    handler: Callable[[Any, Transaction], Awaitable[BaseModel]]
    success_status: int
    retries_on_conflict: int
    """How often a command that lost a race on a stream version is decided again on fresh state."""


class CommandHandlers:
    """Which function handles which command class: the one table every route dispatches through.

    A command is known by its class (its name, in metrics and idempotency records, is the class's
    name), so no route or test spells a command as a string, and a command without a handler is an
    error at start, not at the first request.
    """

    def __init__(self) -> None:
        self._table: dict[type[BaseModel], Registration] = {}

    def handles(self, command: type[C], *, status: int = 201,
                retries_on_conflict: int = 0) -> Callable[[Handler[C]], Handler[C]]:
        def register(handler: Handler[C]) -> Handler[C]:
            if command in self._table:
                raise ValueError(f"{command.__name__} already has a handler")
            self._table[command] = Registration(handler, status, retries_on_conflict)
            return handler
        return register

    def registration(self, command: type[BaseModel]) -> Registration:
        try:
            return self._table[command]
        except KeyError:
            raise LookupError(f"no handler registered for {command.__name__}") from None

    def __iter__(self) -> Iterator[type[BaseModel]]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


@dataclass(frozen=True)
class CommandOutcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class CommandExecutor:
    def __init__(self, pool: asyncpg.Pool, store: EventStore, service: str, instance: str,
                 projections: Projections | None = None, handlers: CommandHandlers | None = None) -> None:
        self.pool = pool
        self.store = store
        self.service = service
        self.instance = instance
        self.projections = projections or Projections()
        self.handlers = handlers or CommandHandlers()

    async def dispatch(self, command: BaseModel, principal: Principal, correlation_id: str,
                       idempotency_key: str | None = None) -> CommandOutcome:
        """Run `command` through the handler registered for its class."""
        registration = self.handlers.registration(type(command))
        ctx = self.context(type(command).__name__, principal, correlation_id)

        async def handle(tx: Transaction) -> BaseModel:
            return await registration.handler(command, tx)
        return await self.execute(ctx, handle, idempotency_key=idempotency_key,
                                  payload=command.model_dump(mode="json"),
                                  success_status=registration.success_status,
                                  retries_on_conflict=registration.retries_on_conflict)

    def context(self, command: str, principal: Principal, correlation_id: str) -> CommandContext:
        return CommandContext(self.service, self.instance, command, principal, correlation_id,
                              datetime.now(UTC))

    async def execute(
        self,
        ctx: CommandContext,
        handler: Callable[[Transaction], Awaitable[R]],
        *,
        idempotency_key: str | None = None,
        payload: Any = None,
        success_status: int = 201,
        retries_on_conflict: int = 0,
    ) -> CommandOutcome:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await self._execute(ctx, handler, idempotency_key, request_hash(payload), success_status,
                                         retries_on_conflict)
            outcome = "replayed" if result.replayed else "accepted"
            return result
        except DomainError:
            outcome = "rejected"
            raise
        except ConcurrencyError:
            outcome = "conflict"
            raise
        except ApiError as exc:
            outcome = "forbidden" if exc.status in (401, 403) else "invalid"
            raise
        finally:
            COMMANDS.labels(self.service, ctx.command, outcome).inc()
            COMMAND_SECONDS.labels(self.service, ctx.command).observe(time.perf_counter() - started)

    async def _execute(self, ctx: CommandContext, handler: Callable[[Transaction], Awaitable[R]],
                       key: str | None, digest: str, success_status: int, retries: int) -> CommandOutcome:
        attempt = 0
        while True:
            async with self.pool.acquire() as conn:
                if key is not None:
                    earlier = await self._earlier(conn, ctx, key, digest)
                    if earlier is not None:
                        return earlier
                try:
                    async with conn.transaction():
                        tx = Transaction(conn, self.store, ctx, self.projections)
                        result = await handler(tx)
                        body = result.model_dump(mode="json")
                        if key is not None:
                            await conn.execute(
                                """insert into idempotency_keys
                                       (actor, key, command, request_hash, status_code, response)
                                   values ($1, $2, $3, $4, $5, $6::jsonb)""",
                                ctx.principal.subject, key, ctx.command, digest, success_status,
                                json.dumps(body, ensure_ascii=False))
                    return CommandOutcome(success_status, body)
                except ConcurrencyError:
                    if attempt >= retries:
                        raise
                    attempt += 1
                    COMMAND_RETRIES.labels(self.service, ctx.command).inc()
                    log.info("retrying %s after a lost race (attempt %d)", ctx.command, attempt)
                except asyncpg.UniqueViolationError as exc:
                    if key is not None and exc.constraint_name == "idempotency_keys_pkey":
                        # The same key committed concurrently: answer as the winner did.
                        continue
                    raise

    async def _earlier(self, conn: asyncpg.Connection, ctx: CommandContext, key: str,
                       digest: str) -> CommandOutcome | None:
        row = await conn.fetchrow(
            "select command, request_hash, status_code, response from idempotency_keys where actor = $1 and key = $2",
            ctx.principal.subject, key)
        if row is None:
            return None
        if row["command"] != ctx.command or row["request_hash"] != digest:
            raise ApiError(422, "idempotency_key_reused")
        return CommandOutcome(row["status_code"], json.loads(row["response"]), replayed=True)
