"""The evaluation service hosted for real beside the registry, each with its own database, one NATS.

Models reach evaluation only as `ModelRegistered` events over JetStream; inspections leave it only
as `InspectionPassed` / `InspectionFailed` on stream DVK_EVALUATION. Every refusal is a 4xx with the
platform's error shape and leaves the evaluation event store untouched.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import nats
import pytest

from services.evaluation.service import DEFINITION as EVALUATION
from services.registry.service import DEFINITION as REGISTRY
from shared.auth.principal import Role
from shared.envelope import CloudEvent
from shared.i18n import VN_TZ
from shared.runtime.postgres import EmbeddedPostgres
from tests.conftest import auth
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.jetstream import read_events

YEAR = datetime.now(VN_TZ).year
INSPECTOR = [Role.INSPECTOR]
SEED_CRITERIA = [  # seed 001: persuasive, spreading, replicable, with people's consensus
    {"code": "thuyet_phuc", "name_vi": "Thuyết phục", "name_en": "Persuasive", "max_score": 25},
    {"code": "lan_toa", "name_vi": "Có sức lan tỏa", "name_en": "Spreading", "max_score": 25},
    {"code": "nhan_rong", "name_vi": "Có thể nhân rộng", "name_en": "Replicable", "max_score": 25},
    {"code": "dong_thuan", "name_vi": "Tạo sự đồng thuận của nhân dân", "name_en": "People's consensus",
     "max_score": 25},
]
PASSING = {"thuyet_phuc": 20, "lan_toa": 20, "nhan_rong": 15, "dong_thuan": 20.5}   # 75.5
FAILING = {"thuyet_phuc": 20, "lan_toa": 15, "nhan_rong": 15, "dong_thuan": 19.5}   # 69.5


@dataclass
class Platform:
    registry: httpx.AsyncClient
    evaluation: httpx.AsyncClient
    evaluation_db: str
    nats_url: str
    province_model: str
    commune_model: str

    async def event_count(self) -> int:
        conn = await asyncpg.connect(self.evaluation_db)
        try:
            return int(await conn.fetchval("select count(*) from events"))
        finally:
            await conn.close()

    async def criteria_set(self, **overrides: Any) -> dict[str, Any]:
        r = await self.evaluation.post("/criteria-sets", json=criteria_set_body(**overrides), headers=auth(INSPECTOR))
        assert r.status_code == 201, r.text
        return dict(r.json())


def criteria_set_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": f"Tiêu chí điển hình “Dân vận khéo” năm {YEAR}", "code": f"DVK-{YEAR}", "org_path": "VN.15",
            "year": YEAR, "pass_score": 70, "criteria": SEED_CRITERIA}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def inspection_body(model_id: str, criteria_set_id: str, scores: dict[str, float], /,
                    **overrides: Any) -> dict[str, Any]:
    body = {"model_id": model_id, "criteria_set_id": criteria_set_id,
            "scores": [{"code": c, "score": s} for c, s in scores.items()]}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=auth())
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _register_model(client: httpx.AsyncClient, owner: str, title: str) -> str:
    body = {"title": title, "owner_org_unit_id": owner, "recipient_kind": "collective", "field": "kinh_te",
            "year": YEAR}
    return str((await _create(client, "/models", body))["id"])


async def _known_to_evaluation(client: httpx.AsyncClient, model_id: str, within: float = 10.0) -> dict[str, Any]:
    """Poll until the registry's event has been applied to evaluation's own read model."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        r = await client.get(f"/models/{model_id}", headers=auth())
        if r.status_code == 200:
            return dict(r.json())
        assert r.status_code == 404, r.text
        assert asyncio.get_running_loop().time() < deadline, f"model {model_id} never reached evaluation"
        await asyncio.sleep(0.1)


