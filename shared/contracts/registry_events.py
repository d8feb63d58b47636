"""Public events of the registry service (org units, models and exemplars)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shared.contracts.base import IntegrationEvent

RecipientKind = Literal["collective", "individual"]
"""Tập thể (collective) or cá nhân (individual): the seeds reward and count them separately."""


class OrgUnitRegistered(IntegrationEvent):
    SERVICE: ClassVar[str] = "registry"
    NAME: ClassVar[str] = "org_unit_registered"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    code: str
    name: str = Field(description="Tên đơn vị — the unit's official Vietnamese name.")
    kind: str = Field(description="Loại đơn vị, e.g. province, commune, agency, school.")
    parent_id: UUID | None
    registered_at: datetime


class ModelRegistered(IntegrationEvent):
    SERVICE: ClassVar[str] = "registry"
    NAME: ClassVar[str] = "model_registered"
    VERSION: ClassVar[int] = 1

    model_id: UUID
    title: str
    owner_org_unit_id: UUID
    owner_org_name: str
    recipient_kind: RecipientKind
    field: str = Field(description="Lĩnh vực (field of social life) code.")
    year: int
    registered_at: datetime
