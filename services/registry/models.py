"""Models and exemplars: what a unit registers, decided purely from the facts handed in.

`Model.register` is step 4 of the walk in docs/architecture.md: the decision, recorded as the
internal `ModelRecorded` that handlers.py publishes as the public `ModelRegistered`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.registry.event_types import EVENT_TYPES
from services.registry.org_units import OrgUnit
from shared.domain.aggregate import Aggregate, DomainError, InvalidInput
from shared.domain.events import DomainEvent


class ModelField(StrEnum):
    """Lĩnh vực: the four fields of social life the movement's models are grouped by."""

    KINH_TE = "kinh_te"                                     # kinh tế — economy
    VAN_HOA_XA_HOI = "van_hoa_xa_hoi"                       # văn hoá – xã hội — culture and society
    QUOC_PHONG_AN_NINH = "quoc_phong_an_ninh"               # quốc phòng – an ninh — defence and security
    XAY_DUNG_HE_THONG_CHINH_TRI = "xay_dung_he_thong_chinh_tri"  # xây dựng hệ thống chính trị


class ModelSubField(StrEnum):
    """Lĩnh vực cụ thể: the managed list of sub-fields the seeds' plans name (extended by release)."""

    NONG_THON_MOI = "nong_thon_moi"                  # xây dựng nông thôn mới
    DO_THI_VAN_MINH = "do_thi_van_minh"              # đô thị văn minh
    GIAM_NGHEO = "giam_ngheo"                        # giảm nghèo bền vững
    CAI_CACH_HANH_CHINH = "cai_cach_hanh_chinh"      # cải cách hành chính
    MOI_TRUONG = "moi_truong"                        # bảo vệ môi trường
    PHONG_CHONG_DICH = "phong_chong_dich"            # phòng, chống dịch bệnh
    AN_NINH_TRAT_TU = "an_ninh_trat_tu"              # an ninh trật tự
    CHUYEN_DOI_SO = "chuyen_doi_so"                  # chuyển đổi số
    KHAC = "khac"                                    # khác


