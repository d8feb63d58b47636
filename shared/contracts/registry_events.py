"""Public events of the registry service: the organisation hierarchy, models and exemplars.

The hierarchy events carry the date a change takes effect (`effective_on`, a calendar day in
Vietnam) apart from the moment it was recorded, because re-organisations are decided ahead or
entered late: a subscriber answering "as on date D" must use the hierarchy of D. A unit's id is
stable; its code is the official administrative code; its path is where it stands *now* and is
what the subject carries at the moment of the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import IntegrationEvent

RecipientKind = Literal["collective", "individual"]
"""Tập thể (collective) or cá nhân (individual): the seeds reward and count them separately."""


class _Registry(IntegrationEvent):
    SERVICE: ClassVar[str] = "registry"


class OrgUnitRegistered(_Registry):
    """A unit joined the tree. `org_path` is its own path."""

    NAME: ClassVar[str] = "org_unit_registered"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    code: str
    name: str = Field(description="Tên đơn vị — the unit's official Vietnamese name.")
    kind: str = Field(description="Loại đơn vị, e.g. province, commune, agency, school.")
    parent_id: UUID | None
    registered_at: datetime
    effective_on: date | None = Field(
        default=None, description="Ngày có hiệu lực — the day the unit exists from (default: the day recorded).")


class OrgUnitRenamed(_Registry):
    """A unit's name changed; its id, code and path did not. `org_path` is its path."""

    NAME: ClassVar[str] = "org_unit_renamed"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    old_name: str
    name: str
    effective_on: date
    renamed_at: datetime


class OrgUnitMoved(_Registry):
    """A unit (with its whole subtree) now stands under another parent. `org_path` is its new path."""

    NAME: ClassVar[str] = "org_unit_moved"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    old_parent_id: UUID | None
    parent_id: UUID
    old_path: str
    effective_on: date
    moved_at: datetime


class OrgUnitsMerged(_Registry):
    """Units were merged into a successor, which carries what they carried from then on.

    The merged units end on `effective_on`; their children move under the successor. `org_path` is
    the successor's path; `merged_paths` are the merged units' paths on the day before.
    """

    NAME: ClassVar[str] = "org_units_merged"
    VERSION: ClassVar[int] = 1

    successor_id: UUID
    successor_name: str
    merged_ids: list[UUID] = Field(min_length=1)
    merged_paths: list[str] = Field(min_length=1)
    effective_on: date
    merged_at: datetime


class SplitShare(BaseModel):
    """One successor of a split and the entities (models, exemplars...) that go to it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    org_unit_id: UUID
    org_path: str
    entity_ids: list[UUID] = Field(default_factory=list)


class OrgUnitSplit(_Registry):
    """A unit was divided among successors and ends on `effective_on`.

    Each entity the unit carried goes to the successor that names it in `shares`; the rest go to
    `default_successor_id`. `org_path` is the split unit's path on the day before.
    """

    NAME: ClassVar[str] = "org_unit_split"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    shares: list[SplitShare] = Field(min_length=2)
    default_successor_id: UUID
    effective_on: date
    split_at: datetime


class OrgUnitDissolved(_Registry):
    """A unit ended. What it carried goes to `successor_id` (required when it still carried models).
    `org_path` is its path on the day before."""

    NAME: ClassVar[str] = "org_unit_dissolved"
    VERSION: ClassVar[int] = 1

    org_unit_id: UUID
    successor_id: UUID | None
    reason: str | None = None
    effective_on: date
    dissolved_at: datetime


ORG_UNIT_EVENTS: tuple[type[IntegrationEvent], ...] = (
    OrgUnitRegistered, OrgUnitRenamed, OrgUnitMoved, OrgUnitsMerged, OrgUnitSplit, OrgUnitDissolved)
"""Every event that changes the hierarchy: each service's hierarchy read model follows these."""


class ModelRegistered(_Registry):
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


class PlanDeadline(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    kind: Literal["plan", "report"] = Field(description="Kế hoạch (a subordinate plan) or báo cáo (a report).")
    due_on: date
    label: str | None = None


class PlanIssued(_Registry):
    """A unit issued a plan (kế hoạch). `org_path` is the issuing unit's path. Subscribers remind the
    units on `recipient_ids` (nơi nhận) before each deadline until they submit."""

    NAME: ClassVar[str] = "plan_issued"
    VERSION: ClassVar[int] = 1

    plan_id: UUID
    org_unit_id: UUID
    number: str | None = Field(description="Số hiệu, e.g. 96/KH-UBND.")
    title: str
    period_from: int
    period_to: int
    issued_on: date
    deadlines: list[PlanDeadline]
    recipient_ids: list[UUID] = Field(description="Nơi nhận: the units expected to answer (empty: the units "
                                                  "directly under the issuer).")
    parent_plan_id: UUID | None


class PlanSubmitted(_Registry):
    """A unit submitted its own plan under a parent plan, against the parent's plan deadline.
    `org_path` is the submitting unit's path."""

    NAME: ClassVar[str] = "plan_submitted"
    VERSION: ClassVar[int] = 1

    plan_id: UUID
    parent_plan_id: UUID
    deadline_code: str
    org_unit_id: UUID
    submitted_on: date
    late: bool


class ReportSubmitted(_Registry):
    """A unit submitted its report against a plan's report deadline. `org_path` is the unit's path."""

    NAME: ClassVar[str] = "report_submitted"
    VERSION: ClassVar[int] = 1

    report_id: UUID
    plan_id: UUID
    deadline_code: str
    org_unit_id: UUID
    submitted_on: date
    late: bool


class ParticipationRegistered(_Registry):
    """A unit registered, voluntarily, its participation in the movement a plan launches. `org_path`
    is the unit's path."""

    NAME: ClassVar[str] = "participation_registered"
    VERSION: ClassVar[int] = 1

    plan_id: UUID
    org_unit_id: UUID
    commitment: str | None
    registered_on: date


class ModelAmended(_Registry):
    """A model's registration was corrected. `changed` names the fields that changed; the values here
    are the public ones as they now stand (an exemplar's person stays in the registry). `org_path` is
    the owner's path."""

    NAME: ClassVar[str] = "model_amended"
    VERSION: ClassVar[int] = 1

    model_id: UUID
    changed: list[str]
    title: str
    field: str
    sub_field: str | None
    year: int
    version: int
    amended_at: datetime


class ModelWithdrawn(_Registry):
    """A model was withdrawn by its unit, with the reason: it is no longer inspected or nominated.
    `org_path` is the owner's path."""

    NAME: ClassVar[str] = "model_withdrawn"
    VERSION: ClassVar[int] = 1

    model_id: UUID
    reason: str
    withdrawn_at: datetime


class ModelReplicated(_Registry):
    """A model replicates (nhân rộng) another: the seeds' target that high-efficiency models spread.
    `org_path` is the replicating model's owner's path."""

    NAME: ClassVar[str] = "model_replicated"
    VERSION: ClassVar[int] = 1

    model_id: UUID
    source_model_id: UUID
    recorded_at: datetime
