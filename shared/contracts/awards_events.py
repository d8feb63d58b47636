"""Public events of the awards service (rounds, quotas, grants)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.base import IntegrationEvent
from shared.contracts.registry_events import RecipientKind


class AwardGranted(IntegrationEvent):
    """`org_path` is the recipient model's owner — the unit the award is about — not the council."""

    SERVICE: ClassVar[str] = "awards"
    NAME: ClassVar[str] = "award_granted"
    VERSION: ClassVar[int] = 1

    grant_id: UUID
    round_id: UUID
    round_name: str
    award_type: str
    recipient_kind: RecipientKind
    model_id: UUID
    model_title: str
    owner_org_unit_id: UUID | None = Field(
        default=None, description="Stable id of the model's owner unit (the unit the award is about).")
    owner_org_name: str
    quota: int
    granted_in_quota: int
    granted_at: datetime
