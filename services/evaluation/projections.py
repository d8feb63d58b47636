"""The evaluation service's read models: written in the transaction of the command or of the
delivered event they come from; read by the handlers' lookups here and by the query routes through
`queries.py`."""

from __future__ import annotations

import json
from typing import TypeAlias
from uuid import UUID

import asyncpg

from services.evaluation.domain import EVENT_TYPES, CriteriaSetDefined, InspectionRecorded, KnownModel
from shared.contracts import ModelRegistered
from shared.projections import Projection
from shared.store.event_store import StoredEvent

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


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
                                      defined_at, defined_by, version, org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13)
           on conflict (id) do nothing""",
        e.criteria_set_id, e.code, e.name, e.org_path, e.year, e.valid_from, e.pass_score,
        sum(c.max_score for c in e.criteria), json.dumps([c.model_dump() for c in e.criteria], ensure_ascii=False),
        e.at, actor, version, e.org_unit_id)


async def add_inspection(conn: asyncpg.Connection, e: InspectionRecorded, actor: str, version: int) -> None:
    await conn.execute(
        """insert into inspections (id, model_id, model_title, owner_org_path, criteria_set_id, criteria_set_name,
                                    scores, total_score, pass_score, passed, inspected_on, notes, recorded_at,
                                    recorded_by, version, owner_org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           on conflict (id) do nothing""",
        e.inspection_id, e.model_id, e.model_title, e.owner_org_path, e.criteria_set_id, e.criteria_set_name,
        json.dumps([s.model_dump() for s in e.scores]), e.total_score, e.pass_score, e.passed, e.inspected_on,
        e.notes, e.at, actor, version, e.owner_org_unit_id)


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
                      owner_org_name=row["owner_org_name"], recipient_kind=row["recipient_kind"], year=row["year"],
                      owner_org_unit_id=row["owner_org_unit_id"])


async def criteria_set_code_taken(conn: Db, org_unit_id: UUID, code: str) -> bool:
    """Whether the unit already issued a set with this code — by its id, whatever path it had then."""
    return bool(await conn.fetchval(
        "select exists(select 1 from criteria_sets where code = $2 and dvk_unit_of(org_unit_id, org_path) = $1)",
        org_unit_id, code))

