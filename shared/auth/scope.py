"""PROVISIONAL stand-in (replaced at merge): a token's scope names a unit, resolved when served."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared import hierarchy
from shared.auth.principal import Principal
from shared.http.errors import ApiError
from shared.i18n import VN_TZ, Text, register_messages

register_messages({
    "scope_unit_ended": Text("Đơn vị trong phạm vi của bạn ({name}) đã chấm dứt; đơn vị kế thừa: {successor}.",
                             "The unit of your scope ({name}) has ended; its successor: {successor}."),
    "scope_unit_unknown": Text("Đơn vị trong phạm vi của bạn ({scope}) không có trong hệ thống.",
                               "The unit of your scope ({scope}) is unknown."),
})


@dataclass(frozen=True)
class Scope:
    unit_id: UUID
    path: str


async def resolve_scope(conn: asyncpg.Connection, principal: Principal) -> Scope:
    unit_id: UUID | None = getattr(principal, "org_unit_id", None)
    view = (await hierarchy.unit(conn, unit_id) if unit_id is not None
            else await hierarchy.unit_by_path(conn, principal.org_scope))
    if view is None:
        raise ApiError(403, "scope_unit_unknown", scope=principal.org_scope)
    if view.valid_to is not None and view.valid_to <= datetime.now(VN_TZ).date():
        successor = await hierarchy.unit(conn, view.successor_id) if view.successor_id else None
        raise ApiError(403, "scope_unit_ended", name=view.name, successor=successor.name if successor else "—")
    return Scope(view.id, view.path)


async def covers(conn: asyncpg.Connection, principal: Principal, org_unit_id: UUID,
                 entity_id: UUID | None = None) -> bool:
    scope = await resolve_scope(conn, principal)
    return await hierarchy.carrier(conn, org_unit_id, entity_id) in await hierarchy.subtree_ids(conn, scope.unit_id)


async def ensure_covers(conn: asyncpg.Connection, principal: Principal, org_unit_id: UUID,
                        entity_id: UUID | None = None) -> None:
    if not await covers(conn, principal, org_unit_id, entity_id):
        scope = await resolve_scope(conn, principal)
        view = await hierarchy.unit(conn, org_unit_id)
        raise ApiError(403, "forbidden_scope", org_path=view.path if view else str(org_unit_id), scope=scope.path)
