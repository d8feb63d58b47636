from __future__ import annotations

import uuid

import pytest

from shared.envelope import CloudEvent, EnvelopeError
from tests.events import cloud_event, model_registered


def test_binary_mode_round_trip_keeps_vietnamese_in_the_body_and_ascii_in_headers() -> None:
    event = model_registered(title="Mô hình “Dân vận khéo” ở thôn Bản Lằng")
    ce = cloud_event(event)
    headers, body = ce.to_nats()
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == ce.id
    assert headers["ce-type"] == "vn.dvk.registry.model_registered.v1"
    assert headers["ce-orgpath"] == "VN.15.04321"
    assert all(v.isascii() for v in headers.values())
    assert "Bản Lằng".encode() in body
    back = CloudEvent.from_nats(headers, body)
    assert back.contract() == event
    assert back.event_id == uuid.UUID(ce.id)


@pytest.mark.parametrize("drop", ["ce-id", "ce-type", "ce-source", "ce-specversion", "ce-time"])
def test_missing_required_attribute_is_invalid(drop: str) -> None:
    headers, body = cloud_event(model_registered()).to_nats()
    del headers[drop]
    with pytest.raises(EnvelopeError):
        CloudEvent.from_nats(headers, body)


def test_unknown_type_or_broken_body_is_invalid_not_retryable() -> None:
    headers, body = cloud_event(model_registered()).to_nats()
    with pytest.raises(EnvelopeError, match="unknown event type"):
        CloudEvent.from_nats({**headers, "ce-type": "vn.dvk.registry.nothing.v9"}, body).contract()
    with pytest.raises(EnvelopeError, match="does not match"):
        CloudEvent.from_nats(headers, b'{"org_path": "VN"}').contract()
    with pytest.raises(EnvelopeError):
        CloudEvent.from_nats(headers, b"[1, 2]")
