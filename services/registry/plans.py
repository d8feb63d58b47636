"""Plans (kế hoạch) and the reports units owe against them, decided purely from the facts handed in.

A unit issues a plan for a period — its basis, purposes, measurable targets, tasks with lead and
coordinating units, deadlines for subordinate plans and for reports, and its distribution list
(nơi nhận). A subordinate unit answers with a plan of its own under the parent's (which is its
submission against the parent's plan deadline) and with a report for each report deadline. Whether
it came in time is decided here, once, from the day it was submitted: a board then only reads.

One stream per plan; one stream per (plan, report deadline, unit), so a unit reports once per
deadline and units reporting at the same moment never contend on the plan's stream.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.registry.event_types import EVENT_TYPES
from shared.domain.aggregate import Aggregate, DomainError, InvalidInput
from shared.domain.events import DomainEvent

DeadlineKind = Literal["plan", "report"]
"""What a deadline asks of the units: their own plan under this one (kế hoạch), or a report (báo cáo)."""


class Target(BaseModel):
    """A measurable target, e.g. "100% of communes have a model in every village" (metric percent,
    comparator >=, threshold 100, scope "communes")."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    description: str = Field(min_length=3, max_length=1000)
    metric: Literal["percent", "count"]
    comparator: Literal[">=", "=", "<="] = ">="
    threshold: float = Field(ge=0, le=1_000_000)
    scope: str | None = Field(default=None, max_length=300)


class Task(BaseModel):
    """A task with its lead unit, coordinating units and time frame ("hằng năm", "2022, 2023")."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    description: str = Field(min_length=3, max_length=2000)
    lead_unit_id: UUID | None = None
    coordinating_unit_ids: list[UUID] = Field(default_factory=list, max_length=100)
    time_frame: str | None = Field(default=None, max_length=100)


class Deadline(BaseModel):
    """A day by which the units on the plan's list owe something: their plan, or a report."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    kind: DeadlineKind
    due_on: date
    label: str | None = Field(default=None, max_length=200)


@EVENT_TYPES.register
class PlanRecorded(DomainEvent):
    NAME = "PlanRecorded"
    plan_id: UUID
    org_unit_id: UUID
    org_path: str
    org_name: str
    number: str | None
    title: str
    period_from: int
    period_to: int
    issued_on: date
    basis: list[str]
    purposes: list[str]
    targets: list[Target]
    tasks: list[Task]
    deadlines: list[Deadline]
    recipient_ids: list[UUID]
    parent_plan_id: UUID | None
    answers_deadline: str | None
    """The parent's plan deadline this plan was submitted against (None: not a subordinate plan)."""
    late: bool
    at: datetime


@EVENT_TYPES.register
class ReportRecorded(DomainEvent):
    NAME = "ReportRecorded"
    report_id: UUID
    plan_id: UUID
    deadline_code: str
    org_unit_id: UUID
    org_path: str
    org_name: str
    summary: str
    submitted_on: date
    late: bool
    at: datetime


def _unique(codes: list[str], field: str) -> None:
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code in seen:
            raise InvalidInput(f"{field}.{i}.code", "plan_code_repeated", code=code, first=seen[code] + 1)
        seen[code] = i


class Plan(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.recorded: PlanRecorded | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, PlanRecorded):
            self.recorded = event

    def deadline(self, code: str, kind: DeadlineKind, field: str) -> Deadline:
        assert self.recorded is not None
        for deadline in self.recorded.deadlines:
            if deadline.code == code and deadline.kind == kind:
                return deadline
        raise InvalidInput(field, f"plan_no_{kind}_deadline", code=code, plan=self.recorded.title)

    def first_deadline(self, kind: DeadlineKind) -> Deadline | None:
        assert self.recorded is not None
        due = sorted((d for d in self.recorded.deadlines if d.kind == kind), key=lambda d: d.due_on)
        return due[0] if due else None

    @classmethod
    def issue(cls, *, plan_id: UUID, org_unit_id: UUID, org_path: str, org_name: str, number: str | None,
              title: str, period_from: int, period_to: int, issued_on: date, basis: list[str], purposes: list[str],
              targets: list[Target], tasks: list[Task], deadlines: list[Deadline], recipient_ids: list[UUID],
              parent: Plan | None, at: datetime) -> Plan:
        """`parent`: the plan this one answers (a subordinate unit's plan under its board's)."""
        if period_to < period_from:
            raise InvalidInput("period_to", "plan_period_reversed", period_from=period_from)
        _unique([t.code for t in targets], "targets")
        _unique([t.code for t in tasks], "tasks")
        _unique([d.code for d in deadlines], "deadlines")
        for i, deadline in enumerate(deadlines):
            if not period_from - 1 <= deadline.due_on.year <= period_to + 1:
                raise InvalidInput(f"deadlines.{i}.due_on", "plan_deadline_outside_period",
                                   period_from=period_from, period_to=period_to)
        answers, late = None, False
        if parent is not None:
            if parent.recorded is None:
                raise InvalidInput("parent_plan_id", "plan_unknown")
            due = parent.first_deadline("plan")
            if due is None:
                raise InvalidInput("parent_plan_id", "plan_asks_no_plans", plan=parent.recorded.title)
            answers, late = due.code, issued_on > due.due_on
        plan = cls()
        plan.record(PlanRecorded(
            plan_id=plan_id, org_unit_id=org_unit_id, org_path=org_path, org_name=org_name, number=number,
            title=title.strip(), period_from=period_from, period_to=period_to, issued_on=issued_on, basis=basis,
            purposes=purposes, targets=targets, tasks=tasks, deadlines=deadlines, recipient_ids=recipient_ids,
            parent_plan_id=parent.recorded.plan_id if parent is not None and parent.recorded else None,
            answers_deadline=answers, late=late, at=at))
        return plan


