"""Signing in at the registry: the token and its user, one answer for every refusal, the pause after
five wrong passwords in a row (counted in the database), and no password hash in any answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest

from services.registry import users
from services.registry.service import DEFINITION
from shared.auth.principal import Role
from shared.auth.tokens import verify_token
from tests.conftest import TEST_SECRET, auth
from tests.integration.service_host import hosted

PASSWORD = "Bảo Hà 2025 mật khẩu"


@pytest.fixture
async def registry(database: str, isolated_nats) -> AsyncIterator[tuple[httpx.AsyncClient, asyncpg.Connection, str]]:
    async with hosted(DEFINITION, database, isolated_nats.url, sign_in_token_minutes=7) as (_, client):
        root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                 headers=auth())
        province = await client.post("/org-units", json={"code": "15", "name": "Tỉnh Lào Cai", "kind": "province",
                                                         "parent_id": root.json()["id"]}, headers=auth())
        province_id = province.json()["id"]
        conn = await asyncpg.connect(database)
        try:
            for login in ("CanBo.BaoHa", "nghi.viec"):
                assert await users.insert(conn, login=login, name="Nguyễn Thị Hà", roles=[Role.REGISTRAR],
                                          org_unit_id=UUID(province_id),
                                          password_hash=await users.hash_password(PASSWORD))
            await conn.execute("update users set disabled = true where login = 'nghi.viec'")
            yield client, conn, province_id
        finally:
            await conn.close()


def _sign_in(client: httpx.AsyncClient, login: str, password: str) -> object:
    return client.post("/auth/token", json={"login": login, "password": password})


async def test_a_right_password_gets_a_token_with_the_users_current_scope(registry) -> None:
    client, conn, province = registry
    r = await _sign_in(client, "canbo.baoha", PASSWORD)  # logins compare case-insensitively
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 7 * 60
    assert body["user"] == {"login": "CanBo.BaoHa", "name": "Nguyễn Thị Hà", "roles": ["registrar"],
                            "org_scope": "VN.15", "org_unit_id": province}
    principal = verify_token(TEST_SECRET, body["access_token"])
    assert principal.subject == "CanBo.BaoHa" and principal.roles == {Role.REGISTRAR}
    assert principal.org_unit_id == UUID(province) and principal.org_scope == "VN.15"
    listed = await client.get("/org-units", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200 and [u["path"] for u in listed.json()["items"]] == ["VN.15"]
    stored = await conn.fetchval("select password_hash from users where login = 'CanBo.BaoHa'")
    assert stored.startswith("$argon2id$") and stored not in r.text and "argon2" not in r.text


async def test_every_refusal_is_the_same_401_whichever_part_was_wrong(registry) -> None:
    client, _, _ = registry
    answers = [await _sign_in(client, "canbo.baoha", "sai mật khẩu"),
               await _sign_in(client, "khong.co.ai", PASSWORD),
               await _sign_in(client, "nghi.viec", PASSWORD)]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1
    error = answers[0].json()["error"]
    assert error["code"] == "sign_in_failed"
    assert error["message"]["vi"] and error["message"]["en"] and error["message"]["vi"] != error["message"]["en"]


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"login": "canbo.baoha"}, "password", "missing"),
    ({"login": "", "password": PASSWORD}, "login", "string_too_short"),
    ({"login": "canbo.baoha", "password": PASSWORD, "remember": True}, "remember", "extra_forbidden"),
    ({"login": 5, "password": PASSWORD}, "login", "string_type"),
])
async def test_a_bad_body_gets_a_field_level_422(registry, body, field, code) -> None:
    client, conn, _ = registry
    r = await client.post("/auth/token", json=body)
    assert r.status_code == 422, r.text
    assert {f["field"]: f["code"] for f in r.json()["error"]["fields"]}[field] == code
    assert await conn.fetchval("select failed_attempts from users where login = 'CanBo.BaoHa'") == 0


async def test_five_wrong_passwords_in_a_row_pause_the_login_until_the_stored_time(registry) -> None:
    client, conn, _ = registry
    for _ in range(5):
        assert (await _sign_in(client, "canbo.baoha", "đoán mò")).status_code == 401
    until = await conn.fetchval("select locked_until from users where login = 'CanBo.BaoHa'")
    assert until is not None
    assert timedelta(seconds=1) < until - datetime.now(UTC) <= timedelta(seconds=2)
    paused = await _sign_in(client, "CANBO.BAOHA", PASSWORD)  # even the right password waits
    assert paused.status_code == 429, paused.text
    assert paused.json()["error"]["code"] == "sign_in_paused"
    assert 1 <= int(paused.headers["Retry-After"]) <= 2
    # The wait has passed (moved into the past rather than slept through): a sixth wrong guess doubles it.
    await conn.execute("update users set locked_until = now() - interval '1 second'")
    assert (await _sign_in(client, "canbo.baoha", "đoán mò")).status_code == 401
    until = await conn.fetchval("select locked_until from users where login = 'CanBo.BaoHa'")
    assert timedelta(seconds=3) < until - datetime.now(UTC) <= timedelta(seconds=4)
    await conn.execute("update users set locked_until = now() - interval '1 second'")
    assert (await _sign_in(client, "canbo.baoha", PASSWORD)).status_code == 200
    assert await conn.fetchval("select failed_attempts from users where login = 'CanBo.BaoHa'") == 0
    assert await conn.fetchval("select locked_until from users where login = 'CanBo.BaoHa'") is None


async def test_a_success_resets_the_count_of_wrong_passwords(registry) -> None:
    client, conn, _ = registry
    for _ in range(4):
        assert (await _sign_in(client, "canbo.baoha", "đoán mò")).status_code == 401
    assert (await _sign_in(client, "canbo.baoha", PASSWORD)).status_code == 200
    for _ in range(4):
        assert (await _sign_in(client, "canbo.baoha", "đoán mò")).status_code == 401
    assert (await _sign_in(client, "canbo.baoha", PASSWORD)).status_code == 200
    assert await conn.fetchval("select failed_attempts from users where login = 'CanBo.BaoHa'") == 0


def test_the_wait_doubles_from_two_seconds_up_to_five_minutes() -> None:
    assert [users.backoff(n).total_seconds() for n in (0, 4, 5, 6, 7, 12, 13, 100)] == \
        [0, 0, 2, 4, 8, 256, 300, 300]
