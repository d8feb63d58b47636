"""HTTP routes of the registry: commands (POST) and queries (GET).

Re-organisations are for administrators whose scope covers every unit concerned (a province's
administrator merges two of its communes); the handlers check each unit they touch.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.registry import handlers, queries
from services.registry.commands import (
    DissolveOrgUnit,
    MergeOrgUnits,
    MoveOrgUnit,
    RegisterModel,
    RegisterOrgUnit,
    RenameOrgUnit,
    SplitOrgUnit,
)
from services.registry.domain import vn_day
from shared import hierarchy
from shared.auth.dependencies import Reader, require
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, resolve_scope
from shared.commands import Transaction
from shared.http.commands import IdempotencyKey, UnderFilter, YearFilter, run_command
from shared.http.errors import ApiError, not_found
from shared.runtime.service import Runtime, ServiceRuntime

router = APIRouter()
Registrar = Annotated[Principal, Depends(require(Role.REGISTRAR))]
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
OnDate = Annotated[date | None, Query(description="Như vào ngày — as on this day (yyyy-MM-dd): the tree of that day")]
UnitFilter = Annotated[UUID | None, Query(description="This unit and those below it (default: your scope)")]


async def _command(runtime: ServiceRuntime, principal: Principal, cmd: BaseModel, key: str | None,
                   handler: Any, *, status: int = 200, target: UUID | None = None) -> JSONResponse:
    payload = cmd.model_dump(mode="json") | ({"target": str(target)} if target is not None else {})
    return await run_command(runtime.executor, type(cmd).__name__, principal, handler, payload=payload,
                             idempotency_key=key, success_status=status)


@router.post("/org-units", status_code=201, tags=["org units"], response_model=handlers.Registered)
async def register_org_unit(cmd: RegisterOrgUnit, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Thêm đơn vị vào cây tổ chức — add a unit to the organisation tree (administrators)."""
    org_unit_id = uuid.uuid4()

    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.register_org_unit(cmd, org_unit_id, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, status=201)


