"""The registry's commands as they arrive over HTTP, validated at the edge."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from services.registry.domain import ModelField
from shared.http.input import CommandInput
from shared.subjects import CODE_PATTERN


class RegisterOrgUnit(CommandInput):
    """Thêm đơn vị — add a unit (province, commune, agency, school...) under its parent."""

    code: str = Field(pattern=CODE_PATTERN, description="Official administrative code where one exists")
    name: str = Field(min_length=2, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,39}$", description="e.g. province, commune, agency, school")
    parent_id: UUID | None = None


class RegisterModel(CommandInput):
    """Đăng ký mô hình, điển hình "Dân vận khéo"."""

    title: str = Field(min_length=5, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    owner_org_unit_id: UUID
    recipient_kind: Literal["collective", "individual"]
    field: ModelField
    year: int = Field(ge=2000, le=2100)
