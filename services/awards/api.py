"""HTTP routes of the awards service: commands (POST) dispatched by class, queries (GET) in pages.

Who may do what, as the seeds describe the work: the council's secretary opens a round; units
(secretaries, council members) nominate their models; the council decides the grants. Who sees
what follows the hierarchy (`queries.py`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.awards import handlers, queries
from services.awards.commands import GrantAward, NominateModel, NominateModelInput, OpenRound
from shared.auth.dependencies import Reader, require
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, query_root, resolve_scope
from shared.http.commands import IdempotencyKey, UnderFilter, UnitFilter, YearFilter, run_command, targeted
from shared.http.errors import not_found
from shared.http.pages import Page, PageParams
from shared.runtime.service import Runtime

router = APIRouter()
Secretary = Annotated[Principal, Depends(require(Role.SECRETARY))]
Nominator = Annotated[Principal, Depends(require(Role.SECRETARY, Role.COUNCIL_MEMBER))]
Council = Annotated[Principal, Depends(require(Role.COUNCIL_MEMBER))]


@router.post("/rounds", status_code=201, tags=["rounds"], response_model=handlers.RoundCreated)
async def open_round(cmd: OpenRound, runtime: Runtime, principal: Secretary,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Mở đợt khen thưởng (hằng năm 15/10, sơ kết, tổng kết) với chỉ tiêu — open a round with its quotas."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/rounds", tags=["rounds"], response_model=Page[queries.RoundView])
async def list_rounds(runtime: Runtime, principal: Reader, paging: PageParams,
                      year: YearFilter = None) -> Page[queries.RoundView]:
    """Các đợt trong phạm vi và của cấp trên — rounds within the caller's scope and those above it."""
    async with runtime.pool.acquire() as conn:
        scope = await query_root(conn, principal)
        return paging.of([], 0) if scope is None else await queries.rounds(conn, scope, year, paging)


@router.get("/rounds/{round_id}", tags=["rounds"], response_model=queries.RoundView)
async def get_round(round_id: UUID, runtime: Runtime, principal: Reader) -> queries.RoundView:
    """Một đợt với chỉ tiêu: đã khen, còn lại — a round with each quota's granted and remaining count."""
    async with runtime.pool.acquire() as conn:
        view = await queries.round_view(conn, round_id)
        if view is None or not await queries.sees_round(conn, (await resolve_scope(conn, principal)).unit_id, view):
            raise not_found("round_not_found")
    return view


@router.post("/rounds/{round_id}/nominations", status_code=201, tags=["nominations"],
             response_model=handlers.Nominated)
async def nominate(round_id: UUID, body: NominateModelInput, runtime: Runtime, principal: Nominator,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đề nghị khen thưởng một mô hình đã đạt kiểm tra — nominate a model that passed inspection."""
    return await run_command(runtime.executor, targeted(NominateModel, body, round_id=round_id), principal,
                             idempotency_key)


@router.get("/rounds/{round_id}/nominations", tags=["nominations"], response_model=Page[queries.NominationView])
async def list_nominations(round_id: UUID, runtime: Runtime, principal: Reader,
                           paging: PageParams) -> Page[queries.NominationView]:
    """Đề nghị của đợt: tất cả cho Hội đồng, của đơn vị mình cho cấp dưới — all for the council, own for units."""
    async with runtime.pool.acquire() as conn:
        view = await queries.round_view(conn, round_id)
        scope = (await resolve_scope(conn, principal)).unit_id
        if view is None or not await queries.sees_round(conn, scope, view):
            raise not_found("round_not_found")
        body = await queries.round_unit(conn, view)
        under = None if body is not None and await covers(conn, principal, body) else scope
        return await queries.nominations(conn, round_id, under, paging)


@router.post("/rounds/{round_id}/nominations/{nomination_id}/grant", status_code=201, tags=["grants"],
             response_model=handlers.Granted)
async def grant(round_id: UUID, nomination_id: UUID, runtime: Runtime, principal: Council,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Quyết định khen thưởng theo đề nghị, trong chỉ tiêu — grant a nomination, within the quota."""
    return await run_command(runtime.executor, GrantAward(round_id=round_id, nomination_id=nomination_id),
                             principal, idempotency_key)


@router.get("/eligible-models", tags=["nominations"], response_model=Page[queries.EligibleModelView])
async def list_eligible(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                        under: UnderFilter = None) -> Page[queries.EligibleModelView]:
    """Mô hình đủ điều kiện đề nghị (đã đạt kiểm tra) — models that passed inspection, in scope."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        return paging.of([], 0) if root is None else await queries.eligible(conn, root, paging)
