"""Composition root of the registry service: what it is, for the shared host to run."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.registry import messages  # noqa: F401 - registers the service's messages
from services.registry.api import router
from services.registry.event_types import EVENT_TYPES
from services.registry.handlers import HANDLERS
from services.registry.projections import PROJECTIONS
from services.registry.sign_in import router as sign_in_router
from shared.contracts import ModelRegistered
from shared.contracts.registry_events import ORG_UNIT_EVENTS
from shared.messaging.topology import publishing_stream
from shared.runtime.service import ServiceDefinition, build_app

DEFINITION = ServiceDefinition(
    name="registry",
    title="Dân Vận Khéo — Đăng ký (registry)",
    description="Cây tổ chức, mô hình và điển hình — org units, models and exemplars.",
    migrations=Path(__file__).parent / "migrations",
    event_types=EVENT_TYPES,
    routers=[router, sign_in_router],
    commands=HANDLERS,
    streams=[publishing_stream("registry")],
    publishes=[*ORG_UNIT_EVENTS, ModelRegistered],
    projections=PROJECTIONS,
)


def create_app() -> FastAPI:
    return build_app(DEFINITION)