@pytest.fixture
async def platform(postgres: EmbeddedPostgres, database: str, isolated_nats: Any) -> AsyncIterator[Platform]:
    evaluation_db = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(evaluation_db)
    async with (hosted(REGISTRY, database, isolated_nats.url) as (_, registry),
                hosted(EVALUATION, postgres.dsn(evaluation_db), isolated_nats.url) as (_, evaluation)):
        root = await _create(registry, "/org-units", {"code": "VN", "name": "Việt Nam", "kind": "country"})
        province = await _create(registry, "/org-units", {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                          "parent_id": root["id"]})
        commune = await _create(registry, "/org-units", {"code": "04321", "name": "Xã Bảo Hà", "kind": "commune",
                                                         "parent_id": province["id"]})
        # Another province: its users stand outside everything below, by the hierarchy, not by a path.
        await _create(registry, "/org-units", {"code": "31", "name": "Thành phố Hải Phòng", "kind": "province",
                                               "parent_id": root["id"]})
        province_model = await _register_model(registry, province["id"], "Dân vận khéo trong chuyển đổi số")
        commune_model = await _register_model(registry, commune["id"], "Dân vận khéo xây dựng nông thôn mới")
        for model_id in (province_model, commune_model):
            await _known_to_evaluation(evaluation, model_id)

        async def other_province_known() -> bool:
            r = await evaluation.get(f"/models/{commune_model}", headers=auth(org="VN.31"))
            return r.status_code == 404  # 403 scope_unit_unknown until evaluation's tree has VN.31

        await eventually(other_province_known, within=10)
        yield Platform(registry, evaluation, postgres.dsn(evaluation_db), isolated_nats.url, province_model,
                       commune_model)


