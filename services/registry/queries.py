"""The registry's read side: org units now or as on a date, a unit's history, models by subtree.

Subtrees come from the shared hierarchy (`dvk_subtree`, `dvk_carrier`): a merged unit's models are
listed under its successor, a split unit's under the successor each was assigned to, and a list
"as on date D" uses the tree of D. No path is ever compared with LIKE.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, field_validator

from services.registry.calendar import vn_day
from services.registry.models import Person
from services.registry.org_units import (
    OrgUnitAbsorbed,
    OrgUnitClosed,
    OrgUnitCreated,
    OrgUnitDivided,
    OrgUnitMergedInto,
    OrgUnitNameChanged,
    OrgUnitParentChanged,
)
from shared import hierarchy
from shared.domain.events import DomainEvent
from shared.hierarchy import OrgUnitView
from shared.http.pages import Page, Paging, fetch_page


class OrgUnitOut(BaseModel):
    id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None
    path: str
    valid_from: date
    valid_to: date | None
    ended_on: date | None
    successor_id: UUID | None

    @classmethod
    def of(cls, view: OrgUnitView) -> OrgUnitOut:
        return cls(id=view.id, code=view.code, name=view.name, kind=view.kind, parent_id=view.parent_id,
                   path=view.path, valid_from=view.valid_from, valid_to=view.valid_to, ended_on=view.ended_on,
                   successor_id=view.successor_id)


class OrgUnitNode(OrgUnitOut):
    children: list[OrgUnitNode] = []


Change = Literal["registered", "renamed", "moved", "absorbed", "merged", "split", "dissolved"]


class HistoryEntry(BaseModel):
    """One change of a unit and how the unit stood after it."""

    change: Change
    effective_on: date
    recorded_at: datetime
    name: str
    parent_id: UUID | None
    path: str
    successor_id: UUID | None = None
    merged_ids: list[UUID] = []


class OrgUnitDetail(OrgUnitOut):
    history: list[HistoryEntry]


class ModelOut(BaseModel):
    id: UUID
    title: str
    description: str | None
    owner_org_unit_id: UUID
    owner_org_path: str
    owner_org_name: str
    carrier_org_unit_id: UUID
    recipient_kind: str
    field: str
    sub_field: str | None = None
    year: int
    person: Person | None = None
    status: str
    registered_at: datetime
    registered_by: str
    version: int
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None
    replicates_model_id: UUID | None = None

    @field_validator("person", mode="before")
    @classmethod
    def _from_jsonb(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class ModelHistoryEntry(BaseModel):
    """One step of a model's life, as it was recorded: what, when, by whom."""

    version: int
    what: Literal["registered", "amended", "withdrawn", "replicates"]
    label: dict[str, str]
    at: datetime
    actor: str
    changes: dict[str, Any] | None = None
    reason: str | None = None
    source_model_id: UUID | None = None


_WHAT = {"ModelRecorded": ("registered", "Đăng ký", "Registered"), "ModelChanged": ("amended", "Sửa đổi", "Amended"),
         "ModelWithdrawalRecorded": ("withdrawn", "Rút khỏi phong trào", "Withdrawn"),
         "ReplicationRecorded": ("replicates", "Nhân rộng từ mô hình khác", "Replicates another model")}


async def model_history(conn: asyncpg.Connection, stream_id: str) -> list[ModelHistoryEntry]:
    """Straight from the event log: the record itself, not a summary of it."""
    entries = []
    for row in await conn.fetch("select version, event_type, payload, metadata->>'actor' as actor, recorded_at "
                                "from events where stream_id = $1 order by version", stream_id):
        what, vi, en = _WHAT[row["event_type"]]
        payload = json.loads(row["payload"])
        entries.append(ModelHistoryEntry(version=row["version"], what=what, label={"vi": vi, "en": en},
                                         at=row["recorded_at"], actor=row["actor"], changes=payload.get("changes"),
                                         reason=payload.get("reason"), source_model_id=payload.get("source_model_id")))
    return entries


def standing(view: OrgUnitView, today: date) -> bool:
    return view.ended_on is None or view.ended_on > today


