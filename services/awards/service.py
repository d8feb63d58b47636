"""Composition root of the awards service: what it is, for the shared host to run."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.awards import messages  # noqa: F401 - registers the service's messages
from services.awards.api import router
from services.awards.domain import EVENT_TYPES
from services.awards.handlers import HANDLERS
from services.awards.metrics import refresh_quota_gauge
from services.awards.projections import PROJECTIONS
from services.awards.subscriptions import INSPECTION_PASSED
from shared.contracts import AwardGranted
from shared.hierarchy.projection import hierarchy_projection
from shared.hierarchy.subscription import hierarchy_subscription
from shared.messaging.topology import publishing_stream
from shared.runtime.service import ServiceDefinition, build_app

DEFINITION = ServiceDefinition(
    name="awards",
    title="Dân Vận Khéo — Thi đua, khen thưởng (awards)",
    description="Đợt khen thưởng, chỉ tiêu, đề nghị và quyết định khen thưởng — "
                "award rounds, quotas, nominations and grants.",
    migrations=Path(__file__).parent / "migrations",
    event_types=EVENT_TYPES,
    routers=[router],
    commands=HANDLERS,
    streams=[publishing_stream("awards")],
    publishes=[AwardGranted],
    subscriptions=[INSPECTION_PASSED, hierarchy_subscription("awards")],
    on_scrape=[refresh_quota_gauge],
    projections=[*PROJECTIONS, hierarchy_projection("awards")],
)


def create_app() -> FastAPI:
    return build_app(DEFINITION)
