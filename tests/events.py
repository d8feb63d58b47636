"""Real public events for tests and benchmarks, built and published exactly as a service's relay would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from nats.js import JetStreamContext
from nats.js.api import PubAck

from shared.contracts import (
    AwardGranted,
    CriterionScore,
    InspectionPassed,
    IntegrationEvent,
    ModelRegistered,
    OrgUnitRegistered,
    OrgUnitsMerged,
)
from shared.envelope import CloudEvent
from shared.store.outbox import to_cloud_event
from shared.subjects import event_subject

AT = datetime(2025, 10, 14, 18, 30, tzinfo=UTC)
"""15/10/2025 01:30 in Vietnam: the movement's anniversary, the evening before in UTC."""
_UNITS = uuid.UUID("5b1f6a0e-3c1d-4f7e-9a52-0d5e2c6f7a10")


def unit_id(org_path: str) -> uuid.UUID:
    """The id the tests give the unit at `org_path`: the same in the events below and in `org_units`,
    so an event's owner is a unit the consuming service's hierarchy copy knows."""
    return uuid.uuid5(_UNITS, org_path)


def model_registered(org_path: str = "VN.15.04321", title: str = "Dân vận khéo trong xây dựng nông thôn mới",
                     at: datetime = AT) -> ModelRegistered:
    return ModelRegistered(
        org_path=org_path, model_id=uuid.uuid4(), title=title, owner_org_unit_id=unit_id(org_path),
        owner_org_name="Xã Bảo Hà", recipient_kind="collective", field="kinh_te", year=2025, registered_at=at)


def inspection_passed(org_path: str = "VN.15.04321", at: datetime = AT) -> InspectionPassed:
    return InspectionPassed(
        org_path=org_path, inspection_id=uuid.uuid4(), model_id=uuid.uuid4(), model_title="Chợ văn minh",
        owner_org_unit_id=unit_id(org_path), owner_org_name="Xã Bảo Hà", recipient_kind="collective",
        criteria_set_id=uuid.uuid4(),
        criteria_set_name="Tiêu chí 2025", scores=[CriterionScore(code="c1", score=85, max_score=100)],
        total_score=85, pass_score=70, inspected_at=at)


def award_granted(org_path: str = "VN.15.04321") -> AwardGranted:
    return AwardGranted(
        org_path=org_path, grant_id=uuid.uuid4(), round_id=uuid.uuid4(), round_name="Sơ kết 2023",
        award_type="reward", recipient_kind="collective", model_id=uuid.uuid4(), model_title="Chợ văn minh",
        owner_org_unit_id=unit_id(org_path), owner_org_name="Xã Bảo Hà", quota=15, granted_in_quota=1,
        granted_at=AT)


def cloud_event(event: IntegrationEvent, event_id: uuid.UUID | None = None) -> CloudEvent:
    return to_cloud_event(event, event_id=event_id or uuid.uuid4(), time=datetime.now(UTC), instance="test",
                          entity=f"test/{uuid.uuid4()}", actor="tester", correlation_id=str(uuid.uuid4()))


async def publish(js: JetStreamContext, event: IntegrationEvent, ce: CloudEvent | None = None,
                  msg_id: str | None = None) -> tuple[CloudEvent, PubAck]:
    """Publish as the relay does; `msg_id` overrides Nats-Msg-Id, as a republish after the window would."""
    ce = ce or cloud_event(event)
    headers, body = ce.to_nats()
    if msg_id is not None:
        headers["Nats-Msg-Id"] = msg_id
    ack = await js.publish(event_subject(event.SERVICE, event.NAME, event.org_path), body, headers=headers)
    return ce, ack


def org_tree() -> list[IntegrationEvent]:
    """Việt Nam → Lào Cai (15) → Xã Bảo Hà (02989), Xã Nghĩa Đô (02953), then Nghĩa Đô merged into Bảo Hà:
    the registry's events as another service receives them."""
    ids = {code: unit_id(path) for code, path in (("VN", "VN"), ("15", "VN.15"), ("02989", "VN.15.02989"),
                                                  ("02953", "VN.15.02953"))}
    units = [("VN", None, "VN", "Việt Nam"), ("15", "VN", "VN.15", "Tỉnh Lào Cai"),
             ("02989", "15", "VN.15.02989", "Xã Bảo Hà"), ("02953", "15", "VN.15.02953", "Xã Nghĩa Đô")]
    events: list[IntegrationEvent] = [
        OrgUnitRegistered(org_path=path, org_unit_id=ids[code], code=code, name=name, kind="unit",
                          parent_id=ids[parent] if parent else None, registered_at=datetime(2020, 1, 1, tzinfo=UTC))
        for code, parent, path, name in units]
    events.append(OrgUnitsMerged(org_path="VN.15.02989", successor_id=ids["02989"], successor_name="Xã Bảo Hà",
                                 merged_ids=[ids["02953"]], merged_paths=["VN.15.02953"],
                                 effective_on=date(2025, 7, 1), merged_at=AT))
    return events


def org_units(*paths: str) -> list[IntegrationEvent]:
    """A tree holding each path (and its ancestors), parents first, as the registry would publish it:
    for a service's tests that need its hierarchy copy to know the units their events name."""
    wanted = sorted({".".join(p.split(".")[:i]) for p in paths for i in range(1, len(p.split(".")) + 1)},
                    key=lambda p: (p.count("."), p))
    ids = {path: unit_id(path) for path in wanted}
    return [OrgUnitRegistered(org_path=path, org_unit_id=ids[path], code=path.rsplit(".", 1)[-1],
                              name=f"Đơn vị {path}", kind="unit",
                              parent_id=ids[path.rsplit(".", 1)[0]] if "." in path else None,
                              registered_at=datetime(2020, 1, 1, tzinfo=UTC))
            for path in wanted]