async def _published(nats_url: str, subject: str, want: int) -> list[CloudEvent]:
    """Every event on DVK_EVALUATION under `subject`, waiting (bounded) until `want` have arrived."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        return [e for _, e in await read_events(js, subject, "DVK_EVALUATION", want)]
    finally:
        await nc.close()


def _fields(response: httpx.Response) -> dict[str, dict[str, Any]]:
    error = response.json()["error"]
    assert error["code"] and error["message"]["vi"] and error["message"]["en"]
    fields = {f["field"]: f for f in error.get("fields", [])}
    for f in fields.values():
        assert f["message"]["vi"] != f["message"]["en"], f
    return fields


async def test_a_registered_model_is_known_with_its_owner(platform: Platform) -> None:
    model = await _known_to_evaluation(platform.evaluation, platform.commune_model)
    assert (model["owner_org_path"], model["owner_org_name"], model["year"]) == ("VN.15.04321", "Xã Bảo Hà", YEAR)
    assert model["latest_inspection"] is None
    listed = (await platform.evaluation.get("/models", params={"under": "VN.15.04321"}, headers=auth())).json()["items"]
    assert [m["model_id"] for m in listed] == [platform.commune_model]


async def test_inspections_pass_or_fail_and_reach_jetstream_about_the_models_owner(platform: Platform) -> None:
    criteria_set = await platform.criteria_set()
    assert criteria_set["org_path"] == "VN.15"
    got = (await platform.evaluation.get(f"/criteria-sets/{criteria_set['id']}", headers=auth(org="VN.15.04321")))
    assert [c["code"] for c in got.json()["criteria"]] == [c["code"] for c in SEED_CRITERIA]

    outcomes = {}
    for name, scores in (("failed", FAILING), ("passed", PASSING)):   # a re-inspection after failing
        r = await platform.evaluation.post(
            "/inspections", json=inspection_body(platform.commune_model, criteria_set["id"], scores,
                                                 notes="Đoàn kiểm tra của Ban Dân vận"),
            headers=auth(INSPECTOR, org="VN.15"))
        assert r.status_code == 201, r.text
        outcomes[name] = r.json()
        assert r.json()["passed"] is (name == "passed")
        assert r.json()["total_score"] == sum(scores.values())
        assert (r.json()["pass_score"], r.json()["model_id"], r.json()["version"]) == (70, platform.commune_model, 1)

    for name, inspection in outcomes.items():
        [event] = [e for e in await _published(platform.nats_url, f"dvk.evaluation.inspection_{name}.VN.15.04321._", 1)
                   if e.data["inspection_id"] == inspection["id"]]
        assert event.type == f"vn.dvk.evaluation.inspection_{name}.v1"
        assert event.subject == f"inspections/{inspection['id']}"
        assert event.extensions["orgpath"] == event.data["org_path"] == "VN.15.04321", "about the owner"
        assert event.data["model_title"] == "Dân vận khéo xây dựng nông thôn mới"
        assert event.data["criteria_set_id"] == criteria_set["id"]
        assert [s["code"] for s in event.data["scores"]] == [c["code"] for c in SEED_CRITERIA]
    # The province inspected, but nothing is published about the province itself.
    none_about_the_inspector = await _published(platform.nats_url, "dvk.evaluation.*.VN.15._", 0)
    assert none_about_the_inspector == []

    history = (await platform.evaluation.get("/inspections", params={"model_id": platform.commune_model},
                                             headers=auth())).json()["items"]
    assert [h["id"] for h in history] == [outcomes["passed"]["id"], outcomes["failed"]["id"]]  # newest first
    model = await _known_to_evaluation(platform.evaluation, platform.commune_model)
    assert (model["latest_inspection"]["id"], model["latest_inspection"]["passed"]) == (outcomes["passed"]["id"], True)
    one = (await platform.evaluation.get(f"/inspections/{outcomes['passed']['id']}", headers=auth(org="VN.15")))
    assert (one.json()["passed"], one.json()["notes"]) == (True, "Đoàn kiểm tra của Ban Dân vận")
    hidden = await platform.evaluation.get(f"/inspections/{outcomes['passed']['id']}", headers=auth(org="VN.31"))
    assert hidden.status_code == 404


UNKNOWN = "00000000-0000-4000-8000-000000000000"
BAD_INSPECTIONS = [
    ("missing model", {"model_id": None}, "model_id", "missing"),
    ("missing scores", {"scores": None}, "scores", "missing"),
    ("model not a uuid", {"model_id": "mô-hình-1"}, "model_id", "uuid_parsing"),
    ("scores not a list", {"scores": "20,20,15,20"}, "scores", "list_type"),
    ("score not a number", {"scores": [{"code": "lan_toa", "score": "hai mươi"}]}, "scores.0.score", "float_type"),
    ("date not a date", {"inspected_on": "15/10/2025"}, "inspected_on", "date_from_datetime_parsing"),
    ("extra field", {"passed": True}, "passed", "extra_forbidden"),
    ("date before any plan", {"inspected_on": "0001-01-01"}, "inspected_on", "greater_than_equal"),
    ("notes with a NUL", {"notes": "ghi\u0000chú"}, "notes", "string_control_characters"),
    ("unknown model", {"model_id": UNKNOWN}, "model_id", "model_unknown"),
    ("unknown criteria set", {"criteria_set_id": UNKNOWN}, "criteria_set_id", "criteria_set_unknown"),
    ("score above max", {"scores": [{"code": c, "score": 25.5 if c == "nhan_rong" else 20} for c in PASSING]},
     "scores.2.score", "score_above_max"),
    ("criterion missing", {"scores": [{"code": "thuyet_phuc", "score": 20}]}, "scores", "criterion_not_scored"),
    ("criterion unknown", {"scores": [*({"code": c, "score": 20} for c in PASSING), {"code": "x", "score": 1}]},
     "scores.4.code", "criterion_unknown"),
]


@pytest.mark.parametrize(("case", "change", "field", "code"), BAD_INSPECTIONS, ids=[c[0] for c in BAD_INSPECTIONS])
async def test_bad_inspection_input_gets_a_field_level_422_and_writes_nothing(
        platform: Platform, case: str, change: dict[str, Any], field: str, code: str) -> None:
    criteria_set = await platform.criteria_set()
    before = await platform.event_count()
    body = inspection_body(platform.province_model, criteria_set["id"], PASSING, **change)
    r = await platform.evaluation.post("/inspections", json=body, headers=auth(INSPECTOR, org="VN.15"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_failed"
    fields = _fields(r)
    assert field in fields, fields
    assert fields[field]["code"] == code
    assert await platform.event_count() == before


FORBIDDEN = [
    ("inspector of a commune, province model", auth(INSPECTOR, org="VN.15.04321"), 403, "forbidden_scope"),
    ("inspector of another province", auth(INSPECTOR, org="VN.31"), 403, "forbidden_scope"),
    ("registrar without the inspector role", auth([Role.REGISTRAR, Role.VIEWER], org="VN"), 403, "forbidden_role"),
    ("no token", {}, 401, "unauthenticated"),
]


@pytest.mark.parametrize(("case", "headers", "status", "code"), FORBIDDEN, ids=[c[0] for c in FORBIDDEN])
async def test_who_may_not_inspect_is_refused_and_nothing_is_written(
        platform: Platform, case: str, headers: dict[str, str], status: int, code: str) -> None:
    criteria_set = await platform.criteria_set()
    before = await platform.event_count()
    r = await platform.evaluation.post(
        "/inspections", json=inspection_body(platform.province_model, criteria_set["id"], PASSING), headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    _fields(r)
    assert await platform.event_count() == before


BAD_CRITERIA_SETS = [
    ("missing name", {"name": None}, 422, "name"),
    ("no criteria", {"criteria": []}, 422, "criteria"),
    ("max score zero", {"criteria": [{**SEED_CRITERIA[0], "max_score": 0}]}, 422, "criteria.0.max_score"),
    ("duplicate codes", {"criteria": [*SEED_CRITERIA, SEED_CRITERIA[0]]}, 422, "criteria.4.code"),
    ("pass mark out of reach", {"pass_score": 100.5}, 422, "pass_score"),
    ("no period", {"year": None}, 422, "year"),
    ("bad org path", {"org_path": "VN..15"}, 422, "org_path"),
    ("valid from year one", {"year": None, "valid_from": "0001-01-01"}, 422, "valid_from"),
    ("outside the issuer's scope", {"org_path": "VN.31"}, 403, None),
]


@pytest.mark.parametrize(("case", "change", "status", "field"), BAD_CRITERIA_SETS,
                         ids=[c[0] for c in BAD_CRITERIA_SETS])
async def test_bad_criteria_sets_are_refused_and_write_nothing(
        platform: Platform, case: str, change: dict[str, Any], status: int, field: str | None) -> None:
    before = await platform.event_count()
    r = await platform.evaluation.post("/criteria-sets", json=criteria_set_body(**change),
                                       headers=auth(INSPECTOR, org="VN.15"))
    assert r.status_code == status, r.text
    fields = _fields(r)
    if field is not None:
        assert field in fields, fields
    assert await platform.event_count() == before


async def test_a_criteria_set_code_is_taken_once_per_issuer_and_seen_below_it(platform: Platform) -> None:
    first = await platform.criteria_set()
    before = await platform.event_count()
    r = await platform.evaluation.post("/criteria-sets", json=criteria_set_body(), headers=auth(INSPECTOR))
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "criteria_set_code_taken"
    assert await platform.event_count() == before
    commune_sees = await platform.evaluation.get("/criteria-sets", headers=auth(org="VN.15.04321"))
    other_sees = await platform.evaluation.get("/criteria-sets", headers=auth(org="VN.31"))
    assert [s["id"] for s in commune_sees.json()["items"]] == [first["id"]]
    assert other_sees.json()["items"] == []


async def test_a_repeated_request_with_its_idempotency_key_records_one_inspection(platform: Platform) -> None:
    criteria_set = await platform.criteria_set()
    before = await platform.event_count()
    body = inspection_body(platform.commune_model, criteria_set["id"], PASSING)
    headers = {**auth(INSPECTOR, org="VN.15.04321"), "Idempotency-Key": f"kiem-tra-{uuid.uuid4()}"}
    first = await platform.evaluation.post("/inspections", json=body, headers=headers)
    again = await platform.evaluation.post("/inspections", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await platform.event_count() == before + 1
