"""Plans and their deadlines: a district's board issues a plan with targets, tasks and deadlines;
its communes submit their own plans and their reports; the board says at any time who submitted in
time, who late, who is missing and who is not due yet — for the whole district or one commune.

Against the registry's real app, PostgreSQL and nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.registry.calendar import vn_day
from services.registry.service import DEFINITION
from shared.auth.principal import Role
from tests.conftest import auth
from tests.integration.service_host import hosted

pytestmark = pytest.mark.integration


@pytest.fixture
async def district(database: str, isolated_nats) -> AsyncIterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        r = await client.post("/org-units/import", headers=auth([Role.ADMINISTRATOR]), json={"rows": [
            {"code": "VN", "name": "Việt Nam", "kind": "country"},
            {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_code": "VN"},
            {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_code": "15"},
            {"code": "02953", "name": "Xã Nghĩa Đô", "kind": "commune", "parent_code": "15"},
            {"code": "02947", "name": "Xã Bảo Yên", "kind": "commune", "parent_code": "15"}]})
        assert r.status_code == 200, r.text
        units = {u["code"]: u["id"] for u in (await client.get("/org-units", headers=auth())).json()["items"]}
        yield {"client": client, "dsn": database, "units": units}


def _plan(province: str, today: Any, **extra: Any) -> dict[str, Any]:
    return {"org_unit_id": province, "number": "96/KH-UBND",
            "title": "Kế hoạch thực hiện phong trào thi đua \"Dân vận khéo\" giai đoạn 2022-2025",
            "period_from": today.year - 1, "period_to": today.year + 1,
            "basis": ["Kế hoạch số 12-KH/TU"], "purposes": ["Nâng cao chất lượng công tác dân vận"],
            "targets": [{"code": "T1", "description": "100% xã có mô hình dân vận khéo", "metric": "percent",
                         "comparator": ">=", "threshold": 100, "scope": "xã"},
                        {"code": "T2", "description": "Mỗi xã ít nhất 01 mô hình nông thôn mới", "metric": "count",
                         "threshold": 1, "scope": "xã"}],
            "tasks": [{"code": "N1", "description": "Tổ chức đăng ký mô hình", "time_frame": "hằng năm"}],
            "deadlines": [{"code": "KH", "kind": "plan", "due_on": str(today - timedelta(days=10)),
                           "label": "Kế hoạch của xã"},
                          {"code": "BC", "kind": "report", "due_on": str(today + timedelta(days=30)),
                           "label": "Báo cáo năm"}],
            **extra}


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_the_board_tells_who_submitted_in_time_late_missing_and_not_yet_due(district) -> None:  # type: ignore[no-untyped-def]
    client, units = district["client"], district["units"]
    today = vn_day(datetime.now(UTC))
    plan = await client.post("/plans", json=_plan(units["15"], today), headers=auth([Role.REGISTRAR]))
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["id"]

    # Bảo Hà issued its own plan before the deadline; Nghĩa Đô after it; Bảo Yên not at all.
    early = await client.post("/plans", headers=auth([Role.REGISTRAR], org="VN.15.02989"), json={
        **_plan(units["02989"], today, parent_plan_id=plan_id, deadlines=[]),
        "issued_on": str(today - timedelta(days=20))})
    assert early.status_code == 201, early.text
    late = await client.post("/plans", headers=auth([Role.REGISTRAR], org="VN.15.02953"), json={
        **_plan(units["02953"], today, parent_plan_id=plan_id, deadlines=[])})
    assert late.status_code == 201, late.text
    report = await client.post(f"/plans/{plan_id}/reports", headers=auth([Role.REGISTRAR], org="VN.15.02989"),
                               json={"org_unit_id": units["02989"], "deadline_code": "BC",
                                     "summary": "Xã có 12 mô hình, 100% thôn có mô hình."})
    assert report.status_code == 201, report.text

    board = (await client.get(f"/plans/{plan_id}/board", headers=auth())).json()
    by_code = {d["code"]: d for d in board["deadlines"]}
    plans = {u["org_name"]: u["status"] for u in by_code["KH"]["units"]}
    assert plans == {"Xã Bảo Hà": "on_time", "Xã Nghĩa Đô": "late", "Xã Bảo Yên": "missing"}
    assert by_code["KH"]["counts"] == {"on_time": 1, "late": 1, "missing": 1, "not_yet_due": 0}
    reports = {u["org_name"]: u["status"] for u in by_code["BC"]["units"]}
    assert reports == {"Xã Bảo Hà": "on_time", "Xã Nghĩa Đô": "not_yet_due", "Xã Bảo Yên": "not_yet_due"}

    # One commune's officer sees the plan and only their own row.
    own = (await client.get(f"/plans/{plan_id}/board", headers=auth(org="VN.15.02947"))).json()
    assert [u["org_name"] for u in own["deadlines"][0]["units"]] == ["Xã Bảo Yên"]
    listed = (await client.get("/plans", headers=auth(org="VN.15.02947"))).json()
    assert [p["id"] for p in listed["items"]] == [plan_id]
    assert listed["items"][0]["targets"][0]["threshold"] == 100

    # A report is submitted once per deadline.
    again = await client.post(f"/plans/{plan_id}/reports", headers=auth([Role.REGISTRAR], org="VN.15.02989"),
                              json={"org_unit_id": units["02989"], "deadline_code": "BC", "summary": "Lần hai."})
    assert again.status_code == 409, again.text
    # Public events: three plans issued, two submitted under the province's, one report.
    assert await _count(district["dsn"], "select count(*) from outbox where subject like 'dvk.registry.plan%' "
                                         "or subject like 'dvk.registry.report%'") == 6


async def test_bad_plans_and_reports_are_refused_by_field_and_write_nothing(district) -> None:  # type: ignore[no-untyped-def]
    client, units, dsn = district["client"], district["units"], district["dsn"]
    today = vn_day(datetime.now(UTC))
    before = await _count(dsn, "select count(*) from events")
    body = _plan(units["15"], today)
    body["targets"].append({**body["targets"][0], "threshold": "một trăm"})
    body["deadlines"].append({"code": "X", "kind": "meeting", "due_on": "15/04/2025"})
    r = await client.post("/plans", json=body, headers=auth([Role.REGISTRAR]))
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["error"]["fields"]}
    assert {"targets.2.threshold", "deadlines.2.kind", "deadlines.2.due_on"} <= fields, fields

    repeated = _plan(units["15"], today)
    repeated["targets"][1]["code"] = "T1"
    r = await client.post("/plans", json=repeated, headers=auth([Role.REGISTRAR]))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "targets.1.code"

    outside = await client.post("/plans", json=_plan(units["15"], today), headers=auth([Role.REGISTRAR],
                                                                                        org="VN.15.02989"))
    assert outside.status_code == 403
    recipients = await client.post("/plans", headers=auth([Role.REGISTRAR]), json=_plan(
        units["02989"], today, recipient_ids=[units["15"]]))
    assert recipients.status_code == 422
    assert recipients.json()["error"]["fields"][0]["field"] == "recipient_ids.0"
    assert await _count(dsn, "select count(*) from events") == before

    plan_id = (await client.post("/plans", json=_plan(units["15"], today), headers=auth([Role.REGISTRAR]))).json()["id"]
    wrong = await client.post(f"/plans/{plan_id}/reports", headers=auth([Role.REGISTRAR]), json={
        "org_unit_id": units["02989"], "deadline_code": "KH", "summary": "Báo cáo nhầm hạn."})
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "deadline_code"
    other = await client.post(f"/plans/{plan_id}/reports", headers=auth([Role.REGISTRAR], org="VN.15.02953"),
                              json={"org_unit_id": units["02989"], "deadline_code": "BC", "summary": "Báo cáo hộ."})
    assert other.status_code == 403


async def test_units_join_a_movement_once_and_are_listed_by_subtree_and_by_bloc(district) -> None:  # type: ignore[no-untyped-def]
    client, units = district["client"], district["units"]
    today = vn_day(datetime.now(UTC))
    plan_id = (await client.post("/plans", json=_plan(units["15"], today), headers=auth([Role.REGISTRAR]))).json()["id"]
    bloc = await client.post("/emulation-blocs", headers=auth([Role.ADMINISTRATOR]), json={
        "org_unit_id": units["15"], "code": "KHOI-VUNG-CAO", "name": "Khối thi đua các xã vùng cao",
        "member_ids": [units["02953"], units["02947"]]})
    assert bloc.status_code == 201, bloc.text
    for code in ("02989", "02953"):
        r = await client.post(f"/plans/{plan_id}/participations", headers=auth([Role.REGISTRAR], org=f"VN.15.{code}"),
                              json={"org_unit_id": units[code], "commitment": "Mỗi thôn một mô hình."})
        assert r.status_code == 201, r.text
    twice = await client.post(f"/plans/{plan_id}/participations", headers=auth([Role.REGISTRAR], org="VN.15.02989"),
                              json={"org_unit_id": units["02989"]})
    assert twice.status_code == 409
    assert "đã đăng ký" in twice.json()["error"]["message"]["vi"]

    async def joined(**params: str) -> list[str]:
        r = await client.get(f"/plans/{plan_id}/participations", params=params, headers=auth())
        assert r.status_code == 200, r.text
        return [p["org_name"] for p in r.json()["items"]]

    assert sorted(await joined()) == ["Xã Bảo Hà", "Xã Nghĩa Đô"]
    assert await joined(bloc_id=bloc.json()["id"]) == ["Xã Nghĩa Đô"]
    assert await joined(under="VN.15.02989") == ["Xã Bảo Hà"]

    changed = await client.put(f"/emulation-blocs/{bloc.json()['id']}/members", headers=auth([Role.ADMINISTRATOR]),
                               json={"member_ids": [units["02989"], units["02947"]]})
    assert changed.status_code == 200, changed.text
    assert await joined(bloc_id=bloc.json()["id"]) == ["Xã Bảo Hà"]
    blocs = (await client.get("/emulation-blocs", headers=auth(org="VN.15.02947"))).json()["items"]
    assert [b["code"] for b in blocs] == ["KHOI-VUNG-CAO"]
    assert sorted(blocs[0]["member_ids"]) == sorted([units["02989"], units["02947"]])

    repeated = await client.put(f"/emulation-blocs/{bloc.json()['id']}/members", headers=auth([Role.ADMINISTRATOR]),
                                json={"member_ids": [units["02989"], units["02989"]]})
    assert repeated.status_code == 422 and repeated.json()["error"]["fields"][0]["field"] == "member_ids.1"
    outsider = await client.post("/emulation-blocs", headers=auth([Role.ADMINISTRATOR], org="VN.15.02989"), json={
        "org_unit_id": units["02989"], "code": "K2", "name": "Khối ngoài phạm vi", "member_ids": [units["02953"]]})
    assert outsider.status_code == 403
