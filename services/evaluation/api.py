"""HTTP routes of the evaluation service: commands (POST) and queries (GET)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.evaluation import handlers, projections
from services.evaluation.commands import DefineCriteriaSet, RecordInspection
from shared.auth.dependencies import Reader, ensure_scope, require
from shared.auth.principal import Principal, Role
from shared.http.commands import IdempotencyKey, UnderFilter, YearFilter, run_command
from shared.http.errors import not_found
from shared.runtime.service import Runtime

router = APIRouter()
Inspector = Annotated[Principal, Depends(require(Role.INSPECTOR))]


@router.post("/criteria-sets", status_code=201, tags=["criteria sets"], response_model=handlers.CriteriaSetIssued)
async def define_criteria_set(cmd: DefineCriteriaSet, runtime: Runtime, principal: Inspector,
                              idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ban hành bộ tiêu chí — issue a criteria set for a unit and the units below it (inspectors)."""
    criteria_set_id = uuid.uuid4()
    return await run_command(runtime.executor, "DefineCriteriaSet", principal,
                             lambda tx: handlers.define_criteria_set(cmd, criteria_set_id, tx),
                             payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/criteria-sets", tags=["criteria sets"])
async def list_criteria_sets(runtime: Runtime, principal: Reader, year: YearFilter = None) -> list[dict[str, Any]]:
    """Bộ tiêu chí áp dụng cho, hoặc do, phạm vi này ban hành — sets that apply to or were issued in scope."""
    return await projections.list_criteria_sets(runtime.pool, principal.org_scope, year)


@router.get("/criteria-sets/{criteria_set_id}", tags=["criteria sets"])
async def get_criteria_set(criteria_set_id: UUID, runtime: Runtime, principal: Reader) -> dict[str, Any]:
    row = await projections.get_criteria_set(runtime.pool, principal.org_scope, criteria_set_id)
    if row is None:
        raise not_found()
    return row


@router.post("/inspections", status_code=201, tags=["inspections"], response_model=handlers.InspectionResult)
async def record_inspection(cmd: RecordInspection, runtime: Runtime, principal: Inspector,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ghi kết quả kiểm tra, đánh giá mô hình theo bộ tiêu chí — record an inspection (inspectors)."""
    inspection_id = uuid.uuid4()
    return await run_command(runtime.executor, "RecordInspection", principal,
                             lambda tx: handlers.record_inspection(cmd, inspection_id, tx),
                             payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/inspections", tags=["inspections"])
async def list_inspections(runtime: Runtime, principal: Reader, model_id: UUID | None = None,
                           under: UnderFilter = None, passed: bool | None = None) -> list[dict[str, Any]]:
    """Kết quả kiểm tra, mới nhất trước — inspections newest first; per model, the first one counts."""
    root = under or principal.org_scope
    ensure_scope(principal, root)
    return await projections.list_inspections(runtime.pool, root, model_id, passed)


@router.get("/inspections/{inspection_id}", tags=["inspections"])
async def get_inspection(inspection_id: UUID, runtime: Runtime, principal: Reader) -> dict[str, Any]:
    row = await projections.get_inspection(runtime.pool, inspection_id)
    if row is None or not principal.covers(row["owner_org_path"]):
        raise not_found()
    return row


@router.get("/models", tags=["models"])
async def list_models(runtime: Runtime, principal: Reader, under: UnderFilter = None,
                      year: YearFilter = None) -> list[dict[str, Any]]:
    """Mô hình đã đồng bộ từ đăng ký, kèm kết quả kiểm tra mới nhất — known models with their latest result."""
    root = under or principal.org_scope
    ensure_scope(principal, root)
    return await projections.list_known_models(runtime.pool, root, year)


@router.get("/models/{model_id}", tags=["models"])
async def get_model(model_id: UUID, runtime: Runtime, principal: Reader) -> dict[str, Any]:
    row = await projections.get_known_model(runtime.pool, model_id)
    if row is None or not principal.covers(row["owner_org_path"]):
        raise not_found()
    return row
