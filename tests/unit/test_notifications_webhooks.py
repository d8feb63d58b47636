"""Webhook rules without I/O: the endpoint aggregate, the structured payload, signatures, back-off."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.domain import WebhookEndpoint, WebhookEndpointDisabled, WebhookEndpointRegistered
from services.notifications.webhooks import (
    RetryPolicy,
    fingerprint,
    new_secret,
    signed_headers,
    structured_payload,
)
from shared.domain.aggregate import DomainError
from shared.envelope import CloudEvent

AT = datetime(2025, 10, 14, 18, 30, tzinfo=UTC)


def registered(endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return WebhookEndpoint.register(endpoint_id=endpoint_id, url="https://portal.example/hook", description=None,
                                    org_path="VN.15", event_types=("a", "b", "a"), secret_fingerprint="sha256:x",
                                    at=AT)


def test_register_records_one_event_without_the_secret() -> None:
    endpoint_id = uuid.uuid4()
    endpoint = registered(endpoint_id)
    [event] = endpoint.pending
    assert isinstance(event, WebhookEndpointRegistered)
    assert event.event_types == ("a", "b")
    assert "secret" not in event.model_dump()
    assert endpoint.active


def test_disable_once_then_refuse() -> None:
    endpoint_id = uuid.uuid4()
    given = [registered(endpoint_id).pending[0]]
    endpoint = WebhookEndpoint.rehydrate(given)
    endpoint.disable(at=AT + timedelta(days=1))
    assert endpoint.pending == [WebhookEndpointDisabled(endpoint_id=endpoint_id, at=AT + timedelta(days=1))]
    again = WebhookEndpoint.rehydrate([*given, *endpoint.pending])
    assert not again.active
    with pytest.raises(DomainError) as refused:
        again.disable(at=AT + timedelta(days=2))
    assert refused.value.code == "webhook_already_disabled"


def test_only_http_urls_are_accepted_by_the_aggregate() -> None:
    with pytest.raises(DomainError):
        WebhookEndpoint.register(endpoint_id=uuid.uuid4(), url="ftp://x/y", description=None, org_path="VN",
                                 event_types=(), secret_fingerprint="sha256:x", at=AT)


def test_secrets_are_standard_webhooks_format_and_distinct() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_")
    assert len(base64.b64decode(a.removeprefix("whsec_"))) >= 24
    assert fingerprint(a) != fingerprint(b) and a.removeprefix("whsec_") not in fingerprint(a)


def test_structured_payload_is_the_whole_cloud_event() -> None:
    ce = CloudEvent(id=str(uuid.uuid4()), source="urn:dvk:test:registry", type="vn.dvk.registry.model_registered.v1",
                    time=AT, subject="models/1", data={"title": "Mô hình"},
                    extensions={"orgpath": "VN.15", "actor": "tester", "correlationid": "c-1"})
    body = structured_payload(ce)
    doc = json.loads(body)
    assert doc == {"specversion": "1.0", "id": ce.id, "source": ce.source, "type": ce.type, "time": AT.isoformat(),
                   "subject": "models/1", "datacontenttype": "application/json", "data": {"title": "Mô hình"},
                   "orgpath": "VN.15", "actor": "tester", "correlationid": "c-1"}
    assert "Mô hình" in body  # UTF-8 text, not \\u escapes
    assert structured_payload(ce) == body  # byte-stable for retries


def test_signed_headers_verify_with_the_reference_library() -> None:
    secret, body = new_secret(), '{"a":"Xã Bảo Hà"}'
    now = datetime.now(timezone(timedelta(hours=7)))  # any zone: the signature uses the Unix time
    headers = signed_headers(secret, "msg-1", body, now)
    assert headers["webhook-id"] == "msg-1" and headers["content-type"] == "application/json"
    assert Webhook(secret).verify(body.encode(), headers) == {"a": "Xã Bảo Hà"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("Hà", "Ha").encode(), headers)


def test_back_off_doubles_up_to_the_cap_then_gives_up() -> None:
    policy = RetryPolicy(max_attempts=6, base_seconds=1.0, cap_seconds=10.0)
    assert [policy.after(n, ok=False) for n in range(1, 7)] == [
        ("pending", 1.0), ("pending", 2.0), ("pending", 4.0), ("pending", 8.0), ("pending", 10.0), ("failed", 0.0)]
    assert policy.after(3, ok=True) == ("delivered", 0.0)
