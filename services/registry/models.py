"""Models and exemplars: what a unit registers, decided purely from the facts handed in.

`Model.register` is step 4 of the walk in docs/architecture.md: the decision, recorded as the
internal `ModelRecorded` that handlers.py publishes as the public `ModelRegistered`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from services.registry.event_types import EVENT_TYPES
from services.registry.org_units import OrgUnit
from shared.domain.aggregate import Aggregate, DomainError
from shared.domain.events import DomainEvent


class ModelField(StrEnum):
    """Lĩnh vực: the four fields of social life the movement's models are grouped by."""

    KINH_TE = "kinh_te"                                     # kinh tế — economy
    VAN_HOA_XA_HOI = "van_hoa_xa_hoi"                       # văn hoá – xã hội — culture and society
    QUOC_PHONG_AN_NINH = "quoc_phong_an_ninh"               # quốc phòng – an ninh — defence and security
    XAY_DUNG_HE_THONG_CHINH_TRI = "xay_dung_he_thong_chinh_tri"  # xây dựng hệ thống chính trị


@EVENT_TYPES.register
class ModelRecorded(DomainEvent):
    NAME = "ModelRecorded"
    model_id: UUID
    title: str
    description: str | None
    owner_org_unit_id: UUID
    owner_org_path: str
    owner_org_name: str
    recipient_kind: Literal["collective", "individual"]
    field: ModelField
    year: int
    at: datetime


class Model(Aggregate):
    """A "Dân vận khéo" model (mô hình) or exemplar (điển hình), collective or individual."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: ModelRecorded | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ModelRecorded):
            self.recorded = event

    def register(self, *, model_id: UUID, title: str, description: str | None, owner: OrgUnit,
                 recipient_kind: Literal["collective", "individual"], field: ModelField, year: int,
                 at: datetime, owner_path: str | None = None) -> None:
        """`owner_path` is the owner's path now (default: the path it was created with)."""
        if self.recorded is not None:
            raise DomainError("model_already_registered", model_id=model_id)
        if owner.created is None:
            raise DomainError("org_unit_unknown")
        owner._ensure_standing("owner_org_unit_id")
        if year > at.year + 1:
            raise DomainError("model_year_in_future", year=year)
        self.record(ModelRecorded(
            model_id=model_id, title=title.strip(), description=description,
            owner_org_unit_id=owner.created.org_unit_id,
            owner_org_path=owner_path or owner.created.path, owner_org_name=owner.name,
            recipient_kind=recipient_kind, field=field, year=year, at=at))
