"""The plan and report aggregates, given / when / then: lateness decided once from the day of
submission, a report once per deadline, codes unique, deadlines within the plan's period."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.registry.plans import Deadline, Plan, PlanRecorded, Report, ReportRecorded, Target
from shared.domain.aggregate import DomainError, InvalidInput

AT = datetime(2022, 3, 1, 3, tzinfo=UTC)
DEADLINES = [Deadline(code="KH", kind="plan", due_on=date(2022, 4, 15)),
             Deadline(code="BC2022", kind="report", due_on=date(2022, 11, 15))]


def _issue(parent: Plan | None = None, issued_on: date = date(2022, 3, 1), **changes: object) -> Plan:
    facts: dict[str, object] = dict(
        plan_id=uuid.uuid4(), org_unit_id=uuid.uuid4(), org_path="VN.15", org_name="Tỉnh Lào Cai", number=None,
        title="Kế hoạch \"Dân vận khéo\" 2022-2025", period_from=2022, period_to=2025, issued_on=issued_on,
        basis=[], purposes=[], targets=[], tasks=[], deadlines=DEADLINES, recipient_ids=[], parent=parent, at=AT)
    facts.update(changes)
    return Plan.issue(**facts)  # type: ignore[arg-type]


def _given(plan: Plan) -> Plan:
    """The plan as loaded from its stream."""
    return Plan.rehydrate(plan.pending)


def test_a_subordinate_plan_is_on_time_up_to_its_deadline_day_and_late_after() -> None:
    parent = _given(_issue())
    on_the_day = _issue(parent, issued_on=date(2022, 4, 15), deadlines=[]).pending[0]
    day_after = _issue(parent, issued_on=date(2022, 4, 16), deadlines=[]).pending[0]
    assert isinstance(on_the_day, PlanRecorded) and isinstance(day_after, PlanRecorded)
    assert (on_the_day.answers_deadline, on_the_day.late) == ("KH", False)
    assert (day_after.answers_deadline, day_after.late) == ("KH", True)


def test_a_plan_that_asks_no_plans_cannot_be_answered_by_one() -> None:
    parent = _given(_issue(deadlines=[DEADLINES[1]]))
    with pytest.raises(InvalidInput) as refused:
        _issue(parent, deadlines=[])
    assert (refused.value.field, refused.value.code) == ("parent_plan_id", "plan_asks_no_plans")


def test_codes_are_unique_and_deadlines_lie_within_the_period() -> None:
    target = Target(code="T1", description="100% xã có mô hình", metric="percent", threshold=100)
    with pytest.raises(InvalidInput) as repeated:
        _issue(targets=[target, target])
    assert repeated.value.field == "targets.1.code"
    with pytest.raises(InvalidInput) as outside:
        _issue(deadlines=[Deadline(code="BC", kind="report", due_on=date(2030, 11, 15))])
    assert outside.value.field == "deadlines.0.due_on"
    with pytest.raises(InvalidInput) as reversed_:
        _issue(period_from=2025, period_to=2022)
    assert reversed_.value.field == "period_to"


def test_a_report_is_late_after_its_deadline_and_submitted_once() -> None:
    plan = _given(_issue())
    report = Report()
    report.submit(report_id=uuid.uuid4(), plan=plan, deadline_code="BC2022", org_unit_id=uuid.uuid4(),
                  org_path="VN.15.02989", org_name="Xã Bảo Hà", summary="Đã thực hiện.",
                  submitted_on=date(2022, 11, 16), at=AT)
    recorded = report.pending[0]
    assert isinstance(recorded, ReportRecorded) and recorded.late
    again = Report.rehydrate(report.pending)
    with pytest.raises(DomainError) as twice:
        again.submit(report_id=uuid.uuid4(), plan=plan, deadline_code="BC2022", org_unit_id=uuid.uuid4(),
                     org_path="VN.15.02989", org_name="Xã Bảo Hà", summary="Lần hai.",
                     submitted_on=date(2022, 11, 10), at=AT)
    assert twice.value.code == "report_already_submitted"
    with pytest.raises(InvalidInput) as wrong:
        Report().submit(report_id=uuid.uuid4(), plan=plan, deadline_code="KH", org_unit_id=uuid.uuid4(),
                        org_path="VN.15.02989", org_name="Xã Bảo Hà", summary="Nhầm hạn.",
                        submitted_on=date(2022, 4, 1), at=AT)
    assert (wrong.value.field, wrong.value.code) == ("deadline_code", "plan_no_report_deadline")
