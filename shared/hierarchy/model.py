"""The hierarchy read model: applying the registry's org-unit events, and reading the tree back.

Applying is idempotent by content (the same event twice changes nothing), so it needs no event id and
works the same inline in the registry and behind a consumer's inbox. An event about a unit this copy
does not know yet raises `HierarchyOutOfOrder`: a consumer naks it and gets it again after the event
it depends on has been applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias
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
from shared.messaging.ordering import EarlierEventMissing

HIERARCHY_MIGRATIONS = Path(__file__).parent / "migrations"
Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


class HierarchyOutOfOrder(EarlierEventMissing):
    """The event refers to a unit not known here yet; retry it once the earlier event has arrived."""


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
    """The end of this version (exclusive): a later rename or move, or the unit's end."""
    ended_on: date | None
    successor_id: UUID | None
    """Who carries what it carried, once it has ended."""

    @property
    def ended(self) -> bool:
        return self.ended_on is not None


def today() -> date:
    """The calendar day in Vietnam: what "now" means for every current question."""
    return datetime.now(VN_TZ).date()


def _day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


# --- applying events --------------------------------------------------------------------------------

async def apply(conn: asyncpg.Connection, event: IntegrationEvent) -> bool:
    """Apply one of `ORG_UNIT_EVENTS`; returns whether anything changed."""
    if isinstance(event, OrgUnitRegistered):
        return await _register(conn, event)
    if isinstance(event, OrgUnitRenamed):
        return await _change(conn, event.org_unit_id, event.effective_on, name=event.name)
    if isinstance(event, OrgUnitMoved):
        await _require(conn, event.parent_id)
        return await _change(conn, event.org_unit_id, event.effective_on, parent_id=event.parent_id)
    if isinstance(event, OrgUnitsMerged):
        await _require(conn, event.successor_id)
        changed = False
        for merged_id in event.merged_ids:
            changed |= await _end(conn, merged_id, event.effective_on, event.successor_id, "merged")
        return changed
    if isinstance(event, OrgUnitSplit):
        for share in event.shares:
            await _require(conn, share.org_unit_id)
        await _require(conn, event.org_unit_id)
        changed = False
        for share in event.shares:
            for entity_id in share.entity_ids:
                status = await conn.execute(
                    """insert into org_entity_assignments (entity_id, from_unit_id, org_unit_id, effective_on)
                       values ($1, $2, $3, $4) on conflict do nothing""",
                    entity_id, event.org_unit_id, share.org_unit_id, event.effective_on)
                changed |= status.endswith(" 1")
        changed |= await _end(conn, event.org_unit_id, event.effective_on, event.default_successor_id, "split")
        return changed
    if isinstance(event, OrgUnitDissolved):
        if event.successor_id is not None:
            await _require(conn, event.successor_id)
        return await _end(conn, event.org_unit_id, event.effective_on, event.successor_id, "dissolved")
    raise TypeError(f"not an org-unit event: {type(event).__name__}")


async def register_all(conn: asyncpg.Connection, events: list[OrgUnitRegistered]) -> None:
    """`apply` for many new units in one statement, parents before children (an import's units).

    Only for the registry's own transaction, where every parent was written before or stands in
    the same list: a consumer, which can receive a unit before its parent, applies one by one."""
    if not events:
        return
    await conn.execute(
        """insert into org_unit_versions (org_unit_id, valid_from, code, name, kind, parent_id)
           select id, valid_from, code, name, kind, parent_id
           from unnest($1::uuid[], $2::date[], $3::text[], $4::text[], $5::text[], $6::uuid[]) with ordinality
                as t(id, valid_from, code, name, kind, parent_id, n)
           where not exists (select 1 from org_unit_versions v where v.org_unit_id = t.id)
           order by n""",
        [e.org_unit_id for e in events], [e.effective_on or _day(e.registered_at) for e in events],
        [e.code for e in events], [e.name for e in events], [e.kind for e in events],
        [e.parent_id for e in events])


async def _require(conn: asyncpg.Connection, org_unit_id: UUID) -> None:
    if not await conn.fetchval("select exists(select 1 from org_unit_versions where org_unit_id = $1)",
                               org_unit_id):
        raise HierarchyOutOfOrder(f"org unit {org_unit_id} is not known yet")


