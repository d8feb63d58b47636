"""Composition root of the evaluation service: what it is, for the shared host to run (port 8102)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.evaluation import messages  # noqa: F401 - registers the service's messages
from services.evaluation.api import router
from services.evaluation.domain import EVENT_TYPES
from services.evaluation.handlers import HANDLERS
from services.evaluation.projections import PROJECTIONS
from services.evaluation.subscriptions import SUBSCRIPTIONS
from shared.contracts import InspectionFailed, InspectionPassed
from shared.hierarchy.projection import hierarchy_projection
from shared.hierarchy.subscription import hierarchy_subscription
from shared.messaging.topology import publishing_stream
from shared.runtime.service import ServiceDefinition, build_app

DEFINITION = ServiceDefinition(
    name="evaluation",
    title="Dân Vận Khéo — Kiểm tra, đánh giá (evaluation)",
    description="Bộ tiêu chí và kết quả kiểm tra, đánh giá mô hình, điển hình — "
                "criteria sets and inspections of models and exemplars.",
    migrations=Path(__file__).parent / "migrations",
    event_types=EVENT_TYPES,
    routers=[router],
    commands=HANDLERS,
    streams=[publishing_stream("evaluation")],
    publishes=[InspectionPassed, InspectionFailed],
    subscriptions=[*SUBSCRIPTIONS, hierarchy_subscription("evaluation")],
    projections=[*PROJECTIONS, hierarchy_projection("evaluation")],
)


def create_app() -> FastAPI:
    return build_app(DEFINITION)
