"""Composition root of the notifications service: what it is, for the shared host to run.

It consumes four public events (see subscriptions.py), keeps the in-app inbox, and runs the
webhook delivery worker beside its HTTP API. It publishes nothing yet: nobody downstream needs
its facts, and an internal event becomes public only when a consumer needs it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.notifications import messages  # noqa: F401 - registers the service's messages
from services.notifications.api import router
from services.notifications.domain import EVENT_TYPES
from services.notifications.handlers import HANDLERS
from services.notifications.projections import PROJECTIONS
from services.notifications.subscriptions import SUBSCRIPTIONS
from services.notifications.worker import WEBHOOK_WAKEUP, webhook_worker
from shared.hierarchy.projection import hierarchy_projection
from shared.hierarchy.subscription import hierarchy_subscription
from shared.messaging.topology import publishing_stream
from shared.runtime.service import ServiceDefinition, build_app

DEFINITION = ServiceDefinition(
    name="notifications",
    title="Dân Vận Khéo — Thông báo (notifications)",
    description="Hộp thư thông báo và webhook có chữ ký — in-app inbox and signed webhooks.",
    migrations=Path(__file__).parent / "migrations",
    event_types=EVENT_TYPES,
    routers=[router],
    commands=HANDLERS,
    streams=[publishing_stream("notifications")],
    publishes=[],
    subscriptions=[*SUBSCRIPTIONS, hierarchy_subscription("notifications")],
    background=[webhook_worker()],
    wakeups=[WEBHOOK_WAKEUP],
    projections=[*PROJECTIONS, hierarchy_projection("notifications")],
)


def create_app() -> FastAPI:
    return build_app(DEFINITION)
