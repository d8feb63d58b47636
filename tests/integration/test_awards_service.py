"""The awards service hosted in-process on a real nats-server and PostgreSQL.

It learns which models passed inspection from real CloudEvents on the evaluation stream, and its
grants must reach JetStream exactly once each — never beyond a round's quota, even when a
council's members press "grant" at the same moment.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from nats.js import JetStreamContext

from services.awards.service import DEFINITION
from shared.auth.principal import Role
from shared.contracts import CriterionScore, InspectionPassed
from shared.envelope import CloudEvent
from shared.runtime.nats import EmbeddedNats
from shared.subjects import event_subject
from tests.conftest import auth
from tests.events import org_units, publish
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.jetstream import read_events

WAIT = 15.0
"""Seconds to wait for JetStream deliveries; generous for a loaded CI machine."""
ROUND_PATH = "VN.15.BY"
SECRETARY = auth([Role.SECRETARY], org="VN.15", sub="thu-ky")
COUNCIL = auth([Role.COUNCIL_MEMBER], org="VN.15", sub="hoi-dong")


@dataclass
class Host:
    client: httpx.AsyncClient
    js: JetStreamContext
    database: str

    async def count(self, sql: str) -> int:
        conn = await asyncpg.connect(self.database)
        try:
            return int(await conn.fetchval(sql))
        finally:
            await conn.close()


UNITS = org_units(*(f"{ROUND_PATH}.X{i}" for i in range(10)), "VN.15.OTHER", "VN.16")
"""The awards service's own copy of the tree: the communes these tests' models belong to."""


@pytest.fixture
async def awards(database: str, isolated_nats: EmbeddedNats) -> AsyncIterator[Host]:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):  # creates the streams first
        nc = await nats.connect(isolated_nats.url)
        try:
            host = Host(client, nc.jetstream(), database)
            for unit in UNITS:
                await publish(host.js, unit)
            await eventually(lambda: _all_known(host), within=WAIT)
            yield host
        finally:
            await nc.close()


async def _all_known(host: Host) -> bool:
    return await host.count("select count(distinct org_unit_id) from org_unit_versions") == len(UNITS)


def passed(org_path: str, kind: str = "collective", *, model_id: uuid.UUID | None = None,
           at: datetime | None = None, score: float = 88.0) -> InspectionPassed:
    return InspectionPassed(
        org_path=org_path, inspection_id=uuid.uuid4(), model_id=model_id or uuid.uuid4(),
        model_title=f"Dân vận khéo ở {org_path}", owner_org_name=f"Đơn vị {org_path}", recipient_kind=kind,
        criteria_set_id=uuid.uuid4(), criteria_set_name="Tiêu chí đánh giá 2025",
        scores=[CriterionScore(code="C1", score=score, max_score=100.0)], total_score=score, pass_score=70.0,
        inspected_at=at or datetime.now(UTC))


async def make_eligible(host: Host, events: list[InspectionPassed]) -> None:
    for e in events:
        await publish(host.js, e)  # as the evaluation service's relay would
    wanted = {str(e.model_id) for e in events}

    async def arrived() -> bool:
        r = await host.client.get("/eligible-models", headers=SECRETARY)
        return wanted <= {m["model_id"] for m in r.json()["items"]}

    await eventually(arrived, within=WAIT)


async def open_round(host: Host, quotas: list[dict[str, Any]], org_path: str = ROUND_PATH) -> str:
    r = await host.client.post("/rounds", headers=SECRETARY, json={
        "name": "Sơ kết giữa kỳ 2023", "kind": "mid_term", "year": 2023, "org_path": org_path, "quotas": quotas})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def nominate(host: Host, round_id: str, model_id: uuid.UUID, award_type: str) -> httpx.Response:
    return await host.client.post(f"/rounds/{round_id}/nominations", headers=SECRETARY,
                                  json={"model_id": str(model_id), "award_type": award_type})


async def grant(host: Host, round_id: str, nomination_id: str, **headers: str) -> httpx.Response:
    return await host.client.post(f"/rounds/{round_id}/nominations/{nomination_id}/grant",
                                  headers={**COUNCIL, **headers})


async def published_grants(js: JetStreamContext, expected: int) -> list[tuple[str, CloudEvent]]:
    return await read_events(js, "dvk.awards.award_granted.>", "DVK_AWARDS", expected, within=WAIT)


async def test_grants_stop_at_the_quota_and_reach_jetstream(awards: Host) -> None:
    quota = 2
    models = [passed(f"{ROUND_PATH}.X{i}") for i in range(quota + 1)]
    await make_eligible(awards, models)
    round_id = await open_round(awards, [{"award_type": "reward", "recipient_kind": "collective", "quota": quota},
                                         {"award_type": "commendation", "recipient_kind": "individual", "quota": 20}])
    nominations = []
    for m in models:
        r = await nominate(awards, round_id, m.model_id, "reward")
        assert r.status_code == 201, r.text
        assert r.json()["recipient_kind"] == m.recipient_kind
        nominations.append(r.json()["id"])

    granted = []
    for i, nomination_id in enumerate(nominations[:quota], start=1):
        r = await grant(awards, round_id, nomination_id, **{"Idempotency-Key": f"grant-{nomination_id}"})
        assert r.status_code == 201, r.text
        assert (r.json()["granted_in_quota"], r.json()["quota"], r.json()["remaining"]) == (i, quota, quota - i)
        granted.append(r.json())
    again = await grant(awards, round_id, nominations[0], **{"Idempotency-Key": f"grant-{nominations[0]}"})
    assert (again.status_code, again.json(), again.headers.get("Idempotent-Replayed")) == (201, granted[0], "true")

    refused = await grant(awards, round_id, nominations[quota])
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "round_quota_exhausted"
    assert f"({quota}/{quota})" in error["message"]["vi"] and "Đã hết chỉ tiêu khen thưởng" in error["message"]["vi"]
    assert f"({quota}/{quota})" in error["message"]["en"] and "used up" in error["message"]["en"]
    twice = await grant(awards, round_id, nominations[1])
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "nomination_already_granted")

    shown = (await awards.client.get(f"/rounds/{round_id}", headers=SECRETARY)).json()
    line = next(q for q in shown["quotas"] if (q["award_type"], q["recipient_kind"]) == ("reward", "collective"))
    assert (line["quota"], line["granted"], line["remaining"]) == (quota, len(granted), quota - len(granted))
    listed = (await awards.client.get(f"/rounds/{round_id}/nominations", headers=SECRETARY)).json()["items"]
    assert {n["id"]: n["status"] for n in listed} == {
        n: ("granted" if n in {g["nomination_id"] for g in granted} else "nominated") for n in nominations}

    on_stream = await published_grants(awards.js, expected=len(granted))
    by_grant = {ce.data["grant_id"]: (subject, ce) for subject, ce in on_stream}
    assert set(by_grant) == {g["id"] for g in granted}
    owner = {str(m.model_id): m.org_path for m in models}
    for g in granted:
        subject, ce = by_grant[g["id"]]
        assert subject == event_subject("awards", "award_granted", owner[g["model_id"]])
        assert subject == f"dvk.awards.award_granted.{owner[g['model_id']]}._"
        assert (ce.type, ce.subject, ce.extensions["orgpath"]) == (
            "vn.dvk.awards.award_granted.v1", f"awards/{g['id']}", owner[g["model_id"]])
        assert (ce.data["round_id"], ce.data["quota"], ce.data["granted_in_quota"]) == (
            round_id, quota, g["granted_in_quota"])

    metrics = (await awards.client.get("/metrics")).text
    value = re.search(r'^dvk_award_quota_remaining\{award_type="reward",recipient_kind="collective"\} (\S+)$',
                      metrics, re.M)
    assert value is not None and float(value.group(1)) == quota - len(granted)


async def test_concurrent_grants_never_exceed_the_quota(awards: Host) -> None:
    models = [passed(f"{ROUND_PATH}.X{i}", "individual") for i in range(3)]
    await make_eligible(awards, models)
    round_id = await open_round(awards, [{"award_type": "reward", "recipient_kind": "individual", "quota": 1}])
    nominations = [(await nominate(awards, round_id, m.model_id, "reward")).json()["id"] for m in models]

    responses = await asyncio.gather(*(grant(awards, round_id, n) for n in nominations * 2))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(responses) - 1), [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} <= {
        "round_quota_exhausted", "nomination_already_granted"}
    assert await awards.count("select count(*) from events where event_type = 'AwardGrantedInRound'") == 1
    assert await awards.count("select count(*) from outbox where subject like 'dvk.awards.award_granted.%'") == 1
    assert await awards.count("select count(*) from grants") == 1
    assert len(await published_grants(awards.js, expected=1)) == 1


async def test_concurrent_nominations_of_one_achievement_keep_one(awards: Host) -> None:
    model = passed(f"{ROUND_PATH}.X1")
    await make_eligible(awards, [model])
    round_id = await open_round(awards, [{"award_type": "reward", "recipient_kind": "collective", "quota": 5}])
    responses = await asyncio.gather(*(nominate(awards, round_id, model.model_id, "reward") for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"model_already_nominated"}
    assert await awards.count("select count(*) from nominations") == 1


async def test_a_stale_inspection_never_overwrites_a_newer_one(awards: Host) -> None:
    model_id, now = uuid.uuid4(), datetime.now(UTC)
    newer = passed(f"{ROUND_PATH}.X1", model_id=model_id, at=now, score=95.0)
    older = passed(f"{ROUND_PATH}.X1", model_id=model_id, at=now - timedelta(days=365), score=75.0)
    for e in (newer, older):
        event_id = (await publish(awards.js, e))[0].id
        await eventually(lambda eid=event_id: awards.count(f"select count(*) from inbox where event_id = '{eid}'"),
                         within=WAIT)
    assert await awards.count(
        f"select count(*) from eligible_models where inspection_id = '{newer.inspection_id}'") == 1
    latest = passed(f"{ROUND_PATH}.X2", model_id=model_id, at=now + timedelta(days=1), score=90.0)
    await publish(awards.js, latest)
    await eventually(lambda: awards.count(
        f"select count(*) from eligible_models where inspection_id = '{latest.inspection_id}'"), within=WAIT)


def field_codes(response: httpx.Response) -> dict[str, str]:
    error = response.json()["error"]
    assert error["code"] and error["message"]["vi"] and error["message"]["en"], error
    for f in error.get("fields", []):
        assert f["message"]["vi"] and f["message"]["en"] and f["message"]["vi"] != f["message"]["en"], f
    return {f["field"]: f["code"] for f in error.get("fields", [])}


async def test_bad_inputs_are_refused_clearly_and_write_nothing(awards: Host) -> None:
    inside, outside = passed(f"{ROUND_PATH}.X1"), passed("VN.15.OTHER")
    person = passed(f"{ROUND_PATH}.X2", "individual")
    await make_eligible(awards, [inside, outside, person])
    round_id = await open_round(awards, [{"award_type": "reward", "recipient_kind": "collective", "quota": 3}])
    nomination_id = (await nominate(awards, round_id, inside.model_id, "reward")).json()["id"]
    line = {"award_type": "reward", "recipient_kind": "collective", "quota": 1}
    good_round = {"name": "Tổng kết 2025", "kind": "final", "year": 2025, "org_path": ROUND_PATH, "quotas": [line]}
    nominations = f"/rounds/{round_id}/nominations"
    viewer = auth([Role.VIEWER, Role.REGISTRAR, Role.INSPECTOR], org="VN")
    cases: list[tuple[str, str, dict[str, str], Any, int, dict[str, str]]] = [
        ("post", "/rounds", SECRETARY, {}, 422, {"name": "missing", "kind": "missing", "year": "missing",
                                                 "org_path": "missing", "quotas": "missing"}),
        ("post", "/rounds", SECRETARY, {**good_round, "year": "năm nay", "kind": "weekly"}, 422,
         {"year": "int_type", "kind": "enum"}),
        ("post", "/rounds", SECRETARY, {**good_round, "quotas": [{**line, "quota": 0}, {**line, "extra": 1}]}, 422,
         {"quotas.0.quota": "greater_than_equal", "quotas.1.extra": "extra_forbidden"}),
        ("post", "/rounds", SECRETARY, {**good_round, "quotas": [line, line]}, 422,
         {"quotas": "round_quota_lines_repeated"}),
        ("post", "/rounds", SECRETARY, {**good_round, "org_path": "VN..15"}, 422,
         {"org_path": "string_pattern_mismatch"}),
        ("post", "/rounds", viewer, good_round, 403, {}),
        ("post", "/rounds", {}, good_round, 401, {}),
        ("post", "/rounds", auth([Role.SECRETARY], org="VN.16"), good_round, 403, {}),
        ("post", nominations, SECRETARY, {"award_type": "reward"}, 422, {"model_id": "missing"}),
        ("post", nominations, SECRETARY, {"model_id": "abc", "award_type": "huy chương"}, 422,
         {"model_id": "uuid_parsing", "award_type": "enum"}),
        ("post", nominations, SECRETARY, {"model_id": str(uuid.uuid4()), "award_type": "reward"}, 422,
         {"model_id": "model_not_eligible"}),
        ("post", nominations, SECRETARY, {"model_id": str(outside.model_id), "award_type": "reward"}, 422,
         {"model_id": "model_outside_round"}),
        ("post", nominations, SECRETARY, {"model_id": str(person.model_id), "award_type": "reward"}, 422,
         {"award_type": "round_no_quota_line"}),
        ("post", nominations, SECRETARY, {"model_id": str(inside.model_id), "award_type": "reward"}, 409, {}),
        ("post", nominations, viewer, {"model_id": str(inside.model_id), "award_type": "reward"}, 403, {}),
        ("post", nominations, auth([Role.SECRETARY], org=f"{ROUND_PATH}.X9"),
         {"model_id": str(person.model_id), "award_type": "reward"}, 403, {}),
        ("post", f"/rounds/{uuid.uuid4()}/nominations", SECRETARY,
         {"model_id": str(inside.model_id), "award_type": "reward"}, 404, {}),
        ("post", f"{nominations}/{nomination_id}/grant", auth([Role.SECRETARY], org="VN"), None, 403, {}),
        ("post", f"{nominations}/{nomination_id}/grant", auth([Role.COUNCIL_MEMBER], org=f"{ROUND_PATH}.X1"),
         None, 403, {}),
        ("post", f"{nominations}/{uuid.uuid4()}/grant", COUNCIL, None, 404, {}),
        ("get", f"/rounds/{round_id}", auth([Role.VIEWER], org="VN.16"), None, 404, {}),
    ]
    tables = ("events", "outbox", "nominations", "grants", "rounds")
    before = {t: await awards.count(f"select count(*) from {t}") for t in tables}
    for method, url, headers, body, status, fields in cases:
        r = await awards.client.request(method, url, headers=headers, json=body)
        assert r.status_code == status, (url, body, r.text)
        assert field_codes(r) == fields, (url, body, r.text)
    assert {t: await awards.count(f"select count(*) from {t}") for t in tables} == before
    not_eligible = await nominate(awards, round_id, uuid.uuid4(), "reward")
    assert "chưa qua kiểm tra" in not_eligible.json()["error"]["fields"][0]["message"]["vi"]
