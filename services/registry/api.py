"""HTTP routes of the registry: commands (POST) and queries (GET).

Re-organisations are for administrators whose scope covers every unit concerned (a province's
administrator merges two of its communes); the handlers check each unit they touch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse

from services.registry import handlers, plan_queries, queries
from services.registry.calendar import vn_day
from services.registry.commands import (
    AmendModel,
    AmendModelInput,
    ChangeBlocMembers,
    ChangeBlocMembersInput,
    DissolveOrgUnit,
    DissolveOrgUnitInput,
    FormBloc,
    ImportOrgUnits,
    IssuePlan,
    MergeOrgUnits,
    MoveOrgUnit,
    MoveOrgUnitInput,
    RecordReplication,
    RecordReplicationInput,
    RegisterModel,
    RegisterOrgUnit,
    RegisterParticipation,
    RegisterParticipationInput,
    RenameOrgUnit,
    RenameOrgUnitInput,
    SplitOrgUnit,
    SplitOrgUnitInput,
    SubmitReport,
    SubmitReportInput,
    WithdrawModel,
    WithdrawModelInput,
)
from services.registry.official_units import official_import
from shared import hierarchy
from shared.auth.dependencies import Reader, require
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, query_root, resolve_scope
from shared.http.commands import IdempotencyKey, UnderFilter, UnitFilter, YearFilter, run_command, targeted
from shared.http.errors import ApiError, not_found
from shared.http.pages import Page, PageParams
from shared.runtime.service import Runtime

router = APIRouter()
Registrar = Annotated[Principal, Depends(require(Role.REGISTRAR))]
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]
Words = Annotated[str | None, Query(min_length=1, max_length=200,
                                   description='Từ cần tìm, có hay không dấu — words, with or without diacritics '
                                               '("dan van kheo" finds "Dân vận khéo")')]
OnDate = Annotated[date | None, Query(description="Như vào ngày — as on this day (yyyy-MM-dd): the tree of that day")]


@router.post("/org-units", status_code=201, tags=["org units"], response_model=handlers.Registered)
async def register_org_unit(cmd: RegisterOrgUnit, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Thêm đơn vị vào cây tổ chức — add a unit to the organisation tree (administrators)."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.post("/org-units/{org_unit_id}/rename", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def rename_org_unit(org_unit_id: UUID, body: RenameOrgUnitInput, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đổi tên đơn vị — rename a unit from a day on."""
    return await run_command(runtime.executor, targeted(RenameOrgUnit, body, org_unit_id=org_unit_id), principal,
                             idempotency_key)


