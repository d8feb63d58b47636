"""Every POST of every service, found from its own OpenAPI document, refuses bad input cleanly:
a 4xx with the platform's bilingual error shape, field-level where a field is at fault, and not a
single event written anywhere."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from shared.auth.principal import Role
from shared.config import SERVICE_PORTS
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer


async def _event_counts(platform: Platform) -> dict[str, int]:
    counts = {}
    for service in SERVICE_PORTS:
        conn = await asyncpg.connect(platform.env[f"DVK_{service.upper()}_DATABASE_URL"])
        counts[service] = int(await conn.fetchval("select count(*) from events"))
        await conn.close()
    return counts


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


SIGNED_OUT = {"/auth/token"}
"""Signing in is the one POST an anonymous caller makes; tests/integration/test_sign_in.py checks its input."""


def _posts(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """(path with ids filled in, body schema or None) for every POST operation."""
    found = []
    for path, ops in spec["paths"].items():
        if "post" not in ops or path in SIGNED_OUT:
            continue
        concrete = path
        for param in ops["post"].get("parameters", []):
            if param["in"] == "path":
                concrete = concrete.replace("{" + param["name"] + "}", str(uuid.uuid4()) if "id" in param["name"]
                                            and param["schema"].get("type") != "integer" else "1")
        body = ops["post"].get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        found.append((concrete, _resolve(spec, body) if body else None))
    return found


def _assert_error_shape(r: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = r.json()["error"]
    assert error["code"], r.text
    assert error["message"]["vi"] and error["message"]["en"], r.text
    for problem in error.get("fields", []):
        assert problem["field"] and problem["message"]["vi"] and problem["message"]["en"], r.text
    return error


async def test_every_post_refuses_bad_input_with_field_messages_and_writes_nothing(platform: Platform) -> None:
    before = await _event_counts(platform)
    checked = 0
    async with httpx.AsyncClient(timeout=10) as client:
        for service in SERVICE_PORTS:
            base = platform.url(service)
            spec = (await client.get(f"{base}/openapi.json")).json()
            for path, schema in _posts(spec):
                anonymous = await client.post(f"{base}{path}", json={})
                assert anonymous.status_code == 401, f"{service} {path}: {anonymous.text}"
                _assert_error_shape(anonymous)

                forged = await client.post(f"{base}{path}", json={}, headers={"Authorization": "Bearer x.y.z"})
                assert forged.status_code == 401, f"{service} {path}"

                viewer = await client.post(f"{base}{path}", json={}, headers=bearer(platform, [Role.VIEWER]))
                assert 400 <= viewer.status_code < 500, f"{service} {path}: {viewer.text}"
                _assert_error_shape(viewer)

                if schema is None or not schema.get("required"):
                    continue
                admin = bearer(platform)
                missing = await client.post(f"{base}{path}", json={}, headers=admin)
                assert missing.status_code == 422, f"{service} {path}: {missing.text}"
                fields = {f["field"]: f["code"] for f in _assert_error_shape(missing)["fields"]}
                assert {fields.get(name) for name in schema["required"]} == {"missing"}, (service, path, fields)

                wrong_types = {name: [["không", "đúng"]] for name in schema["required"]}
                wrong = await client.post(f"{base}{path}", json=wrong_types, headers=admin)
                assert wrong.status_code == 422, f"{service} {path}: {wrong.text}"
                wrong_fields = {f["field"].split(".")[0] for f in _assert_error_shape(wrong)["fields"]}
                assert set(schema["required"]) <= wrong_fields, (service, path, wrong_fields)

                not_json = await client.post(f"{base}{path}", content=b"{", headers={
                    **admin, "Content-Type": "application/json"})
                assert not_json.status_code == 400
                assert _assert_error_shape(not_json)["code"] == "invalid_json"
                checked += 1
    assert checked >= 6, "the sweep must reach the services' command bodies"
    assert await _event_counts(platform) == before
