"""HTTP routes of the notifications service: the in-app inbox and the webhook endpoints.

Inbox: `GET /inbox`, `POST /inbox/{id}/read` (any authenticated user, within their scope).
Webhooks: `POST /webhooks`, `GET /webhooks`, `GET /webhooks/{id}`, `DELETE /webhooks/{id}`,
`GET /webhooks/{id}/deliveries` (administrators, within their scope).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.notifications import handlers, projections
from services.notifications.commands import RegisterWebhook
from services.notifications.webhooks import new_secret
from shared.auth.dependencies import Reader, ensure_scope, require
from shared.auth.principal import Principal, Role
from shared.http.commands import IdempotencyKey, run_command
from shared.http.errors import not_found
from shared.runtime.service import Runtime
from shared.subjects import ORG_PATH_PATTERN

router = APIRouter()
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
OrgPath = Annotated[str | None, Query(pattern=ORG_PATH_PATTERN, description="Defaults to the caller's scope")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Bilingual(BaseModel):
    vi: str
    en: str


class NotificationView(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    org_path: str
    subject: str | None
    title: Bilingual
    body: Bilingual
    occurred_at: datetime
    created_at: datetime
    read: bool
    read_at: datetime | None
    read_by: str | None


class InboxPage(BaseModel):
    org_path: str
    total: int
    limit: int
    offset: int
    items: list[NotificationView]


class WebhookView(BaseModel):
    """An endpoint as operators see it: never the secret, only its fingerprint."""

    id: UUID
    url: str
    description: str | None
    org_path: str
    event_types: list[str]
    status: Literal["active", "disabled"]
    secret_fingerprint: str
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    disabled_by: str | None
    version: int


class DeliveryView(BaseModel):
    id: UUID
    """Also the `webhook-id` header the receiver saw on every attempt."""
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@router.get("/inbox", tags=["inbox"], response_model=InboxPage)
async def inbox(runtime: Runtime, principal: Reader, org_path: OrgPath = None, unread: bool = False,
                limit: Limit = 50, offset: Offset = 0) -> InboxPage:
    """Hộp thư thông báo — notifications about a unit and the units below it, newest first."""
    root = org_path or principal.org_scope
    ensure_scope(principal, root)
    total, items = await projections.inbox_page(runtime.pool, root, unread, limit, offset)
    return InboxPage(org_path=root, total=total, limit=limit, offset=offset,
                     items=[NotificationView.model_validate(i) for i in items])


@router.post("/inbox/{notification_id}/read", tags=["inbox"], response_model=NotificationView)
async def mark_read(notification_id: UUID, runtime: Runtime, principal: Reader) -> NotificationView:
    """Đánh dấu đã đọc — mark a notification read (idempotent; the first reader is kept).

    Deliberately plain state, not an event: whether someone has opened a message decides nothing in
    the domain, no other service or outside system consumes it, and it has no history worth
    replaying. An event per click would grow the append-only log with noise while the row already
    records who read it first and when.
    """
    row = await projections.notification(runtime.pool, notification_id)
    if row is None or not principal.covers(row["org_path"]):
        raise not_found("notification_unknown")  # outside the scope looks the same as absent
    updated = await projections.mark_read(runtime.pool, notification_id, principal.subject)
    return NotificationView.model_validate(projections.notification_view(updated))


@router.post("/webhooks", status_code=201, tags=["webhooks"], response_model=handlers.RegisteredWebhook)
async def register_webhook(cmd: RegisterWebhook, runtime: Runtime, principal: Administrator,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đăng ký webhook — have another system called, signed per Standard Webhooks, with the events
    about a subtree. The answer holds the signing secret; it is shown this once and never again."""
    endpoint_id, secret = uuid.uuid4(), new_secret()
    return await run_command(runtime.executor, "RegisterWebhook", principal,
                             lambda tx: handlers.register_webhook(cmd, endpoint_id, secret, tx),
                             payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/webhooks", tags=["webhooks"], response_model=list[WebhookView])
async def list_webhooks(runtime: Runtime, principal: Administrator, under: OrgPath = None) -> list[WebhookView]:
    """Các webhook trong phạm vi — endpoints filtering on the caller's subtree (no secrets)."""
    root = under or principal.org_scope
    ensure_scope(principal, root)
    return [WebhookView.model_validate(e) for e in await projections.endpoints_under(runtime.pool, root)]


async def _endpoint_in_scope(runtime: Runtime, principal: Principal, endpoint_id: UUID) -> WebhookView:
    found = await projections.endpoint(runtime.pool, endpoint_id)
    if found is None or not principal.covers(found["org_path"]):
        raise not_found("webhook_unknown")
    return WebhookView.model_validate(found)


@router.get("/webhooks/{endpoint_id}", tags=["webhooks"], response_model=WebhookView)
async def get_webhook(endpoint_id: UUID, runtime: Runtime, principal: Administrator) -> WebhookView:
    return await _endpoint_in_scope(runtime, principal, endpoint_id)


@router.delete("/webhooks/{endpoint_id}", tags=["webhooks"], response_model=handlers.DisabledWebhook)
async def disable_webhook(endpoint_id: UUID, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Tắt webhook — stop calling an endpoint; deliveries still queued for it are cancelled.
    The record stays (its history is in the event log); a disabled endpoint is never re-enabled."""
    return await run_command(runtime.executor, "DisableWebhook", principal,
                             lambda tx: handlers.disable_webhook(endpoint_id, tx),
                             payload={"id": str(endpoint_id)}, idempotency_key=idempotency_key, success_status=200)


@router.get("/webhooks/{endpoint_id}/deliveries", tags=["webhooks"], response_model=list[DeliveryView])
async def list_deliveries(endpoint_id: UUID, runtime: Runtime, principal: Administrator,
                          status: Literal["pending", "delivered", "failed", "cancelled"] | None = None,
                          limit: Limit = 50, offset: Offset = 0) -> list[DeliveryView]:
    """Lịch sử gửi — what was sent to an endpoint, newest first, with attempts and the last error."""
    await _endpoint_in_scope(runtime, principal, endpoint_id)
    rows = await projections.deliveries_of(runtime.pool, endpoint_id, status, limit, offset)
    return [DeliveryView.model_validate(r) for r in rows]

