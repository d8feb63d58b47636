"""The awards service's business gauge: quota left, per award type and recipient kind.

Labels are the two bounded vocabularies only (never a round id), so the series count is fixed at
four however many rounds an instance holds. The value is read from the database, not counted in
memory, so every replica reports the same figure: aggregate replicas with `max`, not `sum`.
"""

from __future__ import annotations

import asyncio
import logging
from itertools import product

import asyncpg
from prometheus_client import Gauge

from services.awards import projections
from services.awards.domain import AwardType
from shared.runtime.service import ServiceRuntime

log = logging.getLogger(__name__)

QUOTA_REMAINING = Gauge(
    "dvk_award_quota_remaining",
    "Awards still grantable, summed over open rounds, by award type and recipient kind.",
    ["award_type", "recipient_kind"])

RECIPIENT_KINDS = ("collective", "individual")
REFRESH_SECONDS = 30.0
"""Fallback refresh, for what other replicas decided; each command also refreshes right after commit."""


async def refresh_quota_gauge(pool: asyncpg.Pool) -> None:
    """Set every series (0 where no open round has that line), so none goes stale or vanishes."""
    totals = await projections.quota_remaining_totals(pool)
    for award_type, kind in product(AwardType, RECIPIENT_KINDS):
        QUOTA_REMAINING.labels(award_type.value, kind).set(totals.get((award_type.value, kind), 0))


async def keep_quota_gauge_fresh(runtime: ServiceRuntime) -> None:
    """Background task of the service: refresh at start, then every REFRESH_SECONDS."""
    while True:
        try:
            await refresh_quota_gauge(runtime.pool)
        except (OSError, asyncpg.PostgresError):
            log.warning("could not refresh dvk_award_quota_remaining; will retry", exc_info=True)
        await asyncio.sleep(REFRESH_SECONDS)
