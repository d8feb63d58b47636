"""What the awards service reacts to: models passing inspection become nominable.

The awards service never reads the evaluation service's database; it keeps `eligible_models` from
the public `InspectionPassed` events. The handler runs inside the inbox transaction, so a
redelivered event changes nothing twice.
"""

from __future__ import annotations

import logging

import asyncpg

from shared.contracts import InspectionPassed, IntegrationEvent
from shared.envelope import CloudEvent
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of
from shared.subjects import service_filter

log = logging.getLogger(__name__)


async def on_inspection_passed(conn: asyncpg.Connection, cloud_event: CloudEvent, event: IntegrationEvent) -> None:
    if not isinstance(event, InspectionPassed):
        # The filter only admits inspection_passed subjects; anything else is a publisher's mistake
        # that retrying cannot fix, so it is logged and acknowledged rather than looped.
        log.warning("ignoring %s (%s) on the inspection_passed consumer", cloud_event.type, cloud_event.id)
        return
    # `awards.eligible_models` has applied the recorded event (services/awards/projections.py).
    log.debug("inspection %s of model %s recorded", event.inspection_id, event.model_id)


INSPECTION_PASSED = Subscription(
    consumer="awards__inspection_passed",
    stream=stream_of("evaluation"),
    filter_subject=service_filter("evaluation", "inspection_passed"),
    handler=on_inspection_passed,
    description="Mô hình đạt kiểm tra, đánh giá trở thành đủ điều kiện đề nghị khen thưởng — "
                "models that passed inspection become eligible for nomination.",
)
