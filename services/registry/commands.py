"""The registry's commands as they arrive over HTTP, validated at the edge.

A command about a unit the URL names is the body (`...Input`, what the caller writes) plus that
unit's id: one object, so the handler, the idempotency record and the metrics see the whole intent.

Every re-organisation takes effect on a day (`effective_on`, a calendar day in Vietnam); left out,
it is today in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.registry.models import ModelField
from shared.http.input import CommandInput
from shared.subjects import CODE_PATTERN

EffectiveOn = date | None
_EFFECTIVE = "Ngày có hiệu lực — the day it takes effect (default: today in Vietnam)"


class RegisterOrgUnit(CommandInput):
    """Thêm đơn vị — add a unit (province, commune, agency, school...) under its parent."""

    code: str = Field(pattern=CODE_PATTERN, description="Official administrative code where one exists")
    name: str = Field(min_length=2, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,39}$", description="e.g. province, commune, agency, school")
    parent_id: UUID | None = None
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class RenameOrgUnitInput(CommandInput):
    """Đổi tên đơn vị — the unit keeps its id, code and place."""

    name: str = Field(min_length=2, max_length=200)
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class MoveOrgUnitInput(CommandInput):
    """Chuyển đơn vị sang đơn vị cấp trên khác — with everything under it."""

    parent_id: UUID
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class NewSuccessor(CommandInput):
    """Đơn vị mới hình thành sau sáp nhập — a unit registered with the merge as its successor."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=2, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    parent_id: UUID | None = Field(default=None, description="Required when the merged units have different parents")


class MergeOrgUnits(CommandInput):
    """Sáp nhập đơn vị — the merged units end; the successor (an existing unit, `successor_id`, or one
    registered now, `successor`) carries their models and units from then on."""

    merged_ids: list[UUID] = Field(min_length=1, max_length=100)
    successor_id: UUID | None = None
    successor: NewSuccessor | None = None
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class SplitShareInput(CommandInput):
    org_unit_id: UUID = Field(description="A successor")
    entity_ids: list[UUID] = Field(default_factory=list, max_length=10_000,
                                   description="Models and exemplars that go to this successor")


class SplitOrgUnitInput(CommandInput):
    """Chia tách đơn vị — the unit ends; each model goes to the successor that names it, the rest
    to `default_successor_id`."""

    shares: list[SplitShareInput] = Field(min_length=2, max_length=50)
    default_successor_id: UUID | None = None
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class DissolveOrgUnitInput(CommandInput):
    """Giải thể đơn vị — the unit ends; `successor_id` (required while it carries models) takes them."""

    successor_id: UUID | None = None
    reason: str | None = Field(default=None, max_length=1000)
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class RegisterModel(CommandInput):
    """Đăng ký mô hình, điển hình "Dân vận khéo"."""

    title: str = Field(min_length=5, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    owner_org_unit_id: UUID
    recipient_kind: Literal["collective", "individual"]
    field: ModelField
    year: int = Field(ge=2000, le=2100)


class RenameOrgUnit(RenameOrgUnitInput):
    org_unit_id: UUID


class MoveOrgUnit(MoveOrgUnitInput):
    org_unit_id: UUID


class SplitOrgUnit(SplitOrgUnitInput):
    org_unit_id: UUID


class DissolveOrgUnit(DissolveOrgUnitInput):
    org_unit_id: UUID
