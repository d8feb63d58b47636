"""A token's scope names a unit; it is resolved against the hierarchy when the request is served.

So a user whose commune moved keeps working with the token they have (the unit id stays, and an old
path is found through the unit that held it most recently), while a user of a unit that has ended is
told so plainly instead of silently seeing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from shared import hierarchy
from shared.auth.principal import Principal
from shared.hierarchy import OrgUnitView
from shared.http.errors import ApiError, invalid_field
from shared.i18n import Text, register_messages

register_messages({
    "field.org_unit_unknown": Text("Không có đơn vị này trong hệ thống.", "No such org unit."),
    "org_unit_unknown": Text("Không có đơn vị này trong hệ thống.", "No such org unit."),
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


_COVERED_TODAY = """
    select e.ended_on, dvk_unit_path(v.org_unit_id, $3) as path,
           dvk_within(dvk_carrier($4, $5), v.org_unit_id) as covered
      from org_unit_versions v left join org_unit_ends e using (org_unit_id)
     where v.org_unit_id = coalesce($1::uuid, dvk_unit_of(null, $2)) and dvk_valid_on(v.valid_from, v.valid_to, $3)"""
"""The scope unit standing today and the answer, in one round trip (every command asks it)."""


async def covers(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, org_unit_id: UUID,
                 entity_id: UUID | None = None) -> bool:
    """Whether what `org_unit_id` owns (or that one entity of it) is carried, now, within the scope."""
    row = await db.fetchrow(_COVERED_TODAY, principal.org_unit_id, principal.org_scope, hierarchy.today(),
                            org_unit_id, entity_id)
    if row is not None and row["ended_on"] is None and (
            principal.org_unit_id is not None or row["path"] == principal.org_scope):
        return bool(row["covered"])
    # Not standing today, ended, or found by a path it no longer has: resolved in full, which refuses
    # what must be refused with its reason and follows an old path to the unit that held it.
    scope = await resolve_scope(db, principal)
    return bool(await db.fetchval("select dvk_within(dvk_carrier($2, $3), $1)",
                                  scope.unit_id, org_unit_id, entity_id))


async def ensure_covers(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, org_unit_id: UUID,
                        entity_id: UUID | None = None) -> None:
    if not await covers(db, principal, org_unit_id, entity_id):
        view = await hierarchy.unit(db, org_unit_id)
        raise ApiError(403, "forbidden_scope", org_path=view.path if view else str(org_unit_id),
                       scope=principal.org_scope)


async def query_root(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, unit_id: UUID | None = None,
                     under: str | None = None, on: date | None = None) -> UUID | None:
    """The unit a list is about — by id, by path, or the caller's own scope — refused outside the scope.

    403 (`forbidden_scope`) for a unit outside it, `scope_unit_ended` for a user of an ended unit;
    None when there is nothing to list: no unit ever stood at that path or id, or the caller's own
    unit is not in this instance's tree yet (a new instance before its root is registered).
    """
    try:
        scope = await resolve_scope(db, principal)
    except ApiError as exc:
        if exc.code == "scope_unit_unknown":
            return None
        raise
    if unit_id is not None:
        if await hierarchy.unit(db, unit_id, on) is None:
            return None
        root = unit_id
    elif under is not None:
        view = await hierarchy.unit_by_path(db, under, on)
        if view is None:
            return None
        root = view.id
    else:
        return scope.unit_id
    if not await covers(db, principal, root):
        view = await hierarchy.unit(db, root)
        raise ApiError(403, "forbidden_scope", org_path=view.path if view else str(root), scope=scope.path)
    return root


async def unit_in_scope(db: asyncpg.Connection | asyncpg.Pool, principal: Principal, org_path: str,
                        field: str = "org_path") -> OrgUnitView:
    """The unit standing at `org_path` today, for a command that names one: 422 on `field` if none
    stands there, 403 if it is outside the caller's scope."""
    view = await hierarchy.unit_by_path(db, org_path)
    if view is None or view.ended:
        raise invalid_field(field, "org_unit_unknown", org_path=org_path)
    await ensure_covers(db, principal, view.id)
    return view