async def _register(conn: asyncpg.Connection, e: OrgUnitRegistered) -> bool:
    if e.parent_id is not None:
        await _require(conn, e.parent_id)
    status = await conn.execute(
        """insert into org_unit_versions (org_unit_id, valid_from, code, name, kind, parent_id)
           select $1, $2, $3, $4, $5, $6
           where not exists (select 1 from org_unit_versions where org_unit_id = $1)""",
        e.org_unit_id, e.effective_on or _day(e.registered_at), e.code, e.name, e.kind, e.parent_id)
    return str(status).endswith(" 1")


async def _change(conn: asyncpg.Connection, org_unit_id: UUID, day: date, **attrs: Any) -> bool:
    """Change attributes from `day` on: the version standing on that day is cut in two there, and every
    later version takes the new values too (a later change, applied after, overrides again)."""
    await _require(conn, org_unit_id)
    containing = await conn.fetchrow(
        """select * from org_unit_versions
           where org_unit_id = $1 and dvk_valid_on(valid_from, valid_to, $2)""", org_unit_id, day)
    changed = False
    if containing is not None and containing["valid_from"] < day and any(
            containing[k] != v for k, v in attrs.items()):
        await conn.execute(
            "update org_unit_versions set valid_to = $3 where org_unit_id = $1 and valid_from = $2",
            org_unit_id, containing["valid_from"], day)
        values = {**dict(containing), **attrs, "valid_from": day}
        await conn.execute(
            """insert into org_unit_versions (org_unit_id, valid_from, valid_to, code, name, kind, parent_id)
               values ($1, $2, $3, $4, $5, $6, $7)""",
            org_unit_id, day, values["valid_to"], values["code"], values["name"], values["kind"],
            values["parent_id"])
        changed = True
    sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(attrs, start=3))
    differs = " or ".join(f"{k} is distinct from ${i}" for i, k in enumerate(attrs, start=3))
    status = await conn.execute(
        f"update org_unit_versions set {sets} where org_unit_id = $1 and valid_from >= $2 and ({differs})",
        org_unit_id, day, *attrs.values())
    return changed or not str(status).endswith(" 0")


async def _end(conn: asyncpg.Connection, org_unit_id: UUID, day: date, successor_id: UUID | None,
               how: str) -> bool:
    """The unit stands no more from `day`; its children stand under the successor from then on."""
    await _require(conn, org_unit_id)
    status = await conn.execute(
        """insert into org_unit_ends (org_unit_id, ended_on, successor_id, how) values ($1, $2, $3, $4)
           on conflict do nothing""", org_unit_id, day, successor_id, how)
    if not str(status).endswith(" 1"):
        return False
    if successor_id is not None:
        kids = await conn.fetch(
            """select org_unit_id from org_unit_versions
               where parent_id = $1 and dvk_valid_on(valid_from, valid_to, $2)""", org_unit_id, day)
        for kid in kids:
            await _change(conn, kid["org_unit_id"], day, parent_id=successor_id)
    await conn.execute(
        """update org_unit_versions set valid_to = $2
           where org_unit_id = $1 and valid_from < $2 and (valid_to is null or valid_to > $2)""",
        org_unit_id, day)
    await conn.execute(
        """delete from org_unit_versions where org_unit_id = $1 and valid_from >= $2
           and exists (select 1 from org_unit_versions where org_unit_id = $1 and valid_from < $2)""",
        org_unit_id, day)
    return True


# --- reading ----------------------------------------------------------------------------------------

_VIEW = """select v.org_unit_id, v.code, v.name, v.kind, v.parent_id, v.valid_from, v.valid_to,
                  dvk_unit_path(v.org_unit_id, {day}) as path, e.ended_on, e.successor_id
           from org_unit_versions v left join org_unit_ends e using (org_unit_id)"""


def _view(row: asyncpg.Record) -> OrgUnitView:
    return OrgUnitView(id=row["org_unit_id"], code=row["code"], name=row["name"], kind=row["kind"],
                       parent_id=row["parent_id"], path=row["path"], valid_from=row["valid_from"],
                       valid_to=row["valid_to"], ended_on=row["ended_on"], successor_id=row["successor_id"])


async def unit(db: Db, org_unit_id: UUID, on: date | None = None) -> OrgUnitView | None:
    """The unit as it stood on `on` (default today). Asked about today, a unit that has ended is
    answered with its last version (`ended_on` and `successor_id` set); on a day it did not stand, None."""
    row = await db.fetchrow(
        _VIEW.format(day="$2") + " where v.org_unit_id = $1 and dvk_valid_on(v.valid_from, v.valid_to, $2)",
        org_unit_id, on or today())
    if row is None and on is None:
        row = await db.fetchrow(
            _VIEW.format(day="v.valid_to - 1")
            + " where v.org_unit_id = $1 and v.valid_to is not null order by v.valid_from desc limit 1",
            org_unit_id)
    return None if row is None else _view(row)


