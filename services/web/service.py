"""Composition root of the web application: its own process, its own database (sessions only),
static assets served by itself, and the operations endpoints every process of the platform has.

It consumes no events and publishes none, so it has no NATS connection, relay or consumers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.staticfiles import StaticFiles

from services.web.api_client import Apis, SessionExpired
from services.web.i18n import build_environments
from services.web.pages import CsrfRefused, SignInRequired, render, router
from services.web.sessions import SessionStore
from services.web.settings import WebSettings
from shared.config import PlatformSettings, ServiceSettings
from shared.http.body_limit import BodyLimitMiddleware
from shared.http.middleware import ObservabilityMiddleware
from shared.observability.logging import configure_logging
from shared.store.migrations import migrate, pending
from shared.store.pool import create_pool

NAME = "web"
MIGRATIONS = [("web", Path(__file__).parent / "migrations")]
STATIC = Path(__file__).parent / "static"


def create_app(platform: PlatformSettings | None = None, settings: ServiceSettings | None = None,
               web: WebSettings | None = None) -> FastAPI:
    platform = platform or PlatformSettings()
    settings = settings or ServiceSettings.for_service(NAME)
    web = web or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(NAME, platform.log_level)
        pool = await create_pool(settings.database_url, max_size=10)
        try:
            async with pool.acquire(timeout=30) as conn:
                await migrate(conn, MIGRATIONS)
            app.state.pool = pool
            app.state.sessions = SessionStore(pool)
            app.state.apis = Apis(web)
            try:
                yield
            finally:
                await app.state.apis.close()
        finally:
            app.state.pool = None
            await pool.close()

    app = FastAPI(title="Dân Vận Khéo — Trang cán bộ (web)", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = web
    app.state.pool = None
    app.state.environments = build_environments()
    app.add_middleware(BodyLimitMiddleware, max_bytes=platform.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, service=NAME)
    app.include_router(router)
    _install_operations(app)
    _install_errors(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _sign_in_again(request: Request, expired: bool) -> Response:
    target = "/sign-in?expired=true" if expired else f"/sign-in?next={quote(request.url.path)}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return _sign_in_again(request, exc.expired)

    @app.exception_handler(SessionExpired)
    async def session_expired(request: Request, _: SessionExpired) -> Response:
        return _sign_in_again(request, True)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return render(request, "error.html", None, status=403, kind="csrf")

    @app.exception_handler(httpx.HTTPError)
    async def api_unavailable(request: Request, _: httpx.HTTPError) -> Response:
        return render(request, "error.html", None, status=502, kind="unavailable")


def _install_operations(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": NAME}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        pool: asyncpg.Pool | None = request.app.state.pool
        checks: dict[str, Any] = {"started": pool is not None}
        if pool is not None:
            try:
                async with pool.acquire(timeout=2) as conn:
                    checks["database"] = await conn.fetchval("select true")
                    checks["migrations_pending"] = await pending(conn, MIGRATIONS)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                checks["database"] = False
        ready = bool(checks["started"] and checks.get("database") and checks.get("migrations_pending") == 0)
        return JSONResponse({"ready": ready, "service": NAME, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
