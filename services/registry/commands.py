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

from pydantic import ConfigDict, Field

from services.registry.models import ModelField, ModelSubField, Person
from services.registry.plans import Deadline, Target, Task
from shared.http.input import CommandInput
from shared.subjects import CODE_PATTERN

EffectiveOn = date | None
_EFFECTIVE = "Ngày có hiệu lực — the day it takes effect (default: today in Vietnam)"


class RegisterOrgUnit(CommandInput):
    """Thêm đơn vị — add a unit (province, commune, agency, school...) under its parent."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "02989",
        "name": "Xã Bảo Hà",
        "kind": "commune",
        "parent_id": "3f2b8c1e-5d4a-4c7b-9e21-0a6d5c4b3a21",
        "effective_on": "2025-07-01",
    }]})

    code: str = Field(pattern=CODE_PATTERN, description="Official administrative code where one exists")
    name: str = Field(min_length=2, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,39}$", description="e.g. province, commune, agency, school")
    parent_id: UUID | None = None
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class RenameOrgUnitInput(CommandInput):
    """Đổi tên đơn vị — the unit keeps its id, code and place."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Xã Bảo Hà", "effective_on": "2025-10-01"}]})

    name: str = Field(min_length=2, max_length=200)
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class MoveOrgUnitInput(CommandInput):
    """Chuyển đơn vị sang đơn vị cấp trên khác — with everything under it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "parent_id": "3f2b8c1e-5d4a-4c7b-9e21-0a6d5c4b3a21",
        "effective_on": "2025-07-01",
    }]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "merged_ids": ["1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"],
        "successor_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "effective_on": "2025-07-01",
    }]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "shares": [
            {"org_unit_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
             "entity_ids": ["6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f"]},
            {"org_unit_id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "entity_ids": []},
        ],
        "default_successor_id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "effective_on": "2025-07-01",
    }]})

    shares: list[SplitShareInput] = Field(min_length=2, max_length=50)
    default_successor_id: UUID | None = None
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class DissolveOrgUnitInput(CommandInput):
    """Giải thể đơn vị — the unit ends; `successor_id` (required while it carries models) takes them."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "successor_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "reason": "Sắp xếp đơn vị hành chính cấp xã theo Nghị quyết của Ủy ban Thường vụ Quốc hội",
        "effective_on": "2025-07-01",
    }]})

    successor_id: UUID | None = None
    reason: str | None = Field(default=None, max_length=1000)
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)


class RegisterModel(CommandInput):
    """Đăng ký mô hình, điển hình "Dân vận khéo"."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "title": "Dân vận khéo trong xây dựng nông thôn mới kiểu mẫu",
        "description": "Vận động nhân dân hiến đất mở rộng đường liên thôn",
        "owner_org_unit_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "recipient_kind": "collective",
        "field": "kinh_te",
        "year": 2025,
    }]})

    title: str = Field(min_length=5, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    owner_org_unit_id: UUID
    recipient_kind: Literal["collective", "individual"]
    field: ModelField
    sub_field: ModelSubField | None = None
    year: int = Field(ge=2000, le=2100)
    person: Person | None = Field(default=None, description="Điển hình cá nhân: the person (required for an "
                                                            "individual, absent for a collective)")


class AmendModelInput(CommandInput):
    """Sửa thông tin mô hình — only the fields sent change; send `If-Match` with the version you read."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "title": "Dân vận khéo trong xây dựng nông thôn mới kiểu mẫu, giai đoạn 2",
        "sub_field": "nong_thon_moi",
    }]})

    title: str | None = Field(default=None, min_length=5, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    field: ModelField | None = None
    sub_field: ModelSubField | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    person: Person | None = None


class AmendModel(AmendModelInput):
    model_id: UUID
    expected_version: int
    sent: list[str]
    """The fields the caller sent (an explicit null clears a field; a field left out is kept)."""


class WithdrawModelInput(CommandInput):
    """Rút mô hình — with the reason; the model stays in the record, marked withdrawn."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Mô hình đã sáp nhập vào mô hình khác."}]})

    reason: str = Field(min_length=5, max_length=2000)


class WithdrawModel(WithdrawModelInput):
    model_id: UUID


class RenameOrgUnit(RenameOrgUnitInput):
    org_unit_id: UUID


class MoveOrgUnit(MoveOrgUnitInput):
    org_unit_id: UUID


class SplitOrgUnit(SplitOrgUnitInput):
    org_unit_id: UUID


class DissolveOrgUnit(DissolveOrgUnitInput):
    org_unit_id: UUID


class ImportRow(CommandInput):
    """One unit of an import: its code, name and kind, and the code of its parent in the same import
    (left out: the unit stands directly under the import's `parent_id`)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=2, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    parent_code: str | None = Field(default=None, pattern=CODE_PATTERN)


class ImportOrgUnits(CommandInput):
    """Nhập danh sách đơn vị — add many units at once, all or none.

    Rows come parents first. A unit that already stands under the same parent with the same code is
    left as it is, so an import can be run again and changes nothing the second time."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "parent_id": "3f2b8c1e-5d4a-4c7b-9e21-0a6d5c4b3a21",
        "effective_on": "2025-07-01",
        "rows": [{"code": "15", "name": "Tỉnh Lào Cai", "kind": "province"},
                 {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_code": "15"}],
    }]})

    parent_id: UUID | None = Field(default=None, description="Where rows without parent_code stand (none: roots)")
    effective_on: EffectiveOn = Field(default=None, description=_EFFECTIVE)
    rows: list[ImportRow] = Field(min_length=1, max_length=20_000)


class IssuePlan(CommandInput):
    """Ban hành kế hoạch — a unit issues a plan for a period; with `parent_plan_id`, it is the unit's
    own plan under its board's, submitted against the parent's plan deadline."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "org_unit_id": "3f2b8c1e-5d4a-4c7b-9e21-0a6d5c4b3a21",
        "number": "96/KH-UBND", "title": "Kế hoạch thực hiện phong trào thi đua \"Dân vận khéo\" giai đoạn 2022-2025",
        "period_from": 2022, "period_to": 2025, "issued_on": "2022-03-01",
        "basis": ["Kế hoạch số 12-KH/HU của Huyện ủy"],
        "purposes": ["Nâng cao nhận thức về công tác dân vận"],
        "targets": [{"code": "T1", "description": "100% xã có mô hình dân vận khéo ở các thôn", "metric": "percent",
                     "comparator": ">=", "threshold": 100, "scope": "xã"}],
        "tasks": [{"code": "N1", "description": "Tổ chức đăng ký mô hình", "time_frame": "hằng năm"}],
        "deadlines": [{"code": "KH", "kind": "plan", "due_on": "2022-04-15", "label": "Kế hoạch của đơn vị"},
                      {"code": "BC2022", "kind": "report", "due_on": "2022-11-15", "label": "Báo cáo năm 2022"}],
    }]})

    org_unit_id: UUID = Field(description="The issuing unit")
    number: str | None = Field(default=None, max_length=60, description="Số hiệu, e.g. 96/KH-UBND")
    title: str = Field(min_length=5, max_length=500)
    period_from: int = Field(ge=2000, le=2100)
    period_to: int = Field(ge=2000, le=2100)
    issued_on: date | None = Field(default=None, description="Ngày ban hành (default: today in Vietnam)")
    basis: list[str] = Field(default_factory=list, max_length=50, description="Căn cứ")
    purposes: list[str] = Field(default_factory=list, max_length=50, description="Mục đích, yêu cầu")
    targets: list[Target] = Field(default_factory=list, max_length=100)
    tasks: list[Task] = Field(default_factory=list, max_length=200)
    deadlines: list[Deadline] = Field(default_factory=list, max_length=100)
    recipient_ids: list[UUID] = Field(default_factory=list, max_length=5000,
                                      description="Nơi nhận (default: the units directly under the issuer)")
    parent_plan_id: UUID | None = None


