"""The registry's HTTP edge: field-level bilingual errors, nothing written on refusal, idempotency."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.registry.service import DEFINITION
from shared.auth.principal import Role
from tests.conftest import auth
from tests.integration.service_host import hosted


@pytest.fixture
async def registry(database: str, isolated_nats) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=auth())
        province = await client.post("/org-units", json={"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                         "parent_id": root.json()["id"]}, headers=auth())
        await client.post("/org-units", json={"code": "16", "name": "Tỉnh Yên Bái", "kind": "province",
                                              "parent_id": root.json()["id"]}, headers=auth())
        yield client, database, province.json()["id"]


async def _event_count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("select count(*) from events"))
    finally:
        await conn.close()


def _model(owner: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"title": "Dân vận khéo trong chuyển đổi số", "owner_org_unit_id": owner,
                               "recipient_kind": "collective", "field": "kinh_te", "year": 2025}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _fields(response: httpx.Response) -> dict[str, dict[str, object]]:
    error = response.json()["error"]
    assert error["message"]["vi"] and error["message"]["en"]
    return {f["field"]: f for f in error.get("fields", [])}


BAD_MODELS = [
    ("missing title", {"title": None}, "title", "missing"),
    ("title too short", {"title": "abc"}, "title", "string_too_short"),
    ("year not a number", {"year": "năm nay"}, "year", "int_type"),
    ("year as text", {"year": "2025"}, "year", "int_type"),
    ("unknown recipient kind", {"recipient_kind": "group"}, "recipient_kind", "literal_error"),
    ("unknown field", {"field": "the_thao"}, "field", "enum"),
    ("owner not a uuid", {"owner_org_unit_id": "xã-bảo-hà"}, "owner_org_unit_id", "uuid_parsing"),
    ("owner unknown", {"owner_org_unit_id": "00000000-0000-0000-0000-000000000000"}, "owner_org_unit_id",
     "org_unit_unknown"),
    ("extra field", {"status": "recognised"}, "status", "extra_forbidden"),
]


@pytest.mark.parametrize(("case", "change", "field", "code"), BAD_MODELS, ids=[c[0] for c in BAD_MODELS])
async def test_bad_model_input_gets_a_field_level_422_and_writes_nothing(registry, case, change, field, code) -> None:
    client, dsn, province = registry
    before = await _event_count(dsn)
    r = await client.post("/models", json=_model(province, **change), headers=auth([Role.REGISTRAR]))
    assert r.status_code == 422, r.text
    fields = _fields(r)
    assert fields[field]["code"] == code
    assert fields[field]["message"]["vi"] != fields[field]["message"]["en"]
    assert await _event_count(dsn) == before


async def test_not_json_at_all_is_a_400_naming_the_position(registry) -> None:
    client, dsn, _ = registry
    before = await _event_count(dsn)
    r = await client.post("/models", content=b"{not json", headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_json"
    assert await _event_count(dsn) == before


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({}, 401, "unauthenticated"),
    ({"Authorization": "Bearer not-a-token"}, 401, "unauthenticated"),
    (auth([Role.VIEWER]), 403, "forbidden_role"),
    (auth([Role.REGISTRAR], org="VN.16"), 403, "forbidden_scope"),
])
async def test_wrong_token_is_refused_and_writes_nothing(registry, headers, status, code) -> None:
    client, dsn, province = registry
    before = await _event_count(dsn)
    r = await client.post("/models", json=_model(province), headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert await _event_count(dsn) == before


async def test_org_unit_code_is_unique_under_its_parent(registry) -> None:
    client, dsn, province = registry
    body = {"code": "04321", "name": "Xã Bảo Hà", "kind": "commune", "parent_id": province}
    assert (await client.post("/org-units", json=body, headers=auth())).status_code == 201
    before = await _event_count(dsn)
    again = await client.post("/org-units", json=body, headers=auth())
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "org_unit_code_taken"
    assert await _event_count(dsn) == before
    bad = await client.post("/org-units", json={**body, "code": "04.321"}, headers=auth())
    assert _fields(bad)["code"]["code"] == "string_pattern_mismatch"
    unknown_parent = await client.post("/org-units", json={**body, "code": "1",
                                       "parent_id": "00000000-0000-0000-0000-000000000000"}, headers=auth())
    assert _fields(unknown_parent)["parent_id"]["code"] == "org_unit_unknown"
    assert await _event_count(dsn) == before


async def test_a_retried_command_with_its_idempotency_key_is_applied_once(registry) -> None:
    client, dsn, province = registry
    before = await _event_count(dsn)
    headers = {**auth([Role.REGISTRAR]), "Idempotency-Key": "dang-ky-mo-hinh-0001"}
    first = await client.post("/models", json=_model(province), headers=headers)
    retry = await client.post("/models", json=_model(province), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await _event_count(dsn) == before + 1
    other_body = await client.post("/models", json=_model(province, title="Một mô hình khác hẳn"), headers=headers)
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert await _event_count(dsn) == before + 1


async def test_every_event_records_its_actor_and_correlation_id(registry) -> None:
    client, dsn, province = registry
    r = await client.post("/models", json=_model(province), headers={**auth(sub="can-bo-01"),
                                                                      "X-Correlation-Id": "corr-abc"})
    assert r.headers["X-Correlation-Id"] == "corr-abc"
    conn = await asyncpg.connect(dsn)
    meta = await conn.fetchval("select metadata from events where stream_id = $1", f"model-{r.json()['id']}")
    outbox = await conn.fetchval("select headers from outbox order by id desc limit 1")
    await conn.close()
    assert '"actor": "can-bo-01"' in meta and '"correlation_id": "corr-abc"' in meta
    assert '"ce-actor": "can-bo-01"' in outbox


async def test_control_characters_and_absurd_numbers_get_4xx_not_500(registry) -> None:
    client, dsn, province = registry
    before = await _event_count(dsn)
    nul = await client.post("/models", json=_model(province, title="Dân vận\u0000 khéo"), headers=auth())
    assert nul.status_code == 422
    assert _fields(nul)["title"]["code"] == "string_control_characters"
    huge_year = await client.get("/models", params={"year": 99999999999}, headers=auth())
    assert huge_year.status_code == 422 and _fields(huge_year)["year"]["code"] == "less_than_equal"
    bad_under = await client.get("/org-units", params={"under": "VN\u0000"}, headers=auth())
    assert bad_under.status_code == 422
    assert await _event_count(dsn) == before


async def test_a_token_whose_user_id_cannot_travel_in_headers_is_refused(registry) -> None:
    import jwt

    from tests.conftest import TEST_SECRET

    client, dsn, province = registry
    before = await _event_count(dsn)
    claims = {"sub": "nguyễn-văn-a", "name": "Nguyễn Văn A", "roles": ["registrar"], "org": "VN", "iss": "dvk",
              "exp": 4102444800}
    forged = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    r = await client.post("/models", json=_model(province), headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert await _event_count(dsn) == before


async def test_two_administrators_adding_the_same_unit_at_once_get_one_201_and_one_409(registry) -> None:
    import asyncio

    client, dsn, province = registry
    body = {"code": "02953", "name": "Xã Nghĩa Đô", "kind": "commune", "parent_id": province}
    answers = await asyncio.gather(*[client.post("/org-units", json=body, headers=auth(sub=f"admin-{i}"))
                                     for i in range(4)])
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
    conn = await asyncpg.connect(dsn)
    assert await conn.fetchval("select count(*) from org_unit_codes where code = '02953'") == 1
    await conn.close()


async def test_models_are_listed_in_pages_with_their_total(registry) -> None:
    client, _, province = registry
    for i in range(3):
        r = await client.post("/models", json=_model(province, title=f"Mô hình trang {i}"),
                              headers=auth([Role.REGISTRAR]))
        assert r.status_code == 201, r.text
    first = (await client.get("/models", params={"limit": 2}, headers=auth())).json()
    rest = (await client.get("/models", params={"limit": 2, "offset": 2}, headers=auth())).json()
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2)
    assert (rest["total"], rest["offset"], len(rest["items"])) == (3, 2, 1)
    assert {m["id"] for m in first["items"]}.isdisjoint(m["id"] for m in rest["items"])
    too_many = await client.get("/models", params={"limit": 501}, headers=auth())
    assert too_many.status_code == 422 and _fields(too_many)["limit"]["code"] == "less_than_equal"


async def test_openapi_documents_each_commands_refusals_with_the_platforms_error_body(registry) -> None:
    client, _, _ = registry
    document = (await client.get("/openapi.json")).json()
    responses = document["paths"]["/models"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "415", "422", "503"} <= set(responses)
    assert all(responses[s]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
               for s in ("401", "403", "409", "413", "422"))
    listing = document["paths"]["/models"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "Page" in listing["$ref"]


async def test_models_are_found_by_words_with_or_without_diacritics(registry) -> None:  # type: ignore[no-untyped-def]
    client, _, province = registry
    titles = ["Dân vận khéo trong xây dựng nông thôn mới", "Phát triển du lịch cộng đồng",
              "Giảm nghèo bền vững 100% hộ đạt chuẩn"]
    for title in titles:
        r = await client.post("/models", json=_model(province, title=title, description="Đường liên thôn"),
                              headers=auth([Role.REGISTRAR]))
        assert r.status_code == 201, r.text

    async def found(q: str) -> list[str]:
        r = await client.get("/models", params={"q": q}, headers=auth())
        assert r.status_code == 200, r.text
        return [m["title"] for m in r.json()["items"]]

    assert await found("dan van kheo") == [titles[0]]
    assert await found("Dân Vận") == [titles[0]]
    assert await found("DU LICH cong") == [titles[1]]
    assert await found("lien thon") == titles  # the description counts too
    assert await found("100%") == [titles[2]]
    assert await found("10_%") == []  # LIKE's wildcards stand for themselves
    assert await found("nông thôn du lịch") == []  # every word must be there
