"""PROVISIONAL stand-in for the shared hierarchy read model (replaced by its own implementation at
merge): the interface every service codes against, answered from versions with validity intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from shared.contracts import (
    IntegrationEvent,
    OrgUnitDissolved,
    OrgUnitMoved,
    OrgUnitRegistered,
    OrgUnitRenamed,
    OrgUnitsMerged,
    OrgUnitSplit,
)
from shared.i18n import VN_TZ

HIERARCHY_MIGRATIONS = Path(__file__).parent / "migrations"


class HierarchyOutOfOrder(Exception):
    """An event names a unit not known yet: retry later."""


@dataclass(frozen=True)
class OrgUnitView:
    id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None
    path: str
    valid_from: date
    valid_to: date | None
    successor_id: UUID | None


def _today() -> date:
    return datetime.now(VN_TZ).date()


async def _change(conn: asyncpg.Connection, unit_id: UUID, on: date, **changes: Any) -> None:
    row = await conn.fetchrow("select * from hierarchy_versions where unit_id = $1 and valid_to is null", unit_id)
    if row is None:
        raise HierarchyOutOfOrder(str(unit_id))
    new = {**dict(row), **changes, "valid_from": on, "valid_to": None}
    if row["valid_from"] == on:
        await conn.execute("delete from hierarchy_versions where unit_id = $1 and valid_from = $2", unit_id, on)
    else:
        await conn.execute("update hierarchy_versions set valid_to = $2 where unit_id = $1 and valid_to is null",
                           unit_id, on)
    await _insert(conn, new)


async def _insert(conn: asyncpg.Connection, v: dict[str, Any]) -> None:
    await conn.execute(
        """insert into hierarchy_versions (unit_id, code, name, kind, parent_id, valid_from, valid_to)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing""",
        v["unit_id"], v["code"], v["name"], v["kind"], v["parent_id"], v["valid_from"], v["valid_to"])


async def _end(conn: asyncpg.Connection, unit_id: UUID, successor_id: UUID | None, on: date) -> None:
    await conn.execute("update hierarchy_versions set valid_to = $2 where unit_id = $1 and valid_to is null",
                       unit_id, on)
    await conn.execute("insert into hierarchy_successions values ($1, $2, $3) on conflict do nothing",
                       unit_id, successor_id, on)


async def apply(conn: asyncpg.Connection, event: IntegrationEvent) -> bool:
    if isinstance(event, OrgUnitRegistered):
        on = event.effective_on or event.registered_at.astimezone(VN_TZ).date()
        await _insert(conn, {"unit_id": event.org_unit_id, "code": event.code, "name": event.name,
                             "kind": event.kind, "parent_id": event.parent_id, "valid_from": on, "valid_to": None})
    elif isinstance(event, OrgUnitRenamed):
        await _change(conn, event.org_unit_id, event.effective_on, name=event.name)
    elif isinstance(event, OrgUnitMoved):
        await _change(conn, event.org_unit_id, event.effective_on, parent_id=event.parent_id)
    elif isinstance(event, OrgUnitsMerged):
        for merged in event.merged_ids:
            await _end(conn, merged, event.successor_id, event.effective_on)
        children = await conn.fetch(
            "select unit_id from hierarchy_versions where parent_id = any($1::uuid[]) and valid_to is null",
            event.merged_ids)
        for child in children:
            await _change(conn, child["unit_id"], event.effective_on, parent_id=event.successor_id)
    elif isinstance(event, OrgUnitSplit):
        await _end(conn, event.org_unit_id, event.default_successor_id, event.effective_on)
        for share in event.shares:
            for entity in share.entity_ids:
                await conn.execute("insert into hierarchy_assignments values ($1, $2, $3) on conflict do nothing",
                                   event.org_unit_id, entity, share.org_unit_id)
    elif isinstance(event, OrgUnitDissolved):
        await _end(conn, event.org_unit_id, event.successor_id, event.effective_on)
    else:
        return False
    return True


async def _version(conn: asyncpg.Connection, unit_id: UUID, on: date | None) -> asyncpg.Record | None:
    day = on or _today()
    row = await conn.fetchrow(
        """select * from hierarchy_versions where unit_id = $1 and valid_from <= $2
           and (valid_to is null or valid_to > $2)""", unit_id, day)
    if row is None and on is None:
        row = await conn.fetchrow(
            "select * from hierarchy_versions where unit_id = $1 order by valid_from desc limit 1", unit_id)
    return row


async def unit(conn: asyncpg.Connection, org_unit_id: UUID, on: date | None = None) -> OrgUnitView | None:
    row = await _version(conn, org_unit_id, on)
    if row is None:
        return None
    valid_to = await conn.fetchval("select max(coalesce(valid_to, 'infinity'::date)) from hierarchy_versions "
                                   "where unit_id = $1", org_unit_id)
    valid_to = None if valid_to is None or valid_to == date.max or str(valid_to) == "infinity" else valid_to
    day = on or _today()
    if valid_to is not None and valid_to <= day:
        day = valid_to - timedelta(days=1)
    codes = [row["code"]]
    parent = row["parent_id"]
    while parent is not None:
        p = await _version(conn, parent, day) or await _version(conn, parent, None)
        if p is None:
            break
        codes.append(p["code"])
        parent = p["parent_id"]
    successor = await conn.fetchval("select successor_id from hierarchy_successions where unit_id = $1", org_unit_id)
    valid_from = await conn.fetchval("select min(valid_from) from hierarchy_versions where unit_id = $1", org_unit_id)
    return OrgUnitView(id=org_unit_id, code=row["code"], name=row["name"], kind=row["kind"],
                       parent_id=row["parent_id"], path=".".join(reversed(codes)), valid_from=valid_from,
                       valid_to=valid_to, successor_id=successor)


async def unit_by_path(conn: asyncpg.Connection, path: str, on: date | None = None) -> OrgUnitView | None:
    parent: UUID | None = None
    for code in path.split("."):
        found = await conn.fetchval(
            """select unit_id from hierarchy_versions where code = $1 and parent_id is not distinct from $2
               and ($3::date is null or (valid_from <= $3 and (valid_to is null or valid_to > $3)))
               order by (valid_to is null) desc, valid_to desc limit 1""", code, parent, on)
        if found is None:
            return None
        parent = found
    return await unit(conn, parent, on) if parent is not None else None


async def subtree_ids(conn: asyncpg.Connection, root_id: UUID, on: date | None = None) -> list[UUID]:
    return [r[0] for r in await conn.fetch("select dvk_subtree($1, $2::date)", root_id, on)]


async def ancestors(conn: asyncpg.Connection, org_unit_id: UUID, on: date | None = None) -> list[OrgUnitView]:
    chain: list[OrgUnitView] = []
    current = await unit(conn, org_unit_id, on)
    while current is not None and current.parent_id is not None:
        current = await unit(conn, current.parent_id, on)
        if current is not None:
            chain.insert(0, current)
    return chain


async def carrier(conn: asyncpg.Connection, org_unit_id: UUID, entity_id: UUID | None = None) -> UUID:
    found: UUID = await conn.fetchval("select dvk_carrier($1, $2)", org_unit_id, entity_id)
    return found
