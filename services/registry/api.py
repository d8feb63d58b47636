"""HTTP routes of the registry: commands (POST) and queries (GET)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.registry import handlers
from services.registry.commands import RegisterModel, RegisterOrgUnit
from shared.auth.dependencies import Reader, ensure_scope, require
from shared.auth.principal import Principal, Role
from shared.http.commands import IdempotencyKey, UnderFilter, YearFilter, run_command
from shared.http.errors import not_found
from shared.runtime.service import Runtime

router = APIRouter()
Registrar = Annotated[Principal, Depends(require(Role.REGISTRAR))]
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]


@router.post("/org-units", status_code=201, tags=["org units"], response_model=handlers.Registered)
async def register_org_unit(cmd: RegisterOrgUnit, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Thêm đơn vị vào cây tổ chức — add a unit to the organisation tree (administrators)."""
    org_unit_id = uuid.uuid4()
    return await run_command(runtime.executor, "RegisterOrgUnit", principal,
                             lambda tx: handlers.register_org_unit(cmd, org_unit_id, tx),
                             payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/org-units", tags=["org units"])
async def list_org_units(runtime: Runtime, principal: Reader, under: UnderFilter = None) -> list[dict[str, Any]]:
    """Các đơn vị trong phạm vi — units within the caller's scope, optionally below `under`."""
    root = under or principal.org_scope
    ensure_scope(principal, root)
    rows = await runtime.pool.fetch(
        "select * from org_units where path = $1 or path like $1 || '.%' order by path", root)
    return [dict(r) for r in rows]


@router.get("/org-units/{org_unit_id}", tags=["org units"])
async def get_org_unit(org_unit_id: UUID, runtime: Runtime, principal: Reader) -> dict[str, Any]:
    row = await runtime.pool.fetchrow("select * from org_units where id = $1", org_unit_id)
    if row is None or not principal.covers(row["path"]):
        raise not_found()
    return dict(row)


@router.post("/models", status_code=201, tags=["models"], response_model=handlers.Registered)
async def register_model(cmd: RegisterModel, runtime: Runtime, principal: Registrar,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đăng ký mô hình, điển hình "Dân vận khéo" — register a model or exemplar."""
    model_id = uuid.uuid4()
    return await run_command(runtime.executor, "RegisterModel", principal,
                             lambda tx: handlers.register_model(cmd, model_id, tx),
                             payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/models", tags=["models"])
async def list_models(runtime: Runtime, principal: Reader, under: UnderFilter = None,
                      year: YearFilter = None) -> list[dict[str, Any]]:
    root = under or principal.org_scope
    ensure_scope(principal, root)
    rows = await runtime.pool.fetch(
        """select * from models where (owner_org_path = $1 or owner_org_path like $1 || '.%')
           and ($2::int is null or year = $2) order by registered_at""", root, year)
    return [dict(r) for r in rows]


@router.get("/models/{model_id}", tags=["models"])
async def get_model(model_id: UUID, runtime: Runtime, principal: Reader) -> dict[str, Any]:
    row = await runtime.pool.fetchrow("select * from models where id = $1", model_id)
    if row is None or not principal.covers(row["owner_org_path"]):
        raise not_found()
    return dict(row)