@router.post("/org-units/{org_unit_id}/move", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def move_org_unit(org_unit_id: UUID, body: MoveOrgUnitInput, runtime: Runtime, principal: Administrator,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Chuyển đơn vị sang đơn vị cấp trên khác — move a unit, with its subtree, under another parent."""
    return await run_command(runtime.executor, targeted(MoveOrgUnit, body, org_unit_id=org_unit_id), principal,
                             idempotency_key)


@router.post("/org-units/{org_unit_id}/split", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def split_org_unit(org_unit_id: UUID, body: SplitOrgUnitInput, runtime: Runtime, principal: Administrator,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Chia tách đơn vị — divide a unit among successors, saying which models go where."""
    return await run_command(runtime.executor, targeted(SplitOrgUnit, body, org_unit_id=org_unit_id), principal,
                             idempotency_key)


@router.post("/org-units/{org_unit_id}/dissolve", tags=["org units"], response_model=handlers.OrgUnitChanged)
async def dissolve_org_unit(org_unit_id: UUID, body: DissolveOrgUnitInput, runtime: Runtime,
                            principal: Administrator, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Giải thể đơn vị — end a unit; a successor takes what it still carries."""
    return await run_command(runtime.executor, targeted(DissolveOrgUnit, body, org_unit_id=org_unit_id), principal,
                             idempotency_key)


@router.post("/org-unit-merges", status_code=201, tags=["org units"], response_model=handlers.OrgUnitChanged)
async def merge_org_units(cmd: MergeOrgUnits, runtime: Runtime, principal: Administrator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Sáp nhập đơn vị — merge units into an existing successor or one registered with the merge."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/org-units", tags=["org units"], response_model=Page[queries.OrgUnitOut])
async def list_org_units(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                         under: UnderFilter = None, on: OnDate = None,
                         include_ended: bool = False, q: Words = None) -> Page[queries.OrgUnitOut]:
    """Các đơn vị trong phạm vi — units within the caller's scope, below `unit_id` or `under`, now or
    as on `on`, ordered by path; `q` finds words of their names, with or without diacritics."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under, on)
        units = [] if root is None else await queries.units_under(conn, root, on, vn_day(datetime.now(UTC)),
                                                                  include_ended, q)
    return paging.of(units, len(units))


@router.get("/org-units/tree", tags=["org units"], response_model=list[queries.OrgUnitNode])
async def org_unit_tree(runtime: Runtime, principal: Reader, unit_id: UnitFilter = None, under: UnderFilter = None,
                        on: OnDate = None, include_ended: bool = False) -> list[queries.OrgUnitNode]:
    """Cây tổ chức — the same units nested, each under its parent (a province's tree is a few thousand
    units at most: answered whole, for pickers and the tree view)."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under, on)
        units = [] if root is None else await queries.units_under(conn, root, on, vn_day(datetime.now(UTC)),
                                                                  include_ended)
    return queries.as_tree(units)


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
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/models", tags=["models"], response_model=Page[queries.ModelOut])
async def list_models(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                      under: UnderFilter = None, year: YearFilter = None,
                      on: OnDate = None, q: Words = None) -> Page[queries.ModelOut]:
    """Mô hình của các đơn vị — the models a unit's subtree carries now (a merged unit's with its
    successor), or as on `on`; `q` finds words of the title or description, with or without diacritics."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under, on)
        if root is None:
            return paging.of([], 0)
        return await queries.models_under(conn, root, on, year, paging, q)


@router.get("/models/{model_id}", tags=["models"], response_model=queries.ModelOut)
async def get_model(model_id: UUID, runtime: Runtime, principal: Reader, response: Response) -> queries.ModelOut:
    """Một mô hình — one model or exemplar, with the unit carrying it now; its `ETag` is the version an
    amendment sends back as `If-Match`."""
    async with runtime.pool.acquire() as conn:
        found = await queries.model(conn, model_id)
        if found is None or not await covers(conn, principal, found.owner_org_unit_id, model_id):
            raise not_found()
    response.headers["ETag"] = f'"{found.version}"'
    return found


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40,
                                       description='The ETag of the model as you read it, e.g. "3"')]


async def _expected_version(if_match: IfMatch = None) -> int:
    """The version an `If-Match` names (`"3"`, `W/"3"` or `3`): required, so no amendment is blind."""
    if if_match is None:
        raise ApiError(428, "if_match_required")
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise ApiError(412, "if_match_unreadable", sent=if_match)
    return int(text)


ExpectedVersion = Annotated[int, Depends(_expected_version)]


