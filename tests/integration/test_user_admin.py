"""Administering users at the registry: administrators only, within their own subtree; answers and
audit events never carry a password or its hash; a disabled user cannot sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.registry.service import DEFINITION
from shared.auth.principal import Role
from tests.conftest import auth
from tests.integration.service_host import hosted

PASSWORD = "mật khẩu ban đầu"


@pytest.fixture
async def registry(database: str, isolated_nats) -> AsyncIterator[tuple[httpx.AsyncClient, asyncpg.Connection,
                                                                         dict[str, str]]]:
    async with hosted(DEFINITION, database, isolated_nats.url) as (_, client):
        units: dict[str, str] = {}
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=auth())
        units["VN"] = root.json()["id"]
        for code, name, kind, parent in (("15", "Tỉnh Lào Cai", "province", "VN"),
                                         ("16", "Tỉnh Yên Bái", "province", "VN"),
                                         ("02989", "Xã Bảo Hà", "commune", "15")):
            r = await client.post("/org-units", json={"code": code, "name": name, "kind": kind,
                                                      "parent_id": units[parent]}, headers=auth())
            units[code] = r.json()["id"]
        conn = await asyncpg.connect(database)
        try:
            yield client, conn, units
        finally:
            await conn.close()


PROVINCE_ADMIN = auth([Role.ADMINISTRATOR], org="VN.15", sub="quantri.laocai")


def _new(units: dict[str, str], login: str = "canbo.baoha", unit: str = "02989", **change: object) -> dict[str, object]:
    body: dict[str, object] = {"login": login, "name": "Nguyễn Thị Hà", "roles": ["registrar"],
                               "org_unit_id": units[unit], "password": PASSWORD}
    body.update(change)
    return body


async def test_an_administrator_creates_a_user_who_then_signs_in(registry) -> None:
    client, conn, units = registry
    r = await client.post("/users", json=_new(units), headers=PROVINCE_ADMIN)
    assert r.status_code == 201, r.text
    assert r.json() == {"login": "canbo.baoha", "name": "Nguyễn Thị Hà", "roles": ["registrar"],
                        "org_unit_id": units["02989"], "org_scope": "VN.15.02989", "disabled": False}
    signed = await client.post("/auth/token", json={"login": "canbo.baoha", "password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["user"]["org_scope"] == "VN.15.02989"
    again = await client.post("/users", json=_new(units, login="CANBO.BAOHA"), headers=PROVINCE_ADMIN)
    assert again.status_code == 409 and again.json()["error"]["code"] == "user_login_taken"
    actor = await conn.fetchval("select metadata->>'actor' from events where stream_id = 'user-canbo.baoha'")
    assert actor == "quantri.laocai"


async def test_no_answer_or_event_carries_the_password_or_its_hash(registry) -> None:
    client, conn, units = registry
    answers = [await client.post("/users", json=_new(units), headers={**PROVINCE_ADMIN, "Idempotency-Key": "create-1"}),
               await client.post("/users/canbo.baoha/password", json={"password": "mật khẩu mới 2025"},
                                 headers={**PROVINCE_ADMIN, "Idempotency-Key": "passwort-1"}),
               await client.get("/users", headers=PROVINCE_ADMIN)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    stored = await conn.fetchval("select password_hash from users where login = 'canbo.baoha'")
    everything = " ".join(a.text for a in answers)
    everything += " ".join(str(r) for r in await conn.fetch("select payload, metadata from events"))
    everything += " ".join(str(r) for r in await conn.fetch("select * from idempotency_keys"))
    everything += " ".join(str(r) for r in await conn.fetch("select * from outbox"))
    for secret in (stored, stored.rsplit("$", 1)[-1], "mật khẩu mới", PASSWORD, "argon2", "password_hash"):
        assert secret not in everything
    assert (await client.post("/auth/token", json={"login": "canbo.baoha", "password": "mật khẩu mới 2025"})
            ).status_code == 200


async def test_an_administrator_acts_only_within_their_subtree(registry) -> None:
    client, _, units = registry
    outside = await client.post("/users", json=_new(units, unit="16"), headers=PROVINCE_ADMIN)
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden_scope"
    above = await client.post("/users", json=_new(units, unit="VN", roles=["administrator"]), headers=PROVINCE_ADMIN)
    assert above.status_code == 403
    assert (await client.post("/users", json=_new(units, login="yb", unit="16"), headers=auth())).status_code == 201
    assert (await client.post("/users", json=_new(units), headers=PROVINCE_ADMIN)).status_code == 201
    listed = await client.get("/users", headers=PROVINCE_ADMIN)
    assert [u["login"] for u in listed.json()["items"]] == ["canbo.baoha"] and listed.json()["total"] == 1
    assert (await client.post("/users/yb/disable", headers=PROVINCE_ADMIN)).status_code == 404
    moved = await client.put("/users/canbo.baoha/scope", json={"org_unit_id": units["16"]}, headers=PROVINCE_ADMIN)
    assert moved.status_code == 403
    not_admin = await client.get("/users", headers=auth([Role.REGISTRAR], org="VN.15"))
    assert not_admin.status_code == 403


async def test_disable_enable_roles_and_scope(registry) -> None:
    client, _, units = registry
    assert (await client.post("/users", json=_new(units), headers=PROVINCE_ADMIN)).status_code == 201
    assert (await client.post("/users/canbo.baoha/disable", headers=PROVINCE_ADMIN)).json()["disabled"] is True
    refused = await client.post("/auth/token", json={"login": "canbo.baoha", "password": PASSWORD})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "sign_in_failed"
    assert (await client.post("/users/canbo.baoha/enable", headers=PROVINCE_ADMIN)).json()["disabled"] is False
    roles = await client.put("/users/canbo.baoha/roles", json={"roles": ["inspector", "viewer"]},
                             headers=PROVINCE_ADMIN)
    assert roles.json()["roles"] == ["inspector", "viewer"]
    scope = await client.put("/users/canbo.baoha/scope", json={"org_unit_id": units["15"]}, headers=PROVINCE_ADMIN)
    assert scope.json()["org_scope"] == "VN.15"
    signed = await client.post("/auth/token", json={"login": "canbo.baoha", "password": PASSWORD})
    assert signed.json()["user"]["roles"] == ["inspector", "viewer"] and signed.json()["user"]["org_scope"] == "VN.15"


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"password": "ngắn"}, "password", "string_too_short"),
    ({"roles": []}, "roles", "too_short"),
    ({"roles": ["chairman"]}, "roles.0", "enum"),
    ({"login": "có dấu"}, "login", "string_pattern_mismatch"),
    ({"login": "x" * 65}, "login", "string_pattern_mismatch"),
    ({"org_unit_id": "00000000-0000-0000-0000-000000000000"}, "org_unit_id", "org_unit_unknown"),
    ({"password_hash": "$argon2id$..."}, "password_hash", "extra_forbidden"),
])
async def test_bad_user_input_is_a_field_level_422_and_writes_nothing(registry, change, field, code) -> None:
    client, conn, units = registry
    r = await client.post("/users", json=_new(units, **change), headers=PROVINCE_ADMIN)
    assert r.status_code == 422, r.text
    fields = {f["field"]: f for f in r.json()["error"]["fields"]}
    assert fields[field]["code"] == code and fields[field]["message"]["vi"] != fields[field]["message"]["en"]
    assert await conn.fetchval("select count(*) from users") == 0
