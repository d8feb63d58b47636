"""The host every service runs in: one process with its HTTP API, subscribers, relay and probes.

A service declares *what* it is (a `ServiceDefinition`); this module wires *how* it runs: the
connection pool, migrations, streams, durable consumers, the outbox relay, `/metrics`,
`/healthz`, `/readyz`, `/asyncapi.json`, the dead-letter and the projection admin endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import nats
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse, Response
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from shared.auth.dependencies import require
from shared.auth.principal import Principal, Role
from shared.commands import CommandExecutor, CommandHandlers
from shared.config import PlatformSettings, ServiceSettings
from shared.contracts import IntegrationEvent
from shared.domain.events import EventTypes
from shared.hierarchy import HIERARCHY_MIGRATIONS
from shared.http.body_limit import BodyLimitMiddleware
from shared.http.docs_pages import install_docs
from shared.http.errors import ApiError, install_error_handlers
from shared.http.middleware import ObservabilityMiddleware
from shared.http.openapi import install_openapi
from shared.http.pages import Page, PageParams
from shared.i18n import Text, register_messages
from shared.messaging.asyncapi import asyncapi_document
from shared.messaging.dead_letters import (
    DeadLetter,
    DeadLetterNotFound,
    ReplayError,
    dismiss_dead_letter,
    letter_scope,
    list_dead_letters,
    replay_dead_letter,
)
from shared.messaging.delivery import DeliveryProcessor, Subscription, refresh_open_gauge
from shared.messaging.relay import OutboxRelay
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import StreamDecl, check_consumers, ensure_streams, streams_for
from shared.observability.logging import MESSAGES_LOGGER, configure_logging
from shared.projections import Projection, Projections
from shared.projections.rebuild import RebuildBusy, build_missing, rebuild, tracking
from shared.store.event_store import EventStore
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate, pending
from shared.store.pool import create_pool
from shared.store.retention import sweep_idempotency_keys
from shared.store.wakeups import OUTBOX_WAKEUP, Wakeup

log = logging.getLogger(__name__)
register_messages({
    "projection_rebuild_running": Text("Đang dựng lại bảng đọc {name}; hãy chờ lần dựng lại đó xong.",
                                       "Projection {name} is already being rebuilt; wait for that rebuild to end."),
})
VERSION = "0.1.0"
STARTUP_SECONDS = 30.0
"""How long start-up waits for a database connection or the first NATS connection before failing loudly."""
STOP_SECONDS = 5.0
"""How long each step of shutting down may take: a stuck step must not keep the process alive."""


@dataclass
class ServiceRuntime:
    """Everything a route or a background task of one service may use."""

    name: str
    platform: PlatformSettings
    settings: ServiceSettings
    pool: asyncpg.Pool
    executor: CommandExecutor
    nc: NatsClient
    js: JetStreamContext
    processor: DeliveryProcessor
    relay: OutboxRelay


Background = Callable[[ServiceRuntime], Coroutine[Any, Any, None]]


@dataclass
class ServiceDefinition:
    name: str
    title: str
    description: str
    migrations: Path
    event_types: EventTypes
    routers: list[APIRouter]
    commands: CommandHandlers = field(default_factory=CommandHandlers)
    """Every command the service accepts, by class, with its handler (shared/commands.py)."""
    streams: list[StreamDecl] = field(default_factory=list)
    """The JetStream streams this service publishes into, as data (shared/messaging/topology.py)."""
    publishes: list[type[IntegrationEvent]] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    background: list[Background] = field(default_factory=list)
    projections: list[Projection] = field(default_factory=list)
    """Every read model of the service, fed inline by commands and consumers (shared/projections)."""
    on_scrape: list[Background] = field(default_factory=list)
    """Gauges read from the database, refreshed when `/metrics` is scraped: always current, and no
    command route has to remember to refresh them after its commit."""
    wakeups: list[Wakeup] = field(default_factory=list)
    """Hops through the database beyond the outbox's (shared/store/wakeups.py): which table's commits
    wake which of the service's loops."""

    def all_wakeups(self) -> list[Wakeup]:
        return [OUTBOX_WAKEUP, *self.wakeups]

    def migration_scopes(self) -> list[tuple[str, Path]]:
        return [("platform", PLATFORM_MIGRATIONS), ("hierarchy", HIERARCHY_MIGRATIONS), (self.name, self.migrations)]


async def get_runtime(request: Request) -> ServiceRuntime:
    """Async on purpose: FastAPI runs a sync dependency in a thread pool, a hop on every request."""
    runtime: ServiceRuntime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ApiError(503, "internal_error")
    return runtime


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
Admin = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
LetterId = Annotated[int, FastApiPath(ge=1, le=2**63 - 1, description="Số thư chết — the dead letter's number")]