async def units_under(conn: asyncpg.Connection, root: UUID, on: date | None, today: date,
                      include_ended: bool, q: str | None = None) -> list[OrgUnitOut]:
    """The subtree's units ordered by path; `q`: those whose name holds every word, with or without
    diacritics ("bao ha" finds "Xã Bảo Hà")."""
    views = [v for v in await hierarchy.units(conn, await hierarchy.subtree_ids(conn, root, on), on)
             if on is not None or include_ended or standing(v, today)]
    if q:
        matching = await conn.fetch(
            """select n from unnest($1::text[]) with ordinality as t(name, n)
               where dvk_fold(name) like all (select '%' || dvk_fold(w) || '%' from unnest($2::text[]) w)""",
            [v.name for v in views], search_words(q))
        views = [views[r["n"] - 1] for r in matching]
    return sorted((OrgUnitOut.of(v) for v in views), key=lambda u: (u.path, u.valid_from))


def as_tree(units: list[OrgUnitOut]) -> list[OrgUnitNode]:
    nodes = {u.id: OrgUnitNode(**u.model_dump()) for u in units}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        if parent is not None and parent.id != node.id:
            parent.children.append(node)
        else:
            roots.append(node)
    return roots


def history(events: list[DomainEvent]) -> list[HistoryEntry]:
    """The unit's own changes, each with the name, parent and path it had after the change."""
    entries: list[HistoryEntry] = []
    for e in events:
        if isinstance(e, OrgUnitCreated):
            entries.append(HistoryEntry(change="registered", effective_on=e.effective_on or vn_day(e.at),
                                        recorded_at=e.at, name=e.name, parent_id=e.parent_id, path=e.path))
            continue
        if not entries or not isinstance(e, _CHANGES):
            continue
        change: dict[str, Any] = {"effective_on": e.effective_on, "recorded_at": e.at, "path": e.path,
                                  "successor_id": None, "merged_ids": []}
        if isinstance(e, OrgUnitNameChanged):
            change |= {"change": "renamed", "name": e.name}
        elif isinstance(e, OrgUnitParentChanged):
            change |= {"change": "moved", "parent_id": e.parent_id}
        elif isinstance(e, OrgUnitAbsorbed):
            change |= {"change": "absorbed", "merged_ids": e.merged_ids}
        elif isinstance(e, OrgUnitMergedInto):
            change |= {"change": "merged", "successor_id": e.successor_id}
        elif isinstance(e, OrgUnitDivided):
            change |= {"change": "split", "successor_id": e.default_successor_id}
        else:
            change |= {"change": "dissolved", "successor_id": e.successor_id}
        entries.append(entries[-1].model_copy(update=change))
    return entries


_CHANGES = (OrgUnitNameChanged, OrgUnitParentChanged, OrgUnitAbsorbed, OrgUnitMergedInto, OrgUnitDivided,
            OrgUnitClosed)


_MODELS = """
    select m.*, dvk_carrier(m.owner_org_unit_id, m.id) as carrier_org_unit_id from models m
     where (case when $2::date is null then dvk_carrier(m.owner_org_unit_id, m.id) else m.owner_org_unit_id end)
           in (select dvk_subtree($1, $2::date))
       and ($3::int is null or m.year = $3)
       and dvk_fold(m.title || ' ' || coalesce(m.description, '')) like all (
           select '%' || dvk_fold(w) || '%' from unnest($4::text[]) w)"""


def search_words(q: str | None) -> list[str]:
    """The words of a search, each a LIKE pattern's middle: `%`, `_` and `\\` stand for themselves."""
    words = (q or "").split()
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words]


async def models_under(conn: asyncpg.Connection, root: UUID, on: date | None, year: int | None,
                       paging: Paging, q: str | None = None) -> Page[ModelOut]:
    """Now: the models each unit of the subtree carries (its own and its predecessors'); on D: the
    models whose owner stood in the subtree as it was on D. `q`: every word in the title or the
    description, with or without diacritics."""
    return await fetch_page(conn, _MODELS, root, on, year, search_words(q), order_by="registered_at, id",
                            paging=paging, item=lambda row: ModelOut(**row))


async def model(conn: asyncpg.Connection, model_id: UUID) -> ModelOut | None:
    row = await conn.fetchrow(
        "select m.*, dvk_carrier(m.owner_org_unit_id, m.id) as carrier_org_unit_id from models m where m.id = $1",
        model_id)
    return ModelOut(**dict(row)) if row is not None else None
