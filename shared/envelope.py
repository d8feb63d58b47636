"""CloudEvents 1.0 in binary mode on NATS: attributes in `ce-*` headers, data as the JSON body.

Header values must be ASCII, so only identifiers travel in headers; Vietnamese text lives in the
body. `Nats-Msg-Id` equals `ce-id` so JetStream's duplicate window drops a republished event.
Platform extensions (lower-case alphanumerics, as the spec requires):
`ce-orgpath` (unit the event is about), `ce-actor`, `ce-correlationid`, `ce-causationid`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from shared.contracts import IntegrationEvent, UnknownContract, contract_for

SPEC_VERSION = "1.0"
REQUIRED = ("ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time")
EXTENSIONS = ("orgpath", "actor", "correlationid", "causationid")


class EnvelopeError(ValueError):
    """The message can never be valid: it is terminated and dead-lettered, not retried."""


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    data: dict[str, Any]
    extensions: dict[str, str] = field(default_factory=dict)

    def to_nats(self) -> tuple[dict[str, str], bytes]:
        headers = {
            "ce-specversion": SPEC_VERSION,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-time": self.time.isoformat(),
            "ce-datacontenttype": "application/json",
            "Nats-Msg-Id": self.id,
        }
        if self.subject:
            headers["ce-subject"] = self.subject
        for name, value in self.extensions.items():
            headers[f"ce-{name}"] = value
        for key, value in headers.items():
            if not value.isascii():
                raise EnvelopeError(f"header {key} must be ASCII")
        body = json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()
        return headers, body

    @classmethod
    def from_nats(cls, headers: Mapping[str, str] | None, body: bytes) -> CloudEvent:
        headers = dict(headers or {})
        missing = [h for h in REQUIRED if not headers.get(h)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if headers["ce-specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported specversion {headers['ce-specversion']}")
        try:
            time = datetime.fromisoformat(headers["ce-time"])
            data = json.loads(body)
        except ValueError as exc:
            raise EnvelopeError(f"unreadable time or body: {exc}") from exc
        if not isinstance(data, dict):
            raise EnvelopeError("data must be a JSON object")
        return cls(
            id=headers["ce-id"], source=headers["ce-source"], type=headers["ce-type"], time=time,
            subject=headers.get("ce-subject"), data=data,
            extensions={n: headers[f"ce-{n}"] for n in EXTENSIONS if f"ce-{n}" in headers},
        )

    def contract(self) -> IntegrationEvent:
        """The typed public event; an unknown type or a body that breaks its schema is invalid."""
        try:
            return contract_for(self.type).model_validate(self.data)
        except UnknownContract as exc:
            raise EnvelopeError(f"unknown event type {self.type}") from exc
        except ValidationError as exc:
            raise EnvelopeError(f"{self.type} does not match its contract: {exc}") from exc

    @cached_property
    def event_id(self) -> UUID:
        try:
            return UUID(self.id)
        except ValueError as exc:
            raise EnvelopeError(f"ce-id is not a UUID: {self.id}") from exc


def source_of(instance: str, service: str) -> str:
    """`ce-source`: which agency's instance and which service produced the event."""
    return f"urn:dvk:{instance}:{service}"


def service_of_source(source: str) -> str | None:
    """The service named by a `ce-source` (None when it is not one of the platform's)."""
    parts = source.split(":")
    return parts[3] if len(parts) == 4 and parts[:2] == ["urn", "dvk"] else None
