"""The notifications service's commands as they arrive over HTTP, validated at the edge.

Every refusal here becomes a field-level, bilingual 422 before any handler runs, so bad input
never opens a transaction, let alone writes an event.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl
from pydantic_core import PydanticCustomError

from services.notifications.templates import TEMPLATES
from shared.contracts import CONTRACTS_BY_TYPE
from shared.http.input import CommandInput
from shared.subjects import ORG_PATH_PATTERN

WEBHOOK_EVENT_TYPES: frozenset[str] = frozenset(t for t in CONTRACTS_BY_TYPE if t in TEMPLATES)
"""What an endpoint may ask for: public contracts this service consumes. Asking for any other type
(say `org_unit_registered`) is refused rather than accepted and silently never delivered."""


def _known_event_type(value: str) -> str:
    if value not in WEBHOOK_EVENT_TYPES:
        raise PydanticCustomError("webhook_event_type_unknown", "unknown event type {value}",
                                  {"value": value, "expected": ", ".join(sorted(WEBHOOK_EVENT_TYPES))})
    return value


EventType = Annotated[str, AfterValidator(_known_event_type)]


class RegisterWebhook(CommandInput):
    """Đăng ký webhook — another system asks to be called with the events about a subtree."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "url": "https://congthongtin.laocai.gov.vn/dvk/webhooks",
        "description": "Cổng thông tin điện tử tỉnh",
        "org_path": "VN.15",
        "event_types": ["vn.dvk.awards.award_granted.v1"],
    }]})

    url: HttpUrl = Field(description="http:// or https:// address that receives the POSTs")
    description: str | None = Field(default=None, max_length=500)
    org_path: str | None = Field(default=None, pattern=ORG_PATH_PATTERN,
                                 description="Subtree filter; defaults to the caller's scope")
    event_types: list[EventType] = Field(default_factory=list, max_length=len(WEBHOOK_EVENT_TYPES),
                                         description="CloudEvents types to send; empty means all")


class DisableWebhook(BaseModel):
    """Tắt webhook — stop calling an endpoint (no body: the path names it)."""

    endpoint_id: UUID
