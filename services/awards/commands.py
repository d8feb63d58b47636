"""The awards service's commands as they arrive over HTTP, validated at the edge.

What can be checked from the request alone is checked here, so a bad request gets field-level
messages and never reaches the round; what needs the round's history is the aggregate's job.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from services.awards.domain import AwardType, QuotaLine, RoundKind
from shared.contracts import RecipientKind
from shared.http.input import CommandInput
from shared.subjects import ORG_PATH_PATTERN


class QuotaInput(CommandInput):
    """Một dòng chỉ tiêu — one quota line, e.g. 15 collectives to be rewarded."""

    award_type: AwardType = Field(description="commendation (biểu dương) or reward (khen thưởng)")
    recipient_kind: RecipientKind = Field(description="collective (tập thể) or individual (cá nhân)")
    quota: int = Field(ge=1, le=100_000, strict=True)

    def to_domain(self) -> QuotaLine:
        return QuotaLine(award_type=self.award_type, recipient_kind=self.recipient_kind, quota=self.quota)


class OpenRound(CommandInput):
    """Mở đợt khen thưởng — open a round of commendations and rewards with its quotas."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Khen thưởng “Dân vận khéo” năm 2025",
        "kind": "annual",
        "year": 2025,
        "org_path": "VN.15",
        "decision_date": "2025-10-15",
        "quotas": [
            {"award_type": "reward", "recipient_kind": "collective", "quota": 15},
            {"award_type": "reward", "recipient_kind": "individual", "quota": 10},
            {"award_type": "commendation", "recipient_kind": "collective", "quota": 30},
        ],
    }]})

    name: str = Field(min_length=5, max_length=300, description="e.g. Sơ kết giữa kỳ 2023")
    kind: RoundKind = Field(description="annual (hằng năm, 15/10), mid_term (sơ kết) or final (tổng kết)")
    year: int = Field(ge=2000, le=2100, strict=True)
    org_path: str = Field(pattern=ORG_PATH_PATTERN, max_length=400,
                          description="The awarding body's org path; nominations come from its subtree")
    decision_date: date | None = Field(default=None, description="Defaults to 15/10 of `year` for annual rounds")
    quotas: list[QuotaInput] = Field(min_length=1, max_length=len(AwardType) * 2)

    @field_validator("quotas")
    @classmethod
    def _one_line_per_pair(cls, quotas: list[QuotaInput]) -> list[QuotaInput]:
        """Two lines for the same pair would make "the quota" ambiguous: refuse them at the edge."""
        pairs = [(q.award_type, q.recipient_kind) for q in quotas]
        if len(set(pairs)) != len(pairs):
            raise PydanticCustomError("round_quota_lines_repeated", "each (award_type, recipient_kind) once")
        return quotas


class NominateModelInput(CommandInput):
    """Đề nghị khen thưởng — put a model that passed inspection forward in a round."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "model_id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
        "award_type": "reward",
        "summary": "Vận động nhân dân hiến 12.000 m² đất mở đường liên thôn",
    }]})

    model_id: UUID
    award_type: AwardType
    summary: str | None = Field(default=None, max_length=5000, description="Tóm tắt thành tích")


class NominateModel(NominateModelInput):
    round_id: UUID


class GrantAward(BaseModel):
    """Quyết định khen thưởng — the council grants a nomination of a round (no body: the path says which)."""

    round_id: UUID
    nomination_id: UUID
