"""Registry aggregates: org units and the models/exemplars units register.

Pure: every id and time arrives with the call; the methods only decide and record events.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from shared.domain.aggregate import Aggregate, DomainError
from shared.domain.events import DomainEvent, EventTypes

EVENT_TYPES = EventTypes()


class ModelField(StrEnum):
    """Lĩnh vực: the four fields of social life the movement's models are grouped by."""

    KINH_TE = "kinh_te"                                     # kinh tế — economy
    VAN_HOA_XA_HOI = "van_hoa_xa_hoi"                       # văn hoá – xã hội — culture and society
    QUOC_PHONG_AN_NINH = "quoc_phong_an_ninh"               # quốc phòng – an ninh — defence and security
    XAY_DUNG_HE_THONG_CHINH_TRI = "xay_dung_he_thong_chinh_tri"  # xây dựng hệ thống chính trị


@EVENT_TYPES.register
class OrgUnitCreated(DomainEvent):
    NAME = "OrgUnitCreated"
    org_unit_id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None
    path: str
    at: datetime


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


class OrgUnit(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.created: OrgUnitCreated | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, OrgUnitCreated):
            self.created = event

    @classmethod
    def create(cls, *, org_unit_id: UUID, code: str, name: str, kind: str, parent: OrgUnit | None,
               at: datetime) -> OrgUnit:
        if parent is not None and parent.created is None:
            raise DomainError("org_unit_parent_missing")
        path = f"{parent.created.path}.{code}" if parent and parent.created else code
        unit = cls()
        unit.record(OrgUnitCreated(org_unit_id=org_unit_id, code=code, name=name, kind=kind,
                                   parent_id=parent.created.org_unit_id if parent and parent.created else None,
                                   path=path, at=at))
        return unit


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
                 at: datetime) -> None:
        if self.recorded is not None:
            raise DomainError("model_already_registered", model_id=model_id)
        if owner.created is None:
            raise DomainError("org_unit_unknown")
        if year > at.year + 1:
            raise DomainError("model_year_in_future", year=year)
        self.record(ModelRecorded(
            model_id=model_id, title=title.strip(), description=description,
            owner_org_unit_id=owner.created.org_unit_id,
            owner_org_path=owner.created.path, owner_org_name=owner.created.name, recipient_kind=recipient_kind,
            field=field, year=year, at=at))