class Report(Aggregate):
    """A unit's report against one report deadline of a plan: submitted once."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: ReportRecorded | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ReportRecorded):
            self.recorded = event

    def submit(self, *, report_id: UUID, plan: Plan, deadline_code: str, org_unit_id: UUID, org_path: str,
               org_name: str, summary: str, submitted_on: date, at: datetime) -> None:
        if self.recorded is not None:
            raise DomainError("report_already_submitted", on=self.recorded.submitted_on.strftime("%d/%m/%Y"))
        assert plan.recorded is not None
        deadline = plan.deadline(deadline_code, "report", "deadline_code")
        self.record(ReportRecorded(
            report_id=report_id, plan_id=plan.recorded.plan_id, deadline_code=deadline.code,
            org_unit_id=org_unit_id, org_path=org_path, org_name=org_name, summary=summary.strip(),
            submitted_on=submitted_on, late=submitted_on > deadline.due_on, at=at))


@EVENT_TYPES.register
class ParticipationRecorded(DomainEvent):
    NAME = "ParticipationRecorded"
    plan_id: UUID
    org_unit_id: UUID
    org_path: str
    org_name: str
    commitment: str | None
    registered_on: date
    at: datetime


class Participation(Aggregate):
    """A unit's voluntary registration in the movement a plan launches: once per (plan, unit)."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: ParticipationRecorded | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ParticipationRecorded):
            self.recorded = event

    def register(self, *, plan: Plan, org_unit_id: UUID, org_path: str, org_name: str, commitment: str | None,
                 registered_on: date, at: datetime) -> None:
        if self.recorded is not None:
            raise DomainError("participation_already_registered",
                              on=self.recorded.registered_on.strftime("%d/%m/%Y"))
        assert plan.recorded is not None
        self.record(ParticipationRecorded(
            plan_id=plan.recorded.plan_id, org_unit_id=org_unit_id, org_path=org_path, org_name=org_name,
            commitment=commitment.strip() if commitment else None, registered_on=registered_on, at=at))


@EVENT_TYPES.register
class BlocFormed(DomainEvent):
    NAME = "BlocFormed"
    bloc_id: UUID
    code: str
    name: str
    org_unit_id: UUID
    """The unit that organises the bloc (e.g. the province's emulation council)."""
    org_path: str
    member_ids: list[UUID]
    at: datetime


@EVENT_TYPES.register
class BlocMembersChanged(DomainEvent):
    NAME = "BlocMembersChanged"
    bloc_id: UUID
    member_ids: list[UUID]
    at: datetime


def _distinct_members(member_ids: list[UUID]) -> None:
    seen: set[UUID] = set()
    for i, member in enumerate(member_ids):
        if member in seen:
            raise InvalidInput(f"member_ids.{i}", "bloc_member_repeated")
        seen.add(member)


class Bloc(Aggregate):
    """An emulation bloc (khối thi đua): units grouped across the tree to emulate one another."""

    def __init__(self) -> None:
        super().__init__()
        self.formed: BlocFormed | None = None
        self.member_ids: list[UUID] = []

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, BlocFormed):
            self.formed, self.member_ids = event, list(event.member_ids)
        elif isinstance(event, BlocMembersChanged):
            self.member_ids = list(event.member_ids)

    @classmethod
    def form(cls, *, bloc_id: UUID, code: str, name: str, org_unit_id: UUID, org_path: str, member_ids: list[UUID],
             at: datetime) -> Bloc:
        _distinct_members(member_ids)
        bloc = cls()
        bloc.record(BlocFormed(bloc_id=bloc_id, code=code, name=name.strip(), org_unit_id=org_unit_id,
                               org_path=org_path, member_ids=member_ids, at=at))
        return bloc

    def change_members(self, member_ids: list[UUID], at: datetime) -> None:
        assert self.formed is not None
        _distinct_members(member_ids)
        if sorted(member_ids) == sorted(self.member_ids):
            raise InvalidInput("member_ids", "bloc_members_unchanged")
        self.record(BlocMembersChanged(bloc_id=self.formed.bloc_id, member_ids=member_ids, at=at))
