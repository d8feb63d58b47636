"""The evaluation service's read models: written in the transaction of the command or of the
delivered event they come from, read by the query routes and by the handlers' lookups.

Visibility follows the direction facts flow in the hierarchy: a criteria set is seen by the units
below its issuer (it applies to them) and by the issuer's ancestors; a model and its inspections
are seen within the subtree of a scope that covers the model's owner.
"""

from __future__ import annotations

import json
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

from services.evaluation.domain import EVENT_TYPES, CriteriaSetDefined, InspectionRecorded, KnownModel
from shared.contracts import ModelRegistered
from shared.projections import Projection
from shared.store.event_store import StoredEvent

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool
LATEST_FIRST = "inspected_on desc, recorded_at desc, id desc"
"""The order in which "the latest inspection counts" is decided, here and in every query."""


# --- writes ---------------------------------------------------------------------------------------

async def add_known_model(conn: asyncpg.Connection, e: ModelRegistered, source: StoredEvent) -> bool:
    """Remember a registered model; a second copy of the same fact changes nothing."""
    added = await conn.fetchval(
        """insert into known_models (model_id, title, owner_org_unit_id, owner_org_path, owner_org_name,
                                     recipient_kind, field, year, registered_at, source_event_id, synced_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           on conflict do nothing returning true""",
        e.model_id, e.title, e.owner_org_unit_id, e.org_path, e.owner_org_name, e.recipient_kind, e.field,
        e.year, e.registered_at, source.event_id, source.recorded_at)
    return bool(added)


async def add_criteria_set(conn: asyncpg.Connection, e: CriteriaSetDefined, actor: str, version: int) -> None:
    await conn.execute(
        """insert into criteria_sets (id, code, name, org_path, year, valid_from, pass_score, max_total, criteria,
                                      defined_at, defined_by, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12)
           on conflict (id) do nothing""",
        e.criteria_set_id, e.code, e.name, e.org_path, e.year, e.valid_from, e.pass_score,
        sum(c.max_score for c in e.criteria), json.dumps([c.model_dump() for c in e.criteria], ensure_ascii=False),
        e.at, actor, version)


async def add_inspection(conn: asyncpg.Connection, e: InspectionRecorded, actor: str, version: int) -> None:
    await conn.execute(
        """insert into inspections (id, model_id, model_title, owner_org_path, criteria_set_id, criteria_set_name,
                                    scores, total_score, pass_score, passed, inspected_on, notes, recorded_at,
                                    recorded_by, version)
           values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15)
           on conflict (id) do nothing""",
        e.inspection_id, e.model_id, e.model_title, e.owner_org_path, e.criteria_set_id, e.criteria_set_name,
        json.dumps([s.model_dump() for s in e.scores]), e.total_score, e.pass_score, e.passed, e.inspected_on,
        e.notes, e.at, actor, version)


class CriteriaSetsProjection(Projection):
    name = "evaluation.criteria_sets"
    tables = ("criteria_sets",)
    handles = frozenset({CriteriaSetDefined.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        defined = EVENT_TYPES.load(event.event_type, event.payload)
        assert isinstance(defined, CriteriaSetDefined)
        await add_criteria_set(conn, defined, str(event.metadata["actor"]), event.version)


class InspectionsProjection(Projection):
    name = "evaluation.inspections"
    tables = ("inspections",)
    handles = frozenset({InspectionRecorded.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        recorded = EVENT_TYPES.load(event.event_type, event.payload)
        assert isinstance(recorded, InspectionRecorded)
        await add_inspection(conn, recorded, str(event.metadata["actor"]), event.version)


class KnownModelsProjection(Projection):
    """The registry's models as this service heard of them (recorded `ModelRegistered` events)."""

    name = "evaluation.known_models"
    tables = ("known_models",)
    handles = frozenset({ModelRegistered.ce_type()})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        await add_known_model(conn, ModelRegistered.model_validate(event.payload), event)


PROJECTIONS: list[Projection] = [CriteriaSetsProjection(), InspectionsProjection(), KnownModelsProjection()]


# --- lookups for handlers -------------------------------------------------------------------------

async def known_model(conn: Db, model_id: UUID) -> KnownModel | None:
    row = await conn.fetchrow("select * from known_models where model_id = $1", model_id)
    if row is None:
        return None
    return KnownModel(model_id=row["model_id"], title=row["title"], owner_org_path=row["owner_org_path"],
                      owner_org_name=row["owner_org_name"], recipient_kind=row["recipient_kind"], year=row["year"])


async def criteria_set_code_taken(conn: Db, org_path: str, code: str) -> bool:
    return bool(await conn.fetchval(
        "select exists(select 1 from criteria_sets where org_path = $1 and code = $2)", org_path, code))


# --- queries --------------------------------------------------------------------------------------

def _plain(row: asyncpg.Record, *json_columns: str) -> dict[str, Any]:
    out = dict(row)
    for column in json_columns:
        if isinstance(out.get(column), str):
            out[column] = json.loads(out[column])
    return out


_SUBTREE = "({col} = $1 or {col} like $1 || '.%')"
_VISIBLE_SET = "(org_path = $1 or org_path like $1 || '.%' or $1 like org_path || '.%')"
"""A criteria set issued at, below, or above (it then applies here) the given path."""


async def list_criteria_sets(db: Db, scope: str, year: int | None) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"""select * from criteria_sets where {_VISIBLE_SET}
            and ($2::int is null or year = $2 or (year is null and extract(year from valid_from) <= $2))
            order by org_path, defined_at""", scope, year)
    return [_plain(r, "criteria") for r in rows]


async def get_criteria_set(db: Db, scope: str, criteria_set_id: UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(f"select * from criteria_sets where id = $2 and {_VISIBLE_SET}", scope, criteria_set_id)
    return None if row is None else _plain(row, "criteria")


_WITH_LATEST = f"""
    select m.*, to_jsonb(li) as latest_inspection
    from known_models m
    left join lateral (
        select i.id, i.criteria_set_id, i.criteria_set_name, i.passed, i.total_score, i.pass_score, i.inspected_on
        from inspections i where i.model_id = m.model_id order by {LATEST_FIRST} limit 1) li on true"""


async def list_known_models(db: Db, root: str, year: int | None) -> list[dict[str, Any]]:
    rows = await db.fetch(
        f"""{_WITH_LATEST} where {_SUBTREE.format(col="m.owner_org_path")}
            and ($2::int is null or m.year = $2) order by m.registered_at""", root, year)
    return [_plain(r, "latest_inspection") for r in rows]


async def get_known_model(db: Db, model_id: UUID) -> dict[str, Any] | None:
    row = await db.fetchrow(f"{_WITH_LATEST} where m.model_id = $1", model_id)
    return None if row is None else _plain(row, "latest_inspection")


async def get_inspection(db: Db, inspection_id: UUID) -> dict[str, Any] | None:
    row = await db.fetchrow("select * from inspections where id = $1", inspection_id)
    return None if row is None else _plain(row, "scores")


async def list_inspections(db: Db, root: str, model_id: UUID | None, passed: bool | None) -> list[dict[str, Any]]:
    """Newest first: for one model, the first row is the inspection that counts."""
    rows = await db.fetch(
        f"""select * from inspections where {_SUBTREE.format(col="owner_org_path")}
            and ($2::uuid is null or model_id = $2) and ($3::boolean is null or passed = $3)
            order by {LATEST_FIRST}""", root, model_id, passed)
    return [_plain(r, "scores") for r in rows]
