"""One function per registry command: load, let the aggregate decide, save, project, publish."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from pydantic import BaseModel

from services.registry import projections
from services.registry.commands import RegisterModel, RegisterOrgUnit
from services.registry.domain import Model, ModelRecorded, OrgUnit, OrgUnitCreated
from shared.auth.dependencies import ensure_scope
from shared.commands import Transaction
from shared.contracts import ModelRegistered, OrgUnitRegistered
from shared.domain.aggregate import DomainError
from shared.http.errors import ApiError, invalid_field


class Registered(BaseModel):
    id: UUID
    org_path: str
    version: int


def org_unit_stream(org_unit_id: UUID) -> str:
    return f"org-unit-{org_unit_id}"


def model_stream(model_id: UUID) -> str:
    return f"model-{model_id}"


async def register_org_unit(cmd: RegisterOrgUnit, org_unit_id: UUID, tx: Transaction) -> Registered:
    principal = tx.ctx.principal
    parent = None
    if cmd.parent_id is not None:
        parent = await tx.load(OrgUnit, org_unit_stream(cmd.parent_id))
        if parent is None:
            raise invalid_field("parent_id", "org_unit_unknown")
    unit = OrgUnit.create(org_unit_id=org_unit_id, code=cmd.code, name=cmd.name, kind=cmd.kind, parent=parent,
                          at=tx.ctx.now)
    assert unit.pending and isinstance(unit.pending[0], OrgUnitCreated)
    created = unit.pending[0]
    if parent is None and principal.org_scope != created.path:
        raise ApiError(403, "org_unit_root_scope", path=created.path)
    ensure_scope(principal, created.path)
    if await projections.path_taken(tx.conn, created.path):
        raise DomainError("org_unit_code_taken", code=cmd.code)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    try:
        await projections.add_org_unit(tx.conn, created, unit.version)
    except asyncpg.UniqueViolationError as exc:
        # Two administrators added the same code under the same parent at once: one wins.
        raise DomainError("org_unit_code_taken", code=cmd.code) from exc
    await tx.publish(OrgUnitRegistered(
        org_path=created.path, org_unit_id=org_unit_id, code=created.code, name=created.name, kind=created.kind,
        parent_id=created.parent_id, registered_at=created.at), entity=f"org-units/{org_unit_id}")
    return Registered(id=org_unit_id, org_path=created.path, version=unit.version)


async def register_model(cmd: RegisterModel, model_id: UUID, tx: Transaction) -> Registered:
    owner = await tx.load(OrgUnit, org_unit_stream(cmd.owner_org_unit_id))
    if owner is None or owner.created is None:
        raise invalid_field("owner_org_unit_id", "org_unit_unknown")
    ensure_scope(tx.ctx.principal, owner.created.path)
    model = Model()
    model.register(model_id=model_id, title=cmd.title, description=cmd.description, owner=owner,
                   recipient_kind=cmd.recipient_kind, field=cmd.field, year=cmd.year, at=tx.ctx.now)
    recorded = model.pending[0]
    assert isinstance(recorded, ModelRecorded)
    await tx.save(model, model_stream(model_id), "model")
    await tx.publish(ModelRegistered(
        org_path=recorded.owner_org_path, model_id=model_id, title=recorded.title,
        owner_org_unit_id=recorded.owner_org_unit_id, owner_org_name=recorded.owner_org_name,
        recipient_kind=recorded.recipient_kind, field=recorded.field.value, year=recorded.year,
        registered_at=recorded.at), entity=f"models/{model_id}")
    return Registered(id=model_id, org_path=recorded.owner_org_path, version=model.version)
