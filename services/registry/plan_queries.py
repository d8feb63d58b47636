"""Reading plans, and a plan's deadline board: per deadline, who submitted in time, who late, who is
missing and whose deadline has not come yet — for any subtree, at any time.

Who owes what: the plan's distribution list (nơi nhận), or, when it names none, the units standing
directly under the issuer today. Whether a submission was late was decided when it was submitted
(services/registry/plans.py); the board only compares today with each deadline for the rest.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from services.registry.plans import Deadline, Target, Task
from shared import hierarchy
from shared.http.pages import Page, Paging, fetch_page

Status = Literal["on_time", "late", "missing", "not_yet_due"]
"""Nộp đúng hạn, nộp muộn, chưa nộp (quá hạn), chưa đến hạn."""


class PlanOut(BaseModel):
    id: UUID
    org_unit_id: UUID
    org_path: str
    org_name: str
    number: str | None
    title: str
    period_from: int
    period_to: int
    issued_on: date
    parent_plan_id: UUID | None
    basis: list[str]
    purposes: list[str]
    targets: list[Target]
    tasks: list[Task]
    deadlines: list[Deadline]
    recipient_ids: list[UUID]
    recorded_at: datetime
    recorded_by: str
    version: int


def _plan(row: dict[str, Any]) -> PlanOut:
    document = row.pop("document")
    return PlanOut(**row, **(json.loads(document) if isinstance(document, str) else document))


async def plan(conn: asyncpg.Connection, plan_id: UUID) -> PlanOut | None:
    row = await conn.fetchrow("select * from plans where id = $1", plan_id)
    return _plan(dict(row)) if row is not None else None


_PLANS = """
    select * from plans
     where (org_unit_id in (select dvk_subtree($1, null)) or org_unit_id = any($2::uuid[]))
       and ($3::int is null or $3 between period_from and period_to)"""


async def plans_for(conn: asyncpg.Connection, root: UUID, scope_unit: UUID, year: int | None,
                    paging: Paging) -> Page[PlanOut]:
    """Plans issued within `root`'s subtree, and those of the units above the caller's (which the
    caller's unit answers to); `year`: those whose period covers it. Newest first."""
    above = [a.id for a in await hierarchy.ancestors(conn, scope_unit)]
    return await fetch_page(conn, _PLANS, root, above, year, order_by="issued_on desc, id", paging=paging,
                            item=_plan)


class BoardRow(BaseModel):
    org_unit_id: UUID
    org_path: str
    org_name: str
    status: Status
    submitted_on: date | None
    item_id: UUID | None


class BoardDeadline(BaseModel):
    code: str
    kind: Literal["plan", "report"]
    due_on: date
    label: str | None
    counts: dict[Status, int]
    units: list[BoardRow]


class Board(BaseModel):
    plan_id: UUID
    today: date
    deadlines: list[BoardDeadline]


async def board(conn: asyncpg.Connection, found: PlanOut, within: UUID, today: date) -> Board:
    """The board of `found`, for the units owing it that lie within `within` (the caller's scope, or
    a subtree asked for)."""
    owing = found.recipient_ids or [c.id for c in await hierarchy.children(conn, found.org_unit_id)]
    inside = {r["id"] for r in await conn.fetch(
        "select id from unnest($1::uuid[]) as t(id) where dvk_within(id, $2)", owing, within)}
    views = [v for v in await hierarchy.units(conn, owing) if v.id in inside]
    submitted: dict[tuple[str, UUID], asyncpg.Record] = {}
    for row in await conn.fetch(
            """select distinct on (deadline_code, org_unit_id) * from plan_submissions where plan_id = $1
               order by deadline_code, org_unit_id, submitted_on, recorded_at""", found.id):
        submitted[(row["deadline_code"], row["org_unit_id"])] = row
    deadlines = []
    for deadline in sorted(found.deadlines, key=lambda d: (d.due_on, d.code)):
        rows = []
        for view in sorted(views, key=lambda v: v.path):
            got = submitted.get((deadline.code, view.id))
            status: Status = ("late" if got["late"] else "on_time") if got is not None else (
                "missing" if today > deadline.due_on else "not_yet_due")
            rows.append(BoardRow(org_unit_id=view.id, org_path=view.path, org_name=view.name, status=status,
                                 submitted_on=got["submitted_on"] if got else None,
                                 item_id=got["item_id"] if got else None))
        counts: dict[Status, int] = {"on_time": 0, "late": 0, "missing": 0, "not_yet_due": 0}
        for r in rows:
            counts[r.status] += 1
        deadlines.append(BoardDeadline(code=deadline.code, kind=deadline.kind, due_on=deadline.due_on,
                                       label=deadline.label, counts=counts, units=rows))
    return Board(plan_id=found.id, today=today, deadlines=deadlines)


class ParticipationOut(BaseModel):
    plan_id: UUID
    org_unit_id: UUID
    org_path: str
    org_name: str
    commitment: str | None
    registered_on: date
    recorded_at: datetime


_PARTICIPATIONS = """
    select * from plan_participations p
     where p.plan_id = $1 and dvk_within(p.org_unit_id, $2)
       and ($3::uuid is null or p.org_unit_id in (select org_unit_id from bloc_members where bloc_id = $3))"""


async def participations(conn: asyncpg.Connection, plan_id: UUID, within: UUID, bloc_id: UUID | None,
                         paging: Paging) -> Page[ParticipationOut]:
    """The units that registered in the plan's movement within a subtree, or within an emulation bloc."""
    return await fetch_page(conn, _PARTICIPATIONS, plan_id, within, bloc_id, order_by="org_path, org_unit_id",
                            paging=paging, item=lambda row: ParticipationOut(**row))


class BlocOut(BaseModel):
    id: UUID
    code: str
    name: str
    org_unit_id: UUID
    org_path: str
    formed_at: datetime
    version: int
    member_ids: list[UUID]


_BLOCS = """
    select b.*, array(select m.org_unit_id from bloc_members m where m.bloc_id = b.id order by m.org_unit_id)
               as member_ids
      from emulation_blocs b
     where b.org_unit_id in (select dvk_subtree($1, null)) or b.org_unit_id = any($2::uuid[])"""


async def blocs_for(conn: asyncpg.Connection, root: UUID, scope_unit: UUID, paging: Paging) -> Page[BlocOut]:
    """Blocs organised within a subtree, and by the units above the caller's."""
    above = [a.id for a in await hierarchy.ancestors(conn, scope_unit)]
    return await fetch_page(conn, _BLOCS, root, above, order_by="code, id", paging=paging,
                            item=lambda row: BlocOut(**row))
