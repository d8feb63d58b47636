"""The notifications HTTP API: refusals with field-level bilingual messages that write nothing,
endpoint lifecycle, and the inbox's scope, filters and pagination."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.auth.principal import Role
from shared.contracts import OrgUnitRegistered
from shared.runtime.nats import EmbeddedNats
from tests.conftest import auth
from tests.integration.test_notifications_support import (
    AT,
    eventually,
    inspection_passed,
    model_registered,
    publish,
    running,
)

ADMIN_VN15 = auth([Role.ADMINISTRATOR], org="VN.15", sub="admin-15")
ADMIN_VN20 = auth([Role.ADMINISTRATOR], org="VN.20", sub="admin-20")
REGISTRAR_VN15 = auth([Role.REGISTRAR, Role.VIEWER], org="VN.15", sub="registrar-15")
VIEWER_VN15 = auth([Role.VIEWER], org="VN.15", sub="viewer-15")
OUTSIDE = ("org_path", "webhook_org_path_outside_scope")
GOOD = {"url": "https://portal.example.vn/dvk/hooks", "description": "Cổng thông tin điện tử tỉnh"}


def _error(body: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """Check the error envelope; return its field problems (each checked to be bilingual)."""
    error = body["error"]
    assert error["code"] == code, body
    assert error["message"]["vi"] and error["message"]["en"] and error["message"]["vi"] != error["message"]["en"]
    fields: list[dict[str, Any]] = error.get("fields", [])
    for problem in fields:
        assert problem["field"] and problem["code"]
        assert problem["message"]["vi"] and problem["message"]["en"]
    return fields


async def test_bad_registrations_get_field_messages_and_write_nothing(database: str,
                                                                    isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc:
        cases: list[tuple[dict[str, Any], dict[str, str], int, str, tuple[str, str] | None]] = [
            ({"description": "thiếu url"}, ADMIN_VN15, 422, "validation_failed", ("url", "missing")),
            ({**GOOD, "url": "ftp://portal.example.vn/x"}, ADMIN_VN15, 422, "validation_failed",
             ("url", "url_scheme")),
            ({**GOOD, "url": "không phải url"}, ADMIN_VN15, 422, "validation_failed", ("url", "url_parsing")),
            ({**GOOD, "event_types": ["vn.dvk.registry.model_registered.v1", "vn.dvk.registry.nothing.v1"]},
             ADMIN_VN15, 422, "validation_failed", ("event_types.1", "webhook_event_type_unknown")),
            ({**GOOD, "event_types": [OrgUnitRegistered.ce_type()]}, ADMIN_VN15, 422, "validation_failed",
             ("event_types.0", "webhook_event_type_unknown")),
            ({**GOOD, "org_path": "VN.15.x_y"}, ADMIN_VN15, 422, "validation_failed",
             ("org_path", "string_pattern_mismatch")),
            ({**GOOD, "secret": "whsec_mine"}, ADMIN_VN15, 422, "validation_failed", ("secret", "extra_forbidden")),
            ({**GOOD, "org_path": "VN.20"}, ADMIN_VN15, 403, "forbidden_scope", OUTSIDE),
            ({**GOOD, "org_path": "VN"}, ADMIN_VN15, 403, "forbidden_scope", OUTSIDE),
            (GOOD, REGISTRAR_VN15, 403, "forbidden_role", None),  # a role is nobody's field to fix
            (GOOD, {}, 401, "unauthenticated", None),
        ]
        for body, headers, status, code, problem in cases:
            r = await svc.client.post("/webhooks", json=body, headers=headers)
            assert r.status_code == status, (body, r.text)
            fields = _error(r.json(), code)
            if problem is not None:
                assert problem in {(f["field"], f["code"]) for f in fields}, (body, fields)
        scope_problem = _error((await svc.client.post("/webhooks", json={**GOOD, "org_path": "VN.20"},
                                                      headers=ADMIN_VN15)).json(), "forbidden_scope")
        assert "VN.20" in scope_problem[0]["message"]["vi"] and "VN.15" in scope_problem[0]["message"]["en"]
        assert await svc.count("events", "event_type like 'WebhookEndpoint%'") == 0
        assert await svc.count("webhook_endpoints") == 0 and await svc.count("webhook_secrets") == 0

        # The same route does write when the input is right: the counts above could have moved.
        r = await svc.client.post("/webhooks", json={**GOOD, "org_path": "VN.15.04321"}, headers=ADMIN_VN15)
        assert r.status_code == 201, r.text
        assert await svc.count("events", "event_type = 'WebhookEndpointRegistered'") == 1
        stored = await svc.db.fetchrow(
            "select payload, metadata from events where event_type = 'WebhookEndpointRegistered'")
        assert r.json()["secret"] not in stored["payload"] and '"actor": "admin-15"' in stored["metadata"]


async def test_endpoint_lifecycle_without_secrets_in_listings(database: str, isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc:
        r = await svc.client.post("/webhooks", json=GOOD, headers={**ADMIN_VN15, "Idempotency-Key": "hook-0001"})
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["org_path"] == "VN.15" and created["status"] == "active"
        replay = await svc.client.post("/webhooks", json=GOOD, headers={**ADMIN_VN15, "Idempotency-Key": "hook-0001"})
        assert replay.json() == created and replay.headers["Idempotent-Replayed"] == "true"

        listed = (await svc.client.get("/webhooks", headers=ADMIN_VN15)).json()["items"]
        assert [e["id"] for e in listed] == [created["id"]]
        assert "secret" not in listed[0] and created["secret"] not in str(listed)
        assert listed[0]["secret_fingerprint"] == created["secret_fingerprint"]
        assert (await svc.client.get("/webhooks", headers=ADMIN_VN20)).json()["items"] == []
        assert (await svc.client.get(f"/webhooks/{created['id']}", headers=ADMIN_VN20)).status_code == 404
        assert (await svc.client.get("/webhooks", headers=VIEWER_VN15)).status_code == 403

        assert (await svc.client.delete(f"/webhooks/{created['id']}", headers=ADMIN_VN20)).status_code == 404
        r = await svc.client.delete(f"/webhooks/{created['id']}", headers=ADMIN_VN15)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "disabled" and r.json()["version"] == 2
        again = await svc.client.delete(f"/webhooks/{created['id']}", headers=ADMIN_VN15)
        assert again.status_code == 409 and _error(again.json(), "webhook_already_disabled") == []
        shown = (await svc.client.get(f"/webhooks/{created['id']}", headers=ADMIN_VN15)).json()
        assert shown["status"] == "disabled" and shown["disabled_by"] == "admin-15"
        assert await svc.count("events", "event_type like 'WebhookEndpoint%'") == 2

        # A disabled endpoint gets nothing, while the inbox still does.
        _, ack = await publish(svc.js, model_registered())
        await svc.applied("notifications__model_registered", ack)
        assert await svc.count("notifications") == 1 and await svc.count("webhook_deliveries") == 0


async def test_inbox_scope_filters_pagination_and_reading(database: str, isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc:
        published = []
        for days in range(3):
            ce, _ = await publish(svc.js, model_registered(at=AT + timedelta(days=days), title=f"Mô hình số {days}"))
            published.append(ce.id)
        await publish(svc.js, inspection_passed(org_path="VN.20.00001"))

        async def total(org_path: str, headers: dict[str, str], **params: Any) -> int:
            r = await svc.client.get("/inbox", params={"under": org_path, **params}, headers=headers)
            assert r.status_code == 200, r.text
            return int(r.json()["total"])

        await eventually(lambda: _equals(total("VN", auth([Role.VIEWER], org="VN")), 4), within=5)
        page = (await svc.client.get("/inbox", headers=VIEWER_VN15)).json()  # default: the caller's scope
        assert page["total"] == 3
        assert [i["event_id"] for i in page["items"]] == published[::-1]  # newest first
        assert page["items"][0]["body"]["vi"].startswith("Ngày 17/10/2025")
        tail = (await svc.client.get("/inbox", params={"limit": 2, "offset": 2}, headers=VIEWER_VN15)).json()
        assert [i["event_id"] for i in tail["items"]] == [published[0]] and tail["total"] == 3
        assert await total("VN.15.04321", VIEWER_VN15) == 3

        outside = await svc.client.get("/inbox", params={"under": "VN.20"}, headers=VIEWER_VN15)
        assert outside.status_code == 403 and _error(outside.json(), "forbidden_scope") == []
        bad = await svc.client.get("/inbox", params={"limit": 0}, headers=VIEWER_VN15)
        assert bad.status_code == 422 and _error(bad.json(), "validation_failed")[0]["field"] == "limit"
        assert (await svc.client.get("/inbox")).status_code == 401

        newest = page["items"][0]["id"]
        hidden = await svc.client.post(f"/inbox/{newest}/read", headers=ADMIN_VN20)
        assert hidden.status_code == 404 and _error(hidden.json(), "notification_unknown") == []
        r = await svc.client.post(f"/inbox/{newest}/read", headers=VIEWER_VN15)
        assert r.status_code == 200, r.text
        assert r.json()["read"] is True and r.json()["read_by"] == "viewer-15"
        first_read_at = r.json()["read_at"]
        r = await svc.client.post(f"/inbox/{newest}/read", headers=REGISTRAR_VN15)
        assert (r.json()["read_at"], r.json()["read_by"]) == (first_read_at, "viewer-15")  # idempotent
        unread = (await svc.client.get("/inbox", params={"unread": "true"}, headers=VIEWER_VN15)).json()
        assert unread["total"] == 2 and newest not in {i["id"] for i in unread["items"]}
        received = "event_type not like 'vn.dvk.registry.org_unit%'"  # the tree seeded for the test aside
        assert await svc.count("events", received) == 4  # the four received; reading is state, not an event


async def _equals(value: Any, expected: int) -> bool:
    return bool(await value == expected)
