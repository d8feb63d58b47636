"""The registry's read models: written in the command's transaction, read by the query routes."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.registry.domain import ModelRecorded, OrgUnitCreated


async def add_org_unit(conn: asyncpg.Connection, e: OrgUnitCreated, version: int) -> None:
    await conn.execute(
        """insert into org_units (id, code, name, kind, parent_id, path, created_at, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8)""",
        e.org_unit_id, e.code, e.name, e.kind, e.parent_id, e.path, e.at, version)


async def add_model(conn: asyncpg.Connection, e: ModelRecorded, actor: str, version: int) -> None:
    await conn.execute(
        """insert into models (id, title, description, owner_org_unit_id, owner_org_path, owner_org_name,
                               recipient_kind, field, year, status, registered_at, registered_by, version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'registered', $10, $11, $12)""",
        e.model_id, e.title, e.description, e.owner_org_unit_id, e.owner_org_path, e.owner_org_name,
        e.recipient_kind, e.field.value, e.year, e.at, actor, version)


async def org_unit_path(conn: asyncpg.Connection | asyncpg.Pool, org_unit_id: UUID) -> str | None:
    path: str | None = await conn.fetchval("select path from org_units where id = $1", org_unit_id)
    return path


async def path_taken(conn: asyncpg.Connection, path: str) -> bool:
    return bool(await conn.fetchval("select exists(select 1 from org_units where path = $1)", path))
