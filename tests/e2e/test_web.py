"""The web application as a process beside the four services: its operations endpoints, its
sessions in its own database, the pages over the real APIs, CSRF, expiry and sign-out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from services.web.sessions import SessionStore
from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.runtime.up import Platform
from tests.e2e.conftest import create_commune_officer

pytestmark = pytest.mark.e2e


@pytest.fixture
async def web(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.url("web"), timeout=10, follow_redirects=False) as client:
        yield client


async def _session(platform: Platform, expires_in: float = 600, lifetime: timedelta = timedelta(hours=1)) -> str:
    """A session as a sign-in makes one, for a token the services accept."""
    token = issue_token(platform.secret(), subject="canbo.test", name="Cán bộ kiểm thử", roles=list(Role),
                        org_scope="VN", lifetime=lifetime)
    pool = await asyncpg.create_pool(platform.env["DVK_WEB_DATABASE_URL"], min_size=1, max_size=1)
    try:
        return await SessionStore(pool).create(token, {"login": "canbo.test", "name": "Cán bộ kiểm thử",
                                                       "roles": [r.value for r in Role], "org_scope": "VN"},
                                               expires_in, None)
    finally:
        await pool.close()


def _cookie(session_id: str) -> dict[str, str]:
    """Sent as a header, not kept in the client's jar: a test can show a deleted session stays dead."""
    return {"Cookie": f"dvk_session={session_id}"}


async def test_operations_endpoints(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).json()["service"] == "web"
    ready = await web.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["migrations_pending"] == 0
    await web.get("/sign-in")
    assert 'dvk_http_requests_total{method="GET",route="/sign-in",service="web",status="2xx"}' in \
        (await web.get("/metrics")).text


async def test_pages_need_a_session_and_speak_the_chosen_language(web: httpx.AsyncClient) -> None:
    refused = await web.get("/models")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/sign-in")
    page = await web.get("/sign-in", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and '<html lang="vi">' in page.text and "Tên đăng nhập" in page.text
    english = await web.get("/sign-in", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Password" in english.text
    switched = await web.get("/language/en?back=/sign-in", headers={"Accept-Language": "vi"})
    assert switched.status_code == 303 and switched.headers["location"] == "/sign-in"
    chosen = await web.get("/sign-in", headers={"Accept-Language": "vi",
                                                "Cookie": f"dvk_lang={switched.cookies['dvk_lang']}"})
    assert '<html lang="en">' in chosen.text
    assert (await web.get("/language/en?back=//evil.example")).headers["location"] == "/"


async def test_a_session_shows_the_home_page_from_the_real_apis(platform: Platform, web: httpx.AsyncClient) -> None:
    session_id = await _session(platform)
    home = await web.get("/", headers=_cookie(session_id))
    assert home.status_code == 200, home.text
    assert "Mô hình của đơn vị tôi" in home.text and "Thông báo chưa đọc" in home.text
    assert "Đăng xuất" in home.text
    assert (await web.get("/models?year=2025", headers=_cookie(session_id))).status_code == 200
    assert (await web.get("/inbox", headers=_cookie(session_id))).status_code == 200
    assert (await web.get("/models?year=1", headers=_cookie(session_id))).status_code == 422


async def test_every_post_needs_the_session_csrf_token(platform: Platform, web: httpx.AsyncClient) -> None:
    session_id = await _session(platform)
    cookies = _cookie(session_id)
    refused = await web.post("/sign-out", headers=cookies, data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await web.get("/", headers=cookies)).status_code == 200
    home = await web.get("/", headers=cookies)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token is not None
    assert f'"X-CSRF-Token": "{token[1]}"' in home.text  # htmx sends it as a header
    signed_out = await web.post("/sign-out", headers=cookies, data={"csrf_token": token[1]})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/sign-in"
    assert (await web.get("/", headers=cookies)).status_code == 303


async def test_an_expired_session_returns_to_sign_in_with_a_message(platform: Platform,
                                                                    web: httpx.AsyncClient) -> None:
    session_id = await _session(platform, expires_in=-1)
    back = await web.get("/models", headers=_cookie(session_id))
    assert back.status_code == 303 and back.headers["location"] == "/sign-in?expired=true"
    page = await web.get(back.headers["location"])
    assert "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại." in page.text
    # A token the services no longer accept ends the session too, whatever the session row says.
    stale = await _session(platform, lifetime=timedelta(seconds=-120))
    assert (await web.get("/", headers=_cookie(stale))).headers["location"] == "/sign-in?expired=true"


PASSWORD = "Bảo Hà 2025 mật khẩu"


@pytest.fixture(scope="module")
async def commune_officer(platform: Platform) -> str:
    login, _ = await create_commune_officer(platform, PASSWORD)
    return login


async def test_signing_in_sets_a_session_cookie_and_shows_the_home_page(
        web: httpx.AsyncClient, commune_officer: str) -> None:
    wrong = await web.post("/sign-in", data={"login": commune_officer, "password": "sai"})
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert "set-cookie" not in wrong.headers
    # X-Forwarded-Proto from a client that is not a configured proxy is not believed.
    signed_in = await web.post("/sign-in", data={"login": commune_officer, "password": PASSWORD},
                               headers={"X-Forwarded-Proto": "https"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    session_id = signed_in.cookies["dvk_session"]
    home = await web.get("/", headers=_cookie(session_id))
    assert home.status_code == 200
    assert "Nguyễn Thị Hà" in home.text and "Mô hình của đơn vị tôi" in home.text


async def test_five_wrong_passwords_show_when_to_try_again(web: httpx.AsyncClient, commune_officer: str) -> None:
    login = f"{commune_officer}.khoa"
    for _ in range(5):
        assert (await web.post("/sign-in", data={"login": login, "password": "sai"})).status_code == 401
    paused = await web.post("/sign-in", data={"login": login, "password": PASSWORD})
    assert paused.status_code == 429
    seconds = re.search(r"Vui lòng thử lại sau ([0-9.]+) giây", paused.text)
    assert seconds is not None and int(seconds[1].replace(".", "")) > 0
