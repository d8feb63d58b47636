"""The evaluation service's commands as they arrive over HTTP, validated at the edge.

The edge checks shape and types (so a wrong type is a field-level 422 before anything loads);
rules that need the criteria set or the model — unique codes, pass mark within reach, every
criterion scored once within its maximum — are the aggregates' to decide.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import ConfigDict, Field

from shared.http.input import CommandInput
from shared.subjects import ORG_PATH_PATTERN

SET_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
"""A criteria set's code, often a regulation's number such as `13-QC/TU` (ASCII: it may reach headers)."""
CRITERION_CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
"""A criterion's code, e.g. `thuyet_phuc`: lower-case ASCII, stable, what scores refer to."""


class CriterionInput(CommandInput):
    """Một tiêu chí trong bộ tiêu chí — one criterion with its maximum score."""

    code: str = Field(pattern=CRITERION_CODE_PATTERN)
    name_vi: str = Field(min_length=2, max_length=300, description="Tên tiêu chí (tiếng Việt)")
    name_en: str = Field(min_length=2, max_length=300, description="The criterion's name in English")
    max_score: float = Field(gt=0, le=1000, allow_inf_nan=False)


class DefineCriteriaSet(CommandInput):
    """Ban hành bộ tiêu chí — issue a criteria set for a unit's subtree, for a year or from a date."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Tiêu chí điển hình “Dân vận khéo” năm 2025",
        "code": "13-QC/TU",
        "org_path": "VN.15",
        "year": 2025,
        "pass_score": 70,
        "criteria": [
            {"code": "thuyet_phuc", "name_vi": "Thuyết phục", "name_en": "Persuasive", "max_score": 25},
            {"code": "lan_toa", "name_vi": "Có sức lan tỏa", "name_en": "Spreading", "max_score": 25},
            {"code": "nhan_rong", "name_vi": "Có thể nhân rộng", "name_en": "Replicable", "max_score": 25},
            {"code": "dong_thuan", "name_vi": "Tạo sự đồng thuận của nhân dân", "name_en": "People's consensus",
             "max_score": 25},
        ],
    }]})

    name: str = Field(min_length=3, max_length=300, description="Tên bộ tiêu chí (tiếng Việt)")
    code: str = Field(pattern=SET_CODE_PATTERN)
    org_path: str = Field(pattern=ORG_PATH_PATTERN, description="The issuing unit's path; it applies below it")
    year: int | None = Field(default=None, ge=2000, le=2100)
    valid_from: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    pass_score: float = Field(gt=0, allow_inf_nan=False, description="Điểm đạt: total needed to pass")
    criteria: list[CriterionInput] = Field(min_length=1, max_length=50)


class ScoreInput(CommandInput):
    """Điểm của một tiêu chí — the score given for one criterion."""

    code: str = Field(min_length=1, max_length=40)
    score: float = Field(ge=0, le=1000, allow_inf_nan=False)


class RecordInspection(CommandInput):
    """Ghi kết quả kiểm tra, đánh giá một mô hình theo bộ tiêu chí — record an inspection."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "model_id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
        "criteria_set_id": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
        "inspected_on": "2025-09-20",
        "scores": [
            {"code": "thuyet_phuc", "score": 22},
            {"code": "lan_toa", "score": 20},
            {"code": "nhan_rong", "score": 19},
            {"code": "dong_thuan", "score": 21},
        ],
        "notes": "Đoàn kiểm tra của Ban Dân vận Tỉnh ủy",
    }]})

    model_id: UUID
    criteria_set_id: UUID
    scores: list[ScoreInput] = Field(min_length=1, max_length=50)
    inspected_on: date | None = Field(default=None, ge=date(2000, 1, 1),
                                     description="Ngày kiểm tra; today (Vietnam time) if absent")
    notes: str | None = Field(default=None, max_length=5000)