async def units(db: Db, org_unit_ids: list[UUID], on: date | None = None) -> list[OrgUnitView]:
    """`unit` for many units in one query (a province's thousands of communes), in the order asked;
    a unit that did not stand that day is left out."""
    rows = await db.fetch(
        _VIEW.format(day="$2")
        + " where v.org_unit_id = any($1::uuid[]) and dvk_valid_on(v.valid_from, v.valid_to, $2)",
        org_unit_ids, on or today())
    found = {r["org_unit_id"]: _view(r) for r in rows}
    views = []
    for org_unit_id in org_unit_ids:
        view = found.get(org_unit_id)
        if view is None and on is None:
            view = await unit(db, org_unit_id)  # ended: its last version (rare, and one query each)
        if view is not None:
            views.append(view)
    return views


async def unit_of(db: Db, unit_id: UUID | None, path: str) -> UUID | None:
    """The unit a stored row names: its id, or — for a row stored before units had ids — the unit that
    stood at its path (`dvk_unit_of`)."""
    found: UUID | None = await db.fetchval("select dvk_unit_of($1, $2)", unit_id, path)
    return found


async def carried_within(db: Db, unit_id: UUID | None, path: str, entity_id: UUID | None,
                         area_unit_id: UUID | None, area_path: str) -> bool:
    """Whether what a unit owns (that one entity of it) is carried, now, within the subtree of the unit
    an area names — after a merge, a merged commune's models lie within its successor's area."""
    return bool(await db.fetchval(
        """select dvk_within(dvk_carrier(dvk_unit_of($1, $2), $3), dvk_carrier(dvk_unit_of($4, $5)))""",
        unit_id, path, entity_id, area_unit_id, area_path))


async def unit_by_path(db: Db, path: str, on: date | None = None) -> OrgUnitView | None:
    """The unit standing at `path` on `on`; asked about today, if none stands there now, the unit that
    held that path most recently (so a token naming a moved commune's old path still finds it)."""
    last = path.rsplit(".", 1)[-1]
    found = await db.fetchval(
        """select v.org_unit_id from org_unit_versions v
           where v.code = $1 and dvk_valid_on(v.valid_from, v.valid_to, $3)
             and dvk_unit_path(v.org_unit_id, $3) = $2 limit 1""", last, path, on or today())
    if found is None and on is None:
        found = await db.fetchval(
            """select v.org_unit_id from org_unit_versions v
               where v.code = $1 and v.valid_to is not null and dvk_unit_path(v.org_unit_id, v.valid_to - 1) = $2
               order by v.valid_to desc limit 1""", last, path)
    return None if found is None else await unit(db, found, on)


async def subtree_ids(db: Db, root_id: UUID, on: date | None = None) -> list[UUID]:
    """Now: the units under root today and the ended units they carry; on a day: the tree of that day."""
    rows = await db.fetch("select dvk_subtree($1, $2) as id", root_id, on)
    return [r["id"] for r in rows]


async def children(db: Db, org_unit_id: UUID, on: date | None = None) -> list[OrgUnitView]:
    rows = await db.fetch(
        _VIEW.format(day="$2") + " where v.parent_id = $1 and dvk_valid_on(v.valid_from, v.valid_to, $2)"
        " order by v.code", org_unit_id, on or today())
    return [_view(r) for r in rows]


async def ancestors(db: Db, org_unit_id: UUID, on: date | None = None) -> list[OrgUnitView]:
    """Root first, the unit itself last. Asked about today for a unit that has ended: its ancestors on
    its last day. Empty for a unit that did not stand on that day."""
    current = await unit(db, org_unit_id, on)
    if current is not None and on is None and current.ended and current.valid_to is not None:
        on = current.valid_to - timedelta(days=1)
    chain: list[OrgUnitView] = []
    while current is not None and len(chain) < 64:
        chain.append(current)
        if current.parent_id is None:
            break
        current = await unit(db, current.parent_id, on)
    return list(reversed(chain))


async def carrier(db: Db, org_unit_id: UUID, entity_id: UUID | None = None) -> UUID:
    found: UUID = await db.fetchval("select dvk_carrier($1, $2)", org_unit_id, entity_id)
    return found

