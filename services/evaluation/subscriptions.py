"""What the evaluation service learns from others: the registry's models, for its own read model.

Evaluation never reads the registry's database; it keeps `known_models` from `ModelRegistered`
events, so inspections can be validated (and shown with the model's title and owner) even while
the registry is down or the link to it is cut.
"""

from __future__ import annotations

import logging

import asyncpg

from shared.contracts import IntegrationEvent, ModelRegistered
from shared.envelope import CloudEvent
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of
from shared.subjects import service_filter

log = logging.getLogger(__name__)


async def on_model_registered(conn: asyncpg.Connection, cloud_event: CloudEvent, event: IntegrationEvent) -> None:
    """Runs in the inbox transaction, after the event is recorded in this service's log and
    `evaluation.known_models` has applied it (services/evaluation/projections.py)."""
    if not isinstance(event, ModelRegistered):
        # The filter subject admits only this contract; anything else is a wiring fault to surface.
        raise TypeError(f"evaluation__model_registered got {cloud_event.type}")
    log.debug("model %s known from event %s", event.model_id, cloud_event.id)


MODEL_REGISTERED = Subscription(
    consumer="evaluation__model_registered",
    stream=stream_of("registry"),
    filter_subject=service_filter("registry", "model_registered"),
    handler=on_model_registered,
    description="Mô hình đã đăng ký → danh sách mô hình được kiểm tra (known_models read model)",
)

SUBSCRIPTIONS: list[Subscription] = [MODEL_REGISTERED]
