"""A token's scope names a unit; it is resolved against the hierarchy when the request is served.

So a user whose commune moved keeps working with the token they have (the unit id stays, and an old
path is found through the unit that held it most recently), while a user of a unit that has ended is
told so plainly instead of silently seeing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from shared import hierarchy
from shared.auth.principal import Principal
from shared.http.errors import ApiError
from shared.i18n import Text, register_messages

register_messages({
    "scope_unit_unknown": Text("Đơn vị trong phạm vi tài khoản ({scope}) không có trong cây tổ chức.",
                               "The unit your account is scoped to ({scope}) is not in the organisation tree."),
    "scope_unit_ended": Text("Đơn vị {unit} của tài khoản đã kết thúc hoạt động từ ngày {ended_on}{successor_vi}; "
                             "đề nghị quản trị viên giao lại phạm vi.",
                             "Your account's unit {unit} ended on {ended_on}{successor_en}; ask an administrator "
                             "to re-scope your account."),
})


@dataclass(frozen=True)
class Scope:
    unit_id: UUID
    path: str
    """The scope unit's path today (the token may name an older one)."""


async def resolve_scope(db: asyncpg.Connection | asyncpg.Pool, principal: Principal) -> Scope:
    if principal.org_unit_id is not None:
        view = await hierarchy.unit(db, principal.org_unit_id)
    else:
        view = await hierarchy.unit_by_path(db, principal.org_scope)
    if view is None:
        raise ApiError(403, "scope_unit_unknown", scope=principal.org_scope)
    if view.ended_on is not None and view.ended_on <= hierarchy.today():
        successor = await hierarchy.unit(db, view.successor_id) if view.successor_id else None
        raise ApiError(403, "scope_unit_ended", unit=view.name, ended_on=view.ended_on.strftime("%d/%m/%Y"),
                       successor_vi=f", đơn vị kế thừa: {successor.name}" if successor else "",
                       successor_en=f"; its successor is {successor.name}" if successor else "")
    return Scope(unit_id=view.id, path=view.path)


async def covers(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, org_unit_id: UUID,
                 entity_id: UUID | None = None) -> bool:
    """Whether what `org_unit_id` owns (or that one entity of it) is carried, now, within the scope."""
    scope = await resolve_scope(db, principal)
    return bool(await db.fetchval("select dvk_carrier($2, $3) in (select dvk_subtree($1))",
                                  scope.unit_id, org_unit_id, entity_id))


async def ensure_covers(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, org_unit_id: UUID,
                        entity_id: UUID | None = None) -> None:
    if not await covers(db, principal, org_unit_id, entity_id):
        view = await hierarchy.unit(db, org_unit_id)
        raise ApiError(403, "forbidden_scope", org_path=view.path if view else str(org_unit_id),
                       scope=principal.org_scope)