class Person(BaseModel):
    """The person an individual exemplar (điển hình cá nhân) is about: private to the units whose
    scope carries the model, never in a public event."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str = Field(min_length=2, max_length=200)
    position: str | None = Field(default=None, max_length=200, description="Chức vụ")
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    belongs_to: str | None = Field(default=None, max_length=300, description="Đơn vị công tác / nơi sinh sống")


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
    sub_field: ModelSubField | None = None
    person: Person | None = None
    """None in events stored before exemplars carried their person."""


AMENDABLE = ("title", "description", "field", "sub_field", "year", "person")
"""What an amendment may change; the owner, the kind and the history are not amended."""


@EVENT_TYPES.register
class ModelChanged(DomainEvent):
    """An amendment: the new value of each field that changed (and only those)."""

    NAME = "ModelChanged"
    model_id: UUID
    changes: dict[str, Any]
    at: datetime


@EVENT_TYPES.register
class ModelWithdrawalRecorded(DomainEvent):
    NAME = "ModelWithdrawalRecorded"
    model_id: UUID
    reason: str
    at: datetime


class Model(Aggregate):
    """A "Dân vận khéo" model (mô hình) or exemplar (điển hình), collective or individual."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: ModelRecorded | None = None
        self.now: dict[str, Any] = {}
        """The amendable fields as they stand, in their JSON form."""
        self.withdrawn: ModelWithdrawalRecorded | None = None
        self.changed_at: dict[int, set[str]] = {}
        """Version → the fields that version changed: what a stale amendment is told it missed."""
        self.replicates: UUID | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ModelRecorded):
            self.recorded = event
            self.now = event.model_dump(mode="json", include=set(AMENDABLE))
        elif isinstance(event, ModelChanged):
            self.now.update(event.changes)
            self.changed_at[self.version + 1] = set(event.changes)
        elif isinstance(event, ModelWithdrawalRecorded):
            self.withdrawn = event
            self.changed_at[self.version + 1] = {"status"}
        elif isinstance(event, ReplicationRecorded):
            self.replicates = event.source_model_id
            self.changed_at[self.version + 1] = {"replicates"}

    def replicate(self, source: Model, note: str | None, at: datetime) -> None:
        """Record that this model replicates `source` (once; never itself, nor a withdrawn one)."""
        assert self.recorded is not None
        if source.recorded is None or source.recorded.model_id == self.recorded.model_id:
            raise InvalidInput("source_model_id", "model_replicates_itself" if source.recorded else "model_not_found")
        if self.replicates is not None:
            raise DomainError("model_already_replicates")
        if source.withdrawn is not None:
            raise InvalidInput("source_model_id", "model_source_withdrawn")
        self.record(ReplicationRecorded(model_id=self.recorded.model_id, source_model_id=source.recorded.model_id,
                                        note=note.strip() if note else None, at=at))

    def changed_since(self, version: int) -> list[str]:
        return sorted(set().union(*(f for v, f in self.changed_at.items() if v > version)))

    def amend(self, changes: dict[str, Any], at: datetime) -> None:
        """`changes`: the fields the caller sent, in JSON form; those equal to what stands are dropped."""
        assert self.recorded is not None
        if self.withdrawn is not None:
            raise DomainError("model_withdrawn", on=self.withdrawn.at.strftime("%d/%m/%Y"))
        for required in ("title", "field", "year"):
            if required in changes and changes[required] is None:
                raise InvalidInput(required, "missing")
        changed = {k: v for k, v in changes.items() if self.now.get(k) != v}
        if not changed:
            raise InvalidInput(next(iter(changes), "title"), "model_nothing_changed")
        kind = self.recorded.recipient_kind
        if "person" in changed and (changed["person"] is None) == (kind == "individual"):
            raise InvalidInput("person", f"model_person_{kind}")
        if "year" in changed and changed["year"] > at.year + 1:
            raise InvalidInput("year", "model_year_in_future", year=changed["year"])
        self.record(ModelChanged(model_id=self.recorded.model_id, changes=changed, at=at))

    def withdraw(self, reason: str, at: datetime) -> None:
        assert self.recorded is not None
        if self.withdrawn is not None:
            raise DomainError("model_withdrawn", on=self.withdrawn.at.strftime("%d/%m/%Y"))
        self.record(ModelWithdrawalRecorded(model_id=self.recorded.model_id, reason=reason.strip(), at=at))

    def register(self, *, model_id: UUID, title: str, description: str | None, owner: OrgUnit,
                 recipient_kind: Literal["collective", "individual"], field: ModelField, year: int,
                 at: datetime, owner_path: str | None = None, sub_field: ModelSubField | None = None,
                 person: Person | None = None) -> None:
        """`owner_path` is the owner's path now (default: the path it was created with). An exemplar
        (individual) names its person; a collective model names none."""
        if self.recorded is not None:
            raise DomainError("model_already_registered", model_id=model_id)
        if (person is None) == (recipient_kind == "individual"):
            raise InvalidInput("person", f"model_person_{recipient_kind}")
        if owner.created is None:
            raise DomainError("org_unit_unknown")
        owner._ensure_standing("owner_org_unit_id")
        if year > at.year + 1:
            raise DomainError("model_year_in_future", year=year)
        self.record(ModelRecorded(
            model_id=model_id, title=title.strip(), description=description,
            owner_org_unit_id=owner.created.org_unit_id,
            owner_org_path=owner_path or owner.created.path, owner_org_name=owner.name,
            recipient_kind=recipient_kind, field=field, year=year, at=at, sub_field=sub_field, person=person))


@EVENT_TYPES.register
class ReplicationRecorded(DomainEvent):
    """This model replicates (nhân rộng) another: the seeds count how far good models spread."""

    NAME = "ReplicationRecorded"
    model_id: UUID
    source_model_id: UUID
    note: str | None
    at: datetime
