"""HTTP routes of the evaluation service: commands (POST) dispatched by class, queries (GET) in pages.

Lists are about a unit — `unit_id`, `under` (a path) or, by default, the caller's scope — and take
the hierarchy as it stands: after a merge the successor's lists hold what the merged units carried.
A single item outside the caller's scope is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.evaluation import handlers, queries
from services.evaluation.commands import DefineCriteriaSet, RecordInspection
from shared import hierarchy
from shared.auth.dependencies import Reader, require
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, query_root, resolve_scope
from shared.http.commands import IdempotencyKey, UnderFilter, UnitFilter, YearFilter, run_command
from shared.http.errors import not_found
from shared.http.pages import Page, PageParams
from shared.runtime.service import Runtime

router = APIRouter()
Inspector = Annotated[Principal, Depends(require(Role.INSPECTOR))]


@router.post("/criteria-sets", status_code=201, tags=["criteria sets"], response_model=handlers.CriteriaSetIssued)
async def define_criteria_set(cmd: DefineCriteriaSet, runtime: Runtime, principal: Inspector,
                              idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ban hành bộ tiêu chí — issue a criteria set for a unit and the units below it (inspectors)."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/criteria-sets", tags=["criteria sets"], response_model=Page[queries.CriteriaSetOut])
async def list_criteria_sets(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                             under: UnderFilter = None, year: YearFilter = None) -> Page[queries.CriteriaSetOut]:
    """Bộ tiêu chí áp dụng cho, hoặc do, đơn vị này ban hành — sets that apply to the unit (issued above
    it) or were issued at or below it."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        return paging.of([], 0) if root is None else await queries.criteria_sets(conn, root, year, paging)


@router.get("/criteria-sets/{criteria_set_id}", tags=["criteria sets"], response_model=queries.CriteriaSetOut)
async def get_criteria_set(criteria_set_id: UUID, runtime: Runtime, principal: Reader) -> queries.CriteriaSetOut:
    """Một bộ tiêu chí — one criteria set, if it applies to or was issued within the caller's scope."""
    async with runtime.pool.acquire() as conn:
        scope = await resolve_scope(conn, principal)
        found = await queries.criteria_set(conn, scope.unit_id, criteria_set_id)
    if found is None:
        raise not_found()
    return found


@router.post("/inspections", status_code=201, tags=["inspections"], response_model=handlers.InspectionResult)
async def record_inspection(cmd: RecordInspection, runtime: Runtime, principal: Inspector,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ghi kết quả kiểm tra, đánh giá mô hình theo bộ tiêu chí — record an inspection (inspectors)."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/inspections", tags=["inspections"], response_model=Page[queries.InspectionOut])
async def list_inspections(runtime: Runtime, principal: Reader, paging: PageParams, model_id: UUID | None = None,
                           unit_id: UnitFilter = None, under: UnderFilter = None,
                           passed: bool | None = None) -> Page[queries.InspectionOut]:
    """Kết quả kiểm tra, mới nhất trước — inspections newest first; per model, the first one counts."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            return paging.of([], 0)
        return await queries.inspections(conn, root, model_id, passed, paging)


@router.get("/inspections/{inspection_id}", tags=["inspections"], response_model=queries.InspectionOut)
async def get_inspection(inspection_id: UUID, runtime: Runtime, principal: Reader) -> queries.InspectionOut:
    """Một kết quả kiểm tra — one inspection, with its scores."""
    async with runtime.pool.acquire() as conn:
        found = await queries.inspection(conn, inspection_id)
        owner = None if found is None else await hierarchy.unit_of(conn, found.owner_org_unit_id,
                                                                   found.owner_org_path)
        if found is None or owner is None or not await covers(conn, principal, owner, found.model_id):
            raise not_found()
    return found


@router.get("/models", tags=["models"], response_model=Page[queries.KnownModelOut])
async def list_models(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                      under: UnderFilter = None, year: YearFilter = None) -> Page[queries.KnownModelOut]:
    """Mô hình đã đồng bộ từ đăng ký, kèm kết quả kiểm tra mới nhất — known models with their latest result."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        return paging.of([], 0) if root is None else await queries.known_models(conn, root, year, paging)


@router.get("/models/{model_id}", tags=["models"], response_model=queries.KnownModelOut)
async def get_model(model_id: UUID, runtime: Runtime, principal: Reader) -> queries.KnownModelOut:
    """Một mô hình — one model as evaluation knows it, with the inspection that counts."""
    async with runtime.pool.acquire() as conn:
        found = await queries.known_model(conn, model_id)
        if found is None or not await covers(conn, principal, found.owner_org_unit_id, model_id):
            raise not_found()
    return found
