"""HTTP routes of the awards service: commands (POST) and queries (GET).

Who may do what, as the seeds describe the work: the council's secretary opens a round; units
(secretaries, council members) nominate their models; the council decides the grants.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.awards import handlers, projections
from services.awards.commands import NominateModel, OpenRound
from services.awards.domain import EligibleModel
from services.awards.metrics import refresh_quota_gauge
from shared.auth.dependencies import Reader, ensure_scope, require
from shared.auth.principal import Principal, Role
from shared.contracts import RecipientKind
from shared.http.commands import IdempotencyKey, UnderFilter, YearFilter, run_command
from shared.http.errors import not_found
from shared.runtime.service import Runtime, ServiceRuntime
from shared.subjects import in_subtree

log = logging.getLogger(__name__)
router = APIRouter()
Secretary = Annotated[Principal, Depends(require(Role.SECRETARY))]
Nominator = Annotated[Principal, Depends(require(Role.SECRETARY, Role.COUNCIL_MEMBER))]
Council = Annotated[Principal, Depends(require(Role.COUNCIL_MEMBER))]

RACE_RETRIES = 3
"""A round is one stream: concurrent nominations or grants race on its version. The loser reloads
and decides again (so the quota check always sees the winner's grant) up to this many times."""


class QuotaView(BaseModel):
    award_type: str
    recipient_kind: RecipientKind
    quota: int
    granted: int
    remaining: int


class RoundView(BaseModel):
    id: UUID
    name: str
    kind: str
    year: int
    org_path: str
    decision_date: date | None
    status: str
    opened_at: datetime
    opened_by: str
    version: int
    quotas: list[QuotaView] = []


class NominationView(BaseModel):
    id: UUID
    round_id: UUID
    model_id: UUID
    award_type: str
    recipient_kind: RecipientKind
    model_title: str
    owner_org_path: str
    owner_org_name: str
    inspection_id: UUID
    total_score: float
    summary: str | None
    status: str
    nominated_at: datetime
    nominated_by: str
    grant_id: UUID | None
    granted_in_quota: int | None
    granted_at: datetime | None


class EligibleModelView(EligibleModel):
    """The read model's row: the snapshot nominations use, and when the model passed."""

    passed_at: datetime


def _sees(principal: Principal, round_org_path: str) -> bool:
    """A round is visible to its own subtree's users and to the units below it that nominate into it."""
    return principal.covers(round_org_path) or in_subtree(principal.org_scope, round_org_path)


async def _refresh_gauge(runtime: ServiceRuntime) -> None:
    """After a commit the answer is already decided: a failed gauge refresh must not turn it into an error."""
    with contextlib.suppress(OSError, asyncpg.PostgresError):
        await refresh_quota_gauge(runtime.pool)


@router.post("/rounds", status_code=201, tags=["rounds"], response_model=handlers.RoundCreated)
async def open_round(cmd: OpenRound, runtime: Runtime, principal: Secretary,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Mở đợt khen thưởng (hằng năm 15/10, sơ kết, tổng kết) với chỉ tiêu — open a round with its quotas."""
    round_id = uuid.uuid4()
    response = await run_command(runtime.executor, "OpenRound", principal,
                                 lambda tx: handlers.open_round(cmd, round_id, tx),
                                 payload=cmd.model_dump(mode="json"), idempotency_key=idempotency_key)
    await _refresh_gauge(runtime)
    return response


@router.get("/rounds", tags=["rounds"], response_model=list[RoundView])
async def list_rounds(runtime: Runtime, principal: Reader, year: YearFilter = None) -> list[RoundView]:
    """Các đợt trong phạm vi và của cấp trên — rounds within the caller's scope and those above it."""
    rows = await projections.rounds_visible_from(runtime.pool, principal.org_scope, year)
    return [RoundView.model_validate(r) for r in rows]


@router.get("/rounds/{round_id}", tags=["rounds"], response_model=RoundView)
async def get_round(round_id: UUID, runtime: Runtime, principal: Reader) -> RoundView:
    """Một đợt với chỉ tiêu: đã khen, còn lại — a round with each quota's granted and remaining count."""
    row = await projections.round_row(runtime.pool, round_id)
    if row is None or not _sees(principal, row["org_path"]):
        raise not_found("round_not_found")
    return RoundView.model_validate(row)


@router.post("/rounds/{round_id}/nominations", status_code=201, tags=["nominations"],
             response_model=handlers.Nominated)
async def nominate(round_id: UUID, cmd: NominateModel, runtime: Runtime, principal: Nominator,
                   idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đề nghị khen thưởng một mô hình đã đạt kiểm tra — nominate a model that passed inspection."""
    nomination_id = uuid.uuid4()
    return await run_command(runtime.executor, "NominateModel", principal,
                             lambda tx: handlers.nominate_model(cmd, round_id, nomination_id, tx),
                             payload={"round_id": str(round_id), **cmd.model_dump(mode="json")},
                             idempotency_key=idempotency_key, retries_on_conflict=RACE_RETRIES)


@router.get("/rounds/{round_id}/nominations", tags=["nominations"], response_model=list[NominationView])
async def list_nominations(round_id: UUID, runtime: Runtime, principal: Reader) -> list[NominationView]:
    """Đề nghị của đợt: tất cả cho Hội đồng, của đơn vị mình cho cấp dưới — all for the council, own for units."""
    row = await projections.round_row(runtime.pool, round_id)
    if row is None or not _sees(principal, row["org_path"]):
        raise not_found("round_not_found")
    under = None if principal.covers(row["org_path"]) else principal.org_scope
    rows = await projections.nominations_of(runtime.pool, round_id, under)
    return [NominationView.model_validate(r) for r in rows]


@router.post("/rounds/{round_id}/nominations/{nomination_id}/grant", status_code=201, tags=["grants"],
             response_model=handlers.Granted)
async def grant(round_id: UUID, nomination_id: UUID, runtime: Runtime, principal: Council,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Quyết định khen thưởng theo đề nghị, trong chỉ tiêu — grant a nomination, within the quota."""
    grant_id = uuid.uuid4()
    response = await run_command(runtime.executor, "GrantAward", principal,
                                 lambda tx: handlers.grant_award(round_id, nomination_id, grant_id, tx),
                                 payload={"round_id": str(round_id), "nomination_id": str(nomination_id)},
                                 idempotency_key=idempotency_key, retries_on_conflict=RACE_RETRIES)
    await _refresh_gauge(runtime)
    return response


@router.get("/eligible-models", tags=["nominations"], response_model=list[EligibleModelView])
async def list_eligible(runtime: Runtime, principal: Reader, under: UnderFilter = None) -> list[EligibleModelView]:
    """Mô hình đủ điều kiện đề nghị (đã đạt kiểm tra) — models that passed inspection, in scope."""
    root = under or principal.org_scope
    ensure_scope(principal, root)
    rows = await projections.eligible_under(runtime.pool, root)
    return [EligibleModelView.model_validate(r) for r in rows]