class SubmitReportInput(CommandInput):
    """Gửi báo cáo — a unit's report against one of the plan's report deadlines."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "org_unit_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "deadline_code": "BC2022",
        "summary": "Năm 2022 xã có 12 mô hình dân vận khéo, 100% thôn có mô hình.",
    }]})

    org_unit_id: UUID = Field(description="The reporting unit")
    deadline_code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    summary: str = Field(min_length=5, max_length=20_000)
    submitted_on: date | None = Field(default=None, description="Ngày gửi (default: today in Vietnam)")


class SubmitReport(SubmitReportInput):
    plan_id: UUID


class RegisterParticipationInput(CommandInput):
    """Đăng ký tham gia phong trào — a unit joins, voluntarily, the movement a plan launches."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "org_unit_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "commitment": "Mỗi thôn xây dựng ít nhất 01 mô hình dân vận khéo.",
    }]})

    org_unit_id: UUID
    commitment: str | None = Field(default=None, max_length=5000, description="Nội dung đăng ký — what it undertakes")
    registered_on: date | None = Field(default=None, description="Ngày đăng ký (default: today in Vietnam)")


class RegisterParticipation(RegisterParticipationInput):
    plan_id: UUID


class FormBloc(CommandInput):
    """Thành lập khối thi đua — group units across the tree to emulate one another."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "org_unit_id": "3f2b8c1e-5d4a-4c7b-9e21-0a6d5c4b3a21", "code": "KHOI-XA-VUNG-CAO",
        "name": "Khối thi đua các xã vùng cao", "member_ids": ["8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"],
    }]})

    org_unit_id: UUID = Field(description="The unit that organises the bloc")
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=3, max_length=200)
    member_ids: list[UUID] = Field(min_length=1, max_length=2000)


class ChangeBlocMembersInput(CommandInput):
    """Thay đổi thành viên khối — the bloc's members from now on."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_ids": ["8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "5b2d3e4f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"]}]})

    member_ids: list[UUID] = Field(min_length=1, max_length=2000)


class ChangeBlocMembers(ChangeBlocMembersInput):
    bloc_id: UUID


class RecordReplicationInput(CommandInput):
    """Ghi nhận nhân rộng — this model replicates another (one the caller may see or not)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source_model_id": "8a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "note": "Học tập cách vận động hiến đất của xã Bảo Hà.",
    }]})

    source_model_id: UUID
    note: str | None = Field(default=None, max_length=2000)


class RecordReplication(RecordReplicationInput):
    model_id: UUID