def build_app(definition: ServiceDefinition, platform: PlatformSettings | None = None,
              settings: ServiceSettings | None = None) -> FastAPI:
    platform = platform or PlatformSettings()
    settings = settings or ServiceSettings.for_service(definition.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _running(definition, platform, settings) as runtime:
            app.state.runtime = runtime
            yield
            app.state.runtime = None

    app = FastAPI(title=definition.title, description=definition.description, version=VERSION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.platform = platform
    app.state.runtime = None
    app.add_middleware(BodyLimitMiddleware, max_bytes=platform.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, service=definition.name)
    install_error_handlers(app)
    for router in definition.routers:
        app.include_router(router)
    app.include_router(_operations_router(definition))
    install_openapi(app)
    install_docs(app)
    return app


@asynccontextmanager
async def _running(definition: ServiceDefinition, platform: PlatformSettings,
                   settings: ServiceSettings) -> AsyncIterator[ServiceRuntime]:
    configure_logging(definition.name, platform.log_level)
    pool = await create_pool(settings.database_url)
    tasks: list[asyncio.Task[None]] = []
    broker: NatsBroker | None = None
    processor: DeliveryProcessor | None = None
    nc: NatsClient | None = None
    try:
        async with pool.acquire(timeout=STARTUP_SECONDS) as conn:
            applied = await migrate(conn, definition.migration_scopes())
            for wakeup in definition.all_wakeups():
                await wakeup.install(conn)
        for m in applied:
            log.info("applied migration %s/%04d_%s", m.scope, m.version, m.name)
        await refresh_open_gauge(pool, definition.name)
        projections = Projections(definition.projections)
        for name in await build_missing(pool, projections):
            log.info("built projection %s from the log", name)
        nc = await asyncio.wait_for(nats.connect(platform.nats_url, name=f"{platform.instance}-{definition.name}",
                                                 max_reconnect_attempts=-1, drain_timeout=STOP_SECONDS),
                                    STARTUP_SECONDS)
        js = nc.jetstream()
        await ensure_streams(js, streams_for(definition.streams, definition.subscriptions))
        await check_consumers(js, definition.subscriptions)
        processor = DeliveryProcessor(pool, definition.name, platform.consumer_max_deliver,
                                      platform.consumer_backoff_seconds, projections)
        relay = OutboxRelay(settings.database_url, js, definition.name, poll_seconds=platform.relay_poll_seconds)
        runtime = ServiceRuntime(
            name=definition.name, platform=platform, settings=settings, pool=pool,
            executor=CommandExecutor(pool, EventStore(definition.event_types), definition.name, platform.instance,
                                     projections, definition.commands),
            nc=nc, js=js, processor=processor, relay=relay)
        if definition.subscriptions:
            # FastStream's per-message lines go through the platform's JSON logging, at DEBUG: the
            # consumer metrics carry the volume, the logs carry what went wrong.
            broker = consumer_broker(platform.nats_url, logging.getLogger(MESSAGES_LOGGER))
            for sub in definition.subscriptions:
                attach(broker, sub, processor, platform.consumer_ack_wait_seconds)
            await broker.start()
        tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        tasks.append(asyncio.create_task(
            sweep_idempotency_keys(pool, timedelta(days=platform.idempotency_retention_days)),
            name="idempotency-retention"))
        for job in definition.background:
            tasks.append(asyncio.create_task(job(runtime), name=getattr(job, "__name__", "background")))
        yield runtime
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: on Python 3.11 a cancel racing a finishing `wait_for` can be swallowed.
            _, stuck = await asyncio.wait(tasks, timeout=STOP_SECONDS)
            for task in stuck:
                log.warning("background task %s did not stop within %.0f s; abandoned", task.get_name(), STOP_SECONDS)
        if broker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(broker.stop(), STOP_SECONDS)
            if processor is not None:
                await processor.settle(STOP_SECONDS)
        if nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.drain(), STOP_SECONDS)
        try:
            await asyncio.wait_for(pool.close(), 10)
        except TimeoutError:
            log.warning("connections still in use after 10 s; terminating the pool")
            pool.terminate()


class ReplayResult(BaseModel):
    id: int
    applied: bool


class ProjectionView(BaseModel):
    name: str
    tables: list[str]
    status: str | None
    """`live`; `rebuilding` while (or, with no rebuild running, after an interrupted) rebuild; null: not built."""
    tx_id: int | None
    position: int
    events: int
    """Events applied by the last rebuild (inline applications are not counted)."""
    updated_at: datetime | None


class RebuildView(BaseModel):
    name: str
    events: int
    swap_attempts: int
    seconds: float


def _operations_router(definition: ServiceDefinition) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @router.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        runtime: ServiceRuntime | None = request.app.state.runtime
        checks: dict[str, Any] = {"started": runtime is not None}
        if runtime is not None:
            try:
                async with runtime.pool.acquire(timeout=2) as conn:
                    checks["database"] = await conn.fetchval("select true")
                    checks["migrations_pending"] = await pending(conn, definition.migration_scopes())
            except (OSError, asyncpg.PostgresError, TimeoutError):
                checks["database"] = False
            checks["nats"] = runtime.nc.is_connected
        ready = bool(checks["started"] and checks.get("database") and checks.get("nats")
                     and checks.get("migrations_pending") == 0)
        return JSONResponse({"ready": ready, "service": definition.name, "checks": checks},
                            status_code=200 if ready else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        runtime: ServiceRuntime | None = request.app.state.runtime
        for refresh in definition.on_scrape:
            if runtime is None:
                break
            try:
                await refresh(runtime)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                log.warning("%s not refreshed for this scrape: the database is unavailable",
                            getattr(refresh, "__name__", "gauge"), exc_info=True)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> dict[str, Any]:
        return asyncapi_document(definition.name, definition.title, VERSION, definition.publishes,
                                 definition.subscriptions)

    @router.get("/admin/dead-letters", response_model=Page[DeadLetter])
    async def dead_letters(runtime: Runtime, admin: Admin, paging: PageParams,
                           include_resolved: bool = False) -> Page[DeadLetter]:
        """Thư chết — messages this service's consumers gave up on, about units in the administrator's
        scope (by the unit their stored body names)."""
        scope = await letter_scope(runtime.pool, admin)
        return await list_dead_letters(runtime.pool, include_resolved, scope, paging)

    @router.post("/admin/dead-letters/{letter_id}/replay", response_model=ReplayResult)
    async def replay(letter_id: LetterId, runtime: Runtime, admin: Admin) -> ReplayResult:
        """Phát lại thư chết — apply a dead letter again once its cause is fixed, through the checks of a
        live delivery; harmless if already applied."""
        subs = {s.consumer: s for s in definition.subscriptions}
        try:
            scope = await letter_scope(runtime.pool, admin)
            applied = await replay_dead_letter(runtime.pool, runtime.processor, subs, letter_id, scope)
        except DeadLetterNotFound as exc:
            raise ApiError(404, "not_found") from exc
        except ReplayError as exc:
            raise ApiError(409, "dead_letter_not_replayable", reason=str(exc)) from exc
        return ReplayResult(id=letter_id, applied=applied)

    @router.post("/admin/dead-letters/{letter_id}/dismiss", status_code=204)
    async def dismiss(letter_id: LetterId, runtime: Runtime, admin: Admin) -> Response:
        """Bỏ qua thư chết — close a dead letter that can never apply (it stays on record, marked dismissed)."""
        try:
            scope = await letter_scope(runtime.pool, admin)
            await dismiss_dead_letter(runtime.pool, definition.name, letter_id, scope)
        except ReplayError as exc:
            raise ApiError(404, "not_found") from exc
        return Response(status_code=204)

    @router.get("/admin/projections", response_model=list[ProjectionView])
    async def projections_list(runtime: Runtime, admin: Admin) -> list[ProjectionView]:
        """Các bảng đọc — the service's read models and how each was last built."""
        known = Projections(definition.projections)
        return [ProjectionView(name=t.name, tables=list(p.tables), status=t.status, tx_id=t.tx_id,
                               position=t.position, events=t.events, updated_at=t.updated_at)
                for t in await tracking(runtime.pool, known) if (p := known.get(t.name)) is not None]

    @router.post("/admin/projections/{name}/rebuild", response_model=RebuildView)
    async def projection_rebuild(name: str, runtime: Runtime, admin: Admin) -> RebuildView:
        """Dựng lại bảng đọc — replay the log into fresh tables and swap them in, while commands keep being
        served."""
        projection = Projections(definition.projections).get(name)
        if projection is None:
            raise ApiError(404, "not_found")
        try:
            result = await rebuild(runtime.pool, projection)
        except RebuildBusy as exc:
            raise ApiError(409, "projection_rebuild_running", name=name) from exc
        return RebuildView(name=result.name, events=result.events, swap_attempts=result.swap_attempts,
                           seconds=result.seconds)

    return router
