"""The registry's read models: written in the command's transaction, read by the query routes.

`models` is the projection `registry.models`, fed the events `Transaction.save` appends; the
org units are still written by their handler (the shared hierarchy read model replaces them).
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.registry.domain import EVENT_TYPES, ModelRecorded, OrgUnitCreated
from shared.projections import Projection
from shared.store.event_store import StoredEvent


async def add_org_unit(conn: asyncpg.Connection, e: OrgUnitCreated, version: int) -> None:
    await conn.execute(
        """insert into org_units (id, code, name, kind, parent_id, path, created_at, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8)""",
        e.org_unit_id, e.code, e.name, e.kind, e.parent_id, e.path, e.at, version)


async def add_model(conn: asyncpg.Connection, e: ModelRecorded, actor: str, version: int) -> None:
    await conn.execute(
        """insert into models (id, title, description, owner_org_unit_id, owner_org_path, owner_org_name,
                               recipient_kind, field, year, status, registered_at, registered_by, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'registered', $10, $11, $12)
           on conflict (id) do nothing""",
        e.model_id, e.title, e.description, e.owner_org_unit_id, e.owner_org_path, e.owner_org_name,
        e.recipient_kind, e.field.value, e.year, e.at, actor, version)


class ModelsProjection(Projection):
    """The registered models, one row per model stream."""

    name = "registry.models"
    tables = ("models",)
    handles = frozenset({ModelRecorded.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        recorded = EVENT_TYPES.load(event.event_type, event.payload)
        assert isinstance(recorded, ModelRecorded)
        await add_model(conn, recorded, str(event.metadata["actor"]), event.version)


PROJECTIONS: list[Projection] = [ModelsProjection()]


async def org_unit_path(conn: asyncpg.Connection | asyncpg.Pool, org_unit_id: UUID) -> str | None:
    path: str | None = await conn.fetchval("select path from org_units where id = $1", org_unit_id)
    return path


async def path_taken(conn: asyncpg.Connection, path: str) -> bool:
    return bool(await conn.fetchval("select exists(select 1 from org_units where path = $1)", path))
