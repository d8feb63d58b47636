"""HTTP routes of the notifications service: the in-app inbox and the webhook endpoints.

Inbox: `GET /inbox`, `POST /inbox/{id}/read` (any authenticated user, within their scope).
Webhooks: `POST /webhooks`, `GET /webhooks`, `GET /webhooks/{id}`, `DELETE /webhooks/{id}`,
`GET /webhooks/{id}/deliveries` (administrators, within their scope). Lists are pages; who sees what
follows the hierarchy (`queries.py`); an item outside the caller's scope is a 404, as if absent.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.notifications import handlers, queries
from services.notifications.commands import DisableWebhook, RegisterWebhook
from shared import hierarchy
from shared.auth.dependencies import Reader, require
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, query_root
from shared.http.commands import IdempotencyKey, UnderFilter, UnitFilter, run_command
from shared.http.errors import not_found
from shared.http.pages import Page, PageParams
from shared.runtime.service import Runtime

router = APIRouter()
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]


@router.get("/inbox", tags=["inbox"], response_model=Page[queries.NotificationView])
async def inbox(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                under: UnderFilter = None, unread: bool = False) -> Page[queries.NotificationView]:
    """Hộp thư thông báo — notifications about a unit and the units below it, newest first."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        return paging.of([], 0) if root is None else await queries.inbox(conn, root, unread, paging)


@router.post("/inbox/{notification_id}/read", tags=["inbox"], response_model=queries.NotificationView)
async def mark_read(notification_id: UUID, runtime: Runtime, principal: Reader) -> queries.NotificationView:
    """Đánh dấu đã đọc — mark a notification read (idempotent; the first reader is kept).

    Deliberately plain state, not an event: whether someone has opened a message decides nothing in
    the domain, no other service or outside system consumes it, and it has no history worth
    replaying. An event per click would grow the append-only log with noise while the row already
    records who read it first and when.
    """
    async with runtime.pool.acquire() as conn:
        found = await queries.notification(conn, notification_id)
        unit = None if found is None else await hierarchy.unit_of(conn, found.owner_org_unit_id, found.org_path)
        if unit is None or not await covers(conn, principal, unit):
            raise not_found("notification_unknown")  # outside the scope looks the same as absent
        return await queries.mark_read(conn, notification_id, principal.subject)


@router.post("/webhooks", status_code=201, tags=["webhooks"], response_model=handlers.RegisteredWebhook)
async def register_webhook(cmd: RegisterWebhook, runtime: Runtime, principal: Administrator,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đăng ký webhook — have another system called, signed per Standard Webhooks, with the events
    about a subtree. The answer holds the signing secret; it is shown this once and never again."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/webhooks", tags=["webhooks"], response_model=Page[queries.WebhookView])
async def list_webhooks(runtime: Runtime, principal: Administrator, paging: PageParams, unit_id: UnitFilter = None,
                        under: UnderFilter = None) -> Page[queries.WebhookView]:
    """Các webhook trong phạm vi — endpoints whose unit the caller's subtree carries (no secrets)."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        return paging.of([], 0) if root is None else await queries.endpoints(conn, root, paging)


async def _endpoint_in_scope(runtime: Runtime, principal: Principal, endpoint_id: UUID) -> queries.WebhookView:
    async with runtime.pool.acquire() as conn:
        found = await queries.endpoint(conn, endpoint_id)
        unit = None if found is None else await hierarchy.unit_of(conn, found.org_unit_id, found.org_path)
        if found is None or unit is None or not await covers(conn, principal, unit):
            raise not_found("webhook_unknown")
    return found


@router.get("/webhooks/{endpoint_id}", tags=["webhooks"], response_model=queries.WebhookView)
async def get_webhook(endpoint_id: UUID, runtime: Runtime, principal: Administrator) -> queries.WebhookView:
    """Một webhook — one endpoint (never its secret)."""
    return await _endpoint_in_scope(runtime, principal, endpoint_id)


@router.delete("/webhooks/{endpoint_id}", tags=["webhooks"], response_model=handlers.DisabledWebhook)
async def disable_webhook(endpoint_id: UUID, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Tắt webhook — stop calling an endpoint; deliveries still queued for it are cancelled.
    The record stays (its history is in the event log); a disabled endpoint is never re-enabled."""
    return await run_command(runtime.executor, DisableWebhook(endpoint_id=endpoint_id), principal, idempotency_key)


@router.get("/webhooks/{endpoint_id}/deliveries", tags=["webhooks"], response_model=Page[queries.DeliveryView])
async def list_deliveries(endpoint_id: UUID, runtime: Runtime, principal: Administrator, paging: PageParams,
                          status: queries.DeliveryStatus | None = None) -> Page[queries.DeliveryView]:
    """Lịch sử gửi — what was sent to an endpoint, newest first, with attempts and the last error."""
    await _endpoint_in_scope(runtime, principal, endpoint_id)
    return await queries.deliveries(runtime.pool, endpoint_id, status, paging)