@router.post("/models/{model_id}/amend", tags=["models"], response_model=handlers.Registered)
async def amend_model(model_id: UUID, body: AmendModelInput, runtime: Runtime, principal: Registrar,
                      version: ExpectedVersion, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Sửa thông tin mô hình — change the fields sent; `If-Match` (the ETag you read) is required, and a
    model changed since answers 412 naming what changed."""
    return await run_command(runtime.executor, targeted(AmendModel, body, model_id=model_id, expected_version=version,
                                                        sent=sorted(body.model_fields_set)), principal,
                             idempotency_key)


@router.post("/models/{model_id}/withdraw", tags=["models"], response_model=handlers.Registered)
async def withdraw_model(model_id: UUID, body: WithdrawModelInput, runtime: Runtime, principal: Registrar,
                         idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Rút mô hình — withdraw it with the reason; it stays on record, marked withdrawn."""
    return await run_command(runtime.executor, targeted(WithdrawModel, body, model_id=model_id), principal,
                             idempotency_key)


@router.post("/models/{model_id}/replicates", tags=["models"], response_model=handlers.Registered)
async def record_replication(model_id: UUID, body: RecordReplicationInput, runtime: Runtime, principal: Registrar,
                             idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ghi nhận nhân rộng — this model replicates another (once)."""
    return await run_command(runtime.executor, targeted(RecordReplication, body, model_id=model_id), principal,
                             idempotency_key)


@router.get("/models/{model_id}/history", tags=["models"], response_model=list[queries.ModelHistoryEntry])
async def model_history(model_id: UUID, runtime: Runtime, principal: Reader) -> list[queries.ModelHistoryEntry]:
    """Dòng thời gian của mô hình — every step of its life as recorded: what, when, by whom."""
    async with runtime.pool.acquire() as conn:
        found = await queries.model(conn, model_id)
        if found is None or not await covers(conn, principal, found.owner_org_unit_id, model_id):
            raise not_found()
        return await queries.model_history(conn, handlers.model_stream(model_id))



@router.post("/org-units/import", tags=["org units"], response_model=handlers.Imported)
async def import_org_units(cmd: ImportOrgUnits, runtime: Runtime, principal: Administrator,
                           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Nhập nhiều đơn vị một lần — add many units at once, all or none (administrators).

    Running the same import again changes nothing: units already standing are left as they are."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.post("/org-units/import-official", tags=["org units"], response_model=handlers.Imported)
async def import_official_units(runtime: Runtime, principal: Administrator,
                                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Nạp danh mục đơn vị hành chính — the country's 34 provinces and 3,321 communes since 1 July 2025,
    under the root unit VN (created if missing), with their official codes (administrators of VN)."""
    return await run_command(runtime.executor, official_import(), principal, idempotency_key)


# -- plans ------------------------------------------------------------------------------------------

async def _visible_plan(conn: asyncpg.Connection, principal: Principal, plan_id: UUID) -> plan_queries.PlanOut:
    """A plan the caller may read: issued within their scope, or by a unit above theirs (which their
    unit answers to). Anything else is 404, as if it did not exist."""
    found = await plan_queries.plan(conn, plan_id)
    if found is None:
        raise not_found()
    scope = await resolve_scope(conn, principal)
    if not await conn.fetchval("select dvk_within($1, $2) or dvk_within($2, $1)", found.org_unit_id, scope.unit_id):
        raise not_found()
    return found


@router.post("/plans", status_code=201, tags=["plans"], response_model=handlers.Registered)
async def issue_plan(cmd: IssuePlan, runtime: Runtime, principal: Registrar,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Ban hành kế hoạch — issue a plan with its targets, tasks, deadlines and distribution list; with
    `parent_plan_id`, the unit's own plan under its board's (its submission against that plan)."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/plans", tags=["plans"], response_model=Page[plan_queries.PlanOut])
async def list_plans(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                     under: UnderFilter = None, year: YearFilter = None) -> Page[plan_queries.PlanOut]:
    """Kế hoạch — plans issued within a subtree (default: your scope) and by the units above yours;
    `year`: those whose period covers it. Newest first."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            return paging.of([], 0)
        scope = await resolve_scope(conn, principal)
        return await plan_queries.plans_for(conn, root, scope.unit_id, year, paging)


@router.get("/plans/{plan_id}", tags=["plans"], response_model=plan_queries.PlanOut)
async def get_plan(plan_id: UUID, runtime: Runtime, principal: Reader) -> plan_queries.PlanOut:
    """Một kế hoạch — its targets, tasks, deadlines and distribution list."""
    async with runtime.pool.acquire() as conn:
        return await _visible_plan(conn, principal, plan_id)


@router.get("/plans/{plan_id}/board", tags=["plans"], response_model=plan_queries.Board)
async def plan_board(plan_id: UUID, runtime: Runtime, principal: Reader, unit_id: UnitFilter = None,
                     under: UnderFilter = None) -> plan_queries.Board:
    """Bảng theo dõi hạn nộp — per deadline, who submitted in time, late, who is missing, and who is not
    due yet, among the units owing the plan within a subtree (default: your scope)."""
    async with runtime.pool.acquire() as conn:
        found = await _visible_plan(conn, principal, plan_id)
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            raise not_found()
        return await plan_queries.board(conn, found, root, vn_day(datetime.now(UTC)))


@router.post("/plans/{plan_id}/reports", status_code=201, tags=["plans"], response_model=handlers.Registered)
async def submit_report(plan_id: UUID, body: SubmitReportInput, runtime: Runtime, principal: Registrar,
                        idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Gửi báo cáo — a unit's report against one of the plan's report deadlines (once per deadline)."""
    return await run_command(runtime.executor, targeted(SubmitReport, body, plan_id=plan_id), principal,
                             idempotency_key)


@router.post("/plans/{plan_id}/participations", status_code=201, tags=["plans"], response_model=handlers.Registered)
async def register_participation(plan_id: UUID, body: RegisterParticipationInput, runtime: Runtime,
                                 principal: Registrar, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đăng ký tham gia phong trào — a unit joins, voluntarily, the movement the plan launches (once)."""
    return await run_command(runtime.executor, targeted(RegisterParticipation, body, plan_id=plan_id), principal,
                             idempotency_key)


@router.get("/plans/{plan_id}/participations", tags=["plans"], response_model=Page[plan_queries.ParticipationOut])
async def list_participations(plan_id: UUID, runtime: Runtime, principal: Reader, paging: PageParams,
                              unit_id: UnitFilter = None, under: UnderFilter = None,
                              bloc_id: Annotated[UUID | None, Query(description="Khối thi đua — an emulation bloc")]
                              = None) -> Page[plan_queries.ParticipationOut]:
    """Các đơn vị đăng ký tham gia — by subtree (default: your scope) and by emulation bloc."""
    async with runtime.pool.acquire() as conn:
        await _visible_plan(conn, principal, plan_id)
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            return paging.of([], 0)
        return await plan_queries.participations(conn, plan_id, root, bloc_id, paging)


@router.post("/emulation-blocs", status_code=201, tags=["emulation blocs"], response_model=handlers.Registered)
async def form_bloc(cmd: FormBloc, runtime: Runtime, principal: Administrator,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Thành lập khối thi đua — group units across the tree (administrators whose scope covers them)."""
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.put("/emulation-blocs/{bloc_id}/members", tags=["emulation blocs"], response_model=handlers.Registered)
async def change_bloc_members(bloc_id: UUID, body: ChangeBlocMembersInput, runtime: Runtime,
                              principal: Administrator, idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Thay đổi thành viên khối thi đua — the bloc's members from now on."""
    return await run_command(runtime.executor, targeted(ChangeBlocMembers, body, bloc_id=bloc_id), principal,
                             idempotency_key)


@router.get("/emulation-blocs", tags=["emulation blocs"], response_model=Page[plan_queries.BlocOut])
async def list_blocs(runtime: Runtime, principal: Reader, paging: PageParams, unit_id: UnitFilter = None,
                     under: UnderFilter = None) -> Page[plan_queries.BlocOut]:
    """Khối thi đua — blocs organised within a subtree (default: your scope) and by the units above yours."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            return paging.of([], 0)
        scope = await resolve_scope(conn, principal)
        return await plan_queries.blocs_for(conn, root, scope.unit_id, paging)
