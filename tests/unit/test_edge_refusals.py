"""What the edge answers to a request it cannot take, before any command runs: each refusal has its
own code and a message in Vietnamese and English, in the platform's one error body."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI

from shared.auth.dependencies import Reader
from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.config import PlatformSettings
from shared.http.errors import install_error_handlers
from shared.http.input import CommandInput


class Plan(CommandInput):
    year: int
    share: float = 1.0
    public: bool = False
    note: str | None = None


def _app() -> FastAPI:
    router = APIRouter()

    @router.post("/plans")
    async def plan(cmd: Plan, principal: Reader) -> dict[str, Any]:
        return cmd.model_dump()

    app = FastAPI()
    app.state.platform = PlatformSettings()
    install_error_handlers(app)
    app.include_router(router)
    return app


def _token(lifetime: timedelta = timedelta(hours=1)) -> str:
    settings = PlatformSettings()
    return issue_token(settings.signing_secret(), subject="u1", name="Cán bộ", roles=[Role.REGISTRAR],
                       org_scope="VN.15", issuer=settings.jwt_issuer, lifetime=lifetime)


async def _call(method: str, url: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    headers["Authorization"] = f"Bearer {token or _token()}"
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, url, headers=headers, **kwargs)


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]["vi"] and error["message"]["en"] and error["message"]["vi"] != error["message"]["en"]
    return error


async def test_a_well_formed_body_is_taken_as_sent() -> None:
    response = await _call("POST", "/plans", json={"year": 2025, "share": 2, "public": True})
    assert response.status_code == 200
    assert response.json() == {"year": 2025, "share": 2.0, "public": True, "note": None}


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"year": "2025"}, "year", "int_type"),
    ({"year": True}, "year", "int_type"),
    ({"year": 2025.5}, "year", "int_type"),
    ({"year": 2025, "share": "0.5"}, "share", "float_type"),
    ({"year": 2025, "public": 1}, "public", "bool_type"),
    ({"year": 2025, "public": "true"}, "public", "bool_type"),
])
async def test_numbers_and_yes_no_are_taken_only_as_themselves(body: dict[str, Any], field: str, code: str) -> None:
    response = await _call("POST", "/plans", json=body)
    assert response.status_code == 422
    assert [(f["field"], f["code"]) for f in _error(response)["fields"]] == [(field, code)]


async def test_invalid_json_is_named_with_its_position_not_as_a_field() -> None:
    response = await _call("POST", "/plans", content=b'{"year": 2025,', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid_json" and "fields" not in error
    assert "14" in error["message"]["en"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_not_sent_as_json_is_told_so(content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await _call("POST", "/plans", content=b'{"year": 2025}', headers=headers)
    assert response.status_code == 415
    error = _error(response)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]["vi"]


async def test_json_with_a_charset_or_a_json_suffix_is_json() -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await _call("POST", "/plans", content=b'{"year": 2025}', headers={"Content-Type": content_type})
        assert response.status_code == 200, (content_type, response.text)


async def test_a_method_the_path_does_not_take_is_a_405_with_allow() -> None:
    response = await _call("DELETE", "/plans")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    error = _error(response)
    assert error["code"] == "method_not_allowed"
    assert "DELETE" in error["message"]["en"] and "POST" in error["message"]["en"]


async def test_an_expired_token_is_told_apart_from_an_invalid_one() -> None:
    expired = await _call("POST", "/plans", json={"year": 2025}, token=_token(timedelta(seconds=-5)))
    assert expired.status_code == 401
    assert _error(expired)["code"] == "token_expired"
    assert "hết hạn" in _error(expired)["message"]["vi"]
    forged = await _call("POST", "/plans", json={"year": 2025}, token=_token() + "x")
    assert (forged.status_code, _error(forged)["code"]) == (401, "unauthenticated")


async def test_allow_names_every_method_of_the_path_not_only_the_first_routes() -> None:
    app = _app()

    @app.get("/plans")
    async def plans() -> list[str]:
        return []

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.delete("/plans")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_a_connection_broken_mid_query_is_a_503_to_retry_with_the_same_key() -> None:
    app = _app()

    @app.get("/broken")
    async def broken() -> None:
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/broken")
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    assert _error(response)["code"] == "service_unavailable"


@pytest.mark.parametrize("limit", [2_000, 1_048_576])
async def test_a_services_body_limit_is_its_setting_and_refuses_before_authentication(limit: int) -> None:
    """DVK_MAX_BODY_BYTES reaches the service's edge: over it, 413 without a token being looked at."""
    from services.registry.service import DEFINITION
    from shared.config import ServiceSettings
    from shared.runtime.service import build_app

    app = build_app(DEFINITION, PlatformSettings(jwt_secret="s" * 32, max_body_bytes=limit),
                    ServiceSettings(database_url="postgresql://unused@127.0.0.1:1/none"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        over = await client.post("/models", content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
        assert over.status_code == 413
        assert over.json()["error"]["code"] == "payload_too_large"
        assert str(limit) in over.json()["error"]["message"]["en"]
        under = await client.post("/models", content=b"{}", headers={"Content-Type": "application/json"})
        assert under.status_code in (401, 503), "a body within the limit goes past the edge (no database here)"
