"""The evaluation service's commands as they arrive over HTTP, validated at the edge.

The edge checks shape and types (so a wrong type is a field-level 422 before anything loads);
rules that need the criteria set or the model — unique codes, pass mark within reach, every
criterion scored once within its maximum — are the aggregates' to decide.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

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

    model_id: UUID
    criteria_set_id: UUID
    scores: list[ScoreInput] = Field(min_length=1, max_length=50)
    inspected_on: date | None = Field(default=None, ge=date(2000, 1, 1),
                                     description="Ngày kiểm tra; today (Vietnam time) if absent")
    notes: str | None = Field(default=None, max_length=5000)
