"""Running a service's real app in the test process against the session's real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from shared.config import PlatformSettings, ServiceSettings
from shared.runtime.service import ServiceDefinition, build_app


@asynccontextmanager
async def hosted(definition: ServiceDefinition, database_url: str, nats_url: str,
                 **platform: object) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = PlatformSettings(nats_url=nats_url, relay_poll_seconds=0.2, **platform)  # type: ignore[arg-type]
    app = build_app(definition, settings, ServiceSettings(database_url=database_url, port=0))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client
