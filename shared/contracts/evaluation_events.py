"""Public events of the evaluation service (inspections against criteria sets)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent
from shared.contracts.registry_events import RecipientKind


class CriterionScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    code: str
    score: float
    max_score: float


class _InspectionOutcome(IntegrationEvent):
    inspection_id: UUID
    model_id: UUID
    model_title: str
    owner_org_unit_id: UUID | None = Field(
        default=None, description="Stable id of the model's owner unit (the unit the event is about).")
    owner_org_name: str
    recipient_kind: RecipientKind
    criteria_set_id: UUID
    criteria_set_name: str
    scores: list[CriterionScore]
    total_score: float
    pass_score: float
    inspected_at: datetime


class InspectionPassed(_InspectionOutcome):
    SERVICE: ClassVar[str] = "evaluation"
    NAME: ClassVar[str] = "inspection_passed"
    VERSION: ClassVar[int] = 1


class InspectionFailed(_InspectionOutcome):
    SERVICE: ClassVar[str] = "evaluation"
    NAME: ClassVar[str] = "inspection_failed"
    VERSION: ClassVar[int] = 1
