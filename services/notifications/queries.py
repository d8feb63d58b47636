"""What the notifications service answers to readers: the inbox, webhook endpoints and their
deliveries, each a typed shape, every list a page.

Who sees what follows the hierarchy, never a copied path: a notification is seen by the units whose
subtree carries the unit it is about now (after a merge, the successor's users see the merged
communes' notifications), an endpoint by the administrators whose subtree carries its unit. Rows
stored before units had ids are found through `dvk_unit_of`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeAlias
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from shared.http.pages import Page, Paging, fetch_page

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool
DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


class Bilingual(BaseModel):
    vi: str
    en: str


class NotificationView(BaseModel):
    """Thông báo — one notification; `org_path` is the path of the unit it was about, then."""

    id: UUID
    event_id: UUID
    event_type: str
    org_path: str
    owner_org_unit_id: UUID | None
    subject: str | None
    title: Bilingual
    body: Bilingual
    occurred_at: datetime
    created_at: datetime
    read: bool
    read_at: datetime | None
    read_by: str | None


class WebhookView(BaseModel):
    """An endpoint as operators see it: never the secret, only its fingerprint."""

    id: UUID
    url: str
    description: str | None
    org_path: str
    org_unit_id: UUID | None
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
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


_NOTIFICATION_COLUMNS = """id, event_id, event_type, org_path, owner_org_unit_id, subject, title_vi, title_en,
                           body_vi, body_en, occurred_at, created_at, read_at, read_by"""


def _notification(row: dict[str, Any] | asyncpg.Record) -> NotificationView:
    return NotificationView(
        id=row["id"], event_id=row["event_id"], event_type=row["event_type"], org_path=row["org_path"],
        owner_org_unit_id=row["owner_org_unit_id"], subject=row["subject"],
        title=Bilingual(vi=row["title_vi"], en=row["title_en"]), body=Bilingual(vi=row["body_vi"], en=row["body_en"]),
        occurred_at=row["occurred_at"], created_at=row["created_at"], read=row["read_at"] is not None,
        read_at=row["read_at"], read_by=row["read_by"])


async def inbox(db: Db, root: UUID, unread_only: bool, paging: Paging) -> Page[NotificationView]:
    sql = f"""select {_NOTIFICATION_COLUMNS} from notifications n
        where dvk_carrier(dvk_unit_of(n.owner_org_unit_id, n.org_path)) in (select dvk_subtree($1))
          and (not $2 or n.read_at is null)"""
    return await fetch_page(db, sql, root, unread_only, order_by="occurred_at desc, created_at desc, id",
                            paging=paging, item=_notification)


async def notification(db: Db, notification_id: UUID) -> NotificationView | None:
    row = await db.fetchrow(f"select {_NOTIFICATION_COLUMNS} from notifications where id = $1", notification_id)
    return None if row is None else _notification(row)


async def mark_read(db: Db, notification_id: UUID, reader: str) -> NotificationView:
    """Idempotent: the first reader and time are kept."""
    row = await db.fetchrow(
        f"""update notifications set read_at = coalesce(read_at, now()), read_by = coalesce(read_by, $2)
            where id = $1 returning {_NOTIFICATION_COLUMNS}""", notification_id, reader)
    return _notification(row)


_ENDPOINT_COLUMNS = """id, url, description, org_path, org_unit_id, event_types, status, secret_fingerprint,
                       created_at, created_by, disabled_at, disabled_by, version"""


async def endpoints(db: Db, root: UUID, paging: Paging) -> Page[WebhookView]:
    sql = f"""select {_ENDPOINT_COLUMNS} from webhook_endpoints e
        where dvk_carrier(dvk_unit_of(e.org_unit_id, e.org_path)) in (select dvk_subtree($1))"""
    return await fetch_page(db, sql, root, order_by="created_at, id", paging=paging,
                            item=lambda row: WebhookView(**row))


async def endpoint(db: Db, endpoint_id: UUID) -> WebhookView | None:
    row = await db.fetchrow(f"select {_ENDPOINT_COLUMNS} from webhook_endpoints where id = $1", endpoint_id)
    return None if row is None else WebhookView(**dict(row))


async def deliveries(db: Db, endpoint_id: UUID, status: DeliveryStatus | None,
                     paging: Paging) -> Page[DeliveryView]:
    sql = """select id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at,
                    last_status_code, last_error, created_at, delivered_at
             from webhook_deliveries where endpoint_id = $1 and ($2::text is null or status = $2)"""
    return await fetch_page(db, sql, endpoint_id, status, order_by="created_at desc, id", paging=paging,
                            item=lambda row: DeliveryView(**row))

