"""The awards service's business gauge: quota left, per award type and recipient kind.

Labels are the two bounded vocabularies only (never a round id), so the series count is fixed at
four however many rounds an instance holds. The value is read from the database, not counted in
memory, so every replica reports the same figure: aggregate replicas with `max`, not `sum`.
"""

from __future__ import annotations

from itertools import product

from prometheus_client import Gauge

from services.awards import projections
from services.awards.domain import AwardType
from shared.runtime.service import ServiceRuntime

QUOTA_REMAINING = Gauge(
    "dvk_award_quota_remaining",
    "Awards still grantable, summed over open rounds, by award type and recipient kind.",
    ["award_type", "recipient_kind"])

RECIPIENT_KINDS = ("collective", "individual")


async def refresh_quota_gauge(runtime: ServiceRuntime) -> None:
    """Set every series (0 where no open round has that line), so none goes stale or vanishes.
    Runs when `/metrics` is scraped (`ServiceDefinition.on_scrape`)."""
    totals = await projections.quota_remaining_totals(runtime.pool)
    for award_type, kind in product(AwardType, RECIPIENT_KINDS):
        QUOTA_REMAINING.labels(award_type.value, kind).set(totals.get((award_type.value, kind), 0))