@router.post("/org-units/{org_unit_id}/rename", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def rename_org_unit(org_unit_id: UUID, cmd: RenameOrgUnit, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đổi tên đơn vị — rename a unit from a day on."""
    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.rename_org_unit(org_unit_id, cmd, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, target=org_unit_id)


@router.post("/org-units/{org_unit_id}/move", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def move_org_unit(org_unit_id: UUID, cmd: MoveOrgUnit, runtime: Runtime, principal: Administrator,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Chuyển đơn vị sang đơn vị cấp trên khác — move a unit, with its subtree, under another parent."""
    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.move_org_unit(org_unit_id, cmd, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, target=org_unit_id)


@router.post("/org-units/{org_unit_id}/split", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def split_org_unit(org_unit_id: UUID, cmd: SplitOrgUnit, runtime: Runtime, principal: Administrator,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Chia tách đơn vị — divide a unit among successors, saying which models go where."""
    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.split_org_unit(org_unit_id, cmd, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, target=org_unit_id)


@router.post("/org-units/{org_unit_id}/dissolve", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def dissolve_org_unit(org_unit_id: UUID, cmd: DissolveOrgUnit, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Giải thể đơn vị — end a unit; a successor takes what it still carries."""
    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.dissolve_org_unit(org_unit_id, cmd, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, target=org_unit_id)


@router.post("/org-unit-merges", status_code=201, tags=["org units"], response_model=handlers.OrgUnitChanged)
async def merge_org_units(cmd: MergeOrgUnits, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Sáp nhập đơn vị — merge units into an existing successor or one registered with the merge."""
    successor_id = uuid.uuid4()

    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.merge_org_units(cmd, successor_id, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, status=201)


async def _root(conn: asyncpg.Connection, principal: Principal, unit_id: UUID | None, under: str | None,
                on: date | None) -> UUID | None:
    """The unit a query is about (by id, by path, or the caller's scope), refused outside the scope
    (403, and `scope_unit_ended` for a user of an ended unit); None when no unit ever held the path."""
    try:
        scope = await resolve_scope(conn, principal)
    except ApiError as exc:
        if exc.code == "scope_unit_unknown":
            return None  # e.g. a new instance whose root unit is not registered yet: nothing to list
        raise
    if unit_id is not None:
        if await hierarchy.unit(conn, unit_id, on) is None:
            return None
        root = unit_id
    elif under is not None:
        view = await hierarchy.unit_by_path(conn, under, on)
        if view is None:
            return None
        root = view.id
    else:
        return scope.unit_id
    if not await covers(conn, principal, root):
        view = await hierarchy.unit(conn, root)
        raise ApiError(403, "forbidden_scope", org_path=view.path if view else str(root), scope=scope.path)
    return root


@router.get("/org-units", tags=["org units"], response_model=list[queries.OrgUnitNode] | list[queries.OrgUnitOut])
async def list_org_units(runtime: Runtime, principal: Reader, unit_id: UnitFilter = None, under: UnderFilter = None,
                         on: OnDate = None, shape: Literal["list", "tree"] = "list",
                         include_ended: bool = False) -> list[queries.OrgUnitNode] | list[queries.OrgUnitOut]:
    """Các đơn vị trong phạm vi — units within the caller's scope, below `unit_id` or `under`, now or
    as on `on`; `shape=tree` nests each unit's units under it."""
    async with runtime.pool.acquire() as conn:
        root = await _root(conn, principal, unit_id, under, on)
        if root is None:
            return []
        units = await queries.units_under(conn, root, on, vn_day(datetime.now(UTC)), include_ended)
    return queries.as_tree(units) if shape == "tree" else units


@router.get("/org-units/{org_unit_id}", tags=["org units"], response_model=queries.OrgUnitDetail)
async def get_org_unit(org_unit_id: UUID, runtime: Runtime, principal: Reader,
                       on: OnDate = None) -> queries.OrgUnitDetail:
    """Một đơn vị với lịch sử — a unit (as on `on`) with its names, parents, paths and successor over time."""
    async with runtime.pool.acquire() as conn:
        view = await hierarchy.unit(conn, org_unit_id, on)
        if view is None or not await covers(conn, principal, org_unit_id):
            raise not_found()
        events = await runtime.executor.store.load(conn, handlers.org_unit_stream(org_unit_id))
    return queries.OrgUnitDetail(**queries.OrgUnitOut.of(view).model_dump(), history=queries.history(events))


@router.post("/models", status_code=201, tags=["models"], response_model=handlers.Registered)
async def register_model(cmd: RegisterModel, runtime: Runtime, principal: Registrar,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đăng ký mô hình, điển hình "Dân vận khéo" — register a model or exemplar."""
    model_id = uuid.uuid4()

    async def handle(tx: Transaction) -> BaseModel:
        return await handlers.register_model(cmd, model_id, tx)
    return await _command(runtime, principal, cmd, idempotency_key, handle, status=201)


@router.get("/models", tags=["models"], response_model=list[queries.ModelOut])
async def list_models(runtime: Runtime, principal: Reader, unit_id: UnitFilter = None, under: UnderFilter = None,
                      year: YearFilter = None, on: OnDate = None) -> list[queries.ModelOut]:
    """Mô hình của các đơn vị — the models a unit's subtree carries now (a merged unit's with its
    successor), or as on `on`."""
    async with runtime.pool.acquire() as conn:
        root = await _root(conn, principal, unit_id, under, on)
        return await queries.models_under(conn, root, on, year) if root is not None else []


@router.get("/models/{model_id}", tags=["models"], response_model=queries.ModelOut)
async def get_model(model_id: UUID, runtime: Runtime, principal: Reader) -> queries.ModelOut:
    async with runtime.pool.acquire() as conn:
        found = await queries.model(conn, model_id)
        if found is None or not await covers(conn, principal, found.owner_org_unit_id, model_id):
            raise not_found()
    return found

