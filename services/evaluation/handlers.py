"""One function per evaluation command: load, let the aggregate decide, save, project, publish."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from services.evaluation import projections
from services.evaluation.commands import DefineCriteriaSet, RecordInspection
from services.evaluation.domain import (
    CriteriaSet,
    CriteriaSetDefined,
    Criterion,
    GivenScore,
    Inspection,
    InspectionRecorded,
)
from shared import hierarchy
from shared.auth.scope import ensure_covers, unit_in_scope
from shared.commands import CommandHandlers, Transaction
from shared.contracts import CriterionScore, InspectionFailed, InspectionPassed
from shared.domain.aggregate import DomainError, InvalidInput, Problem

HANDLERS = CommandHandlers()


class CriteriaSetIssued(BaseModel):
    id: UUID
    code: str
    org_path: str
    version: int


class InspectionResult(BaseModel):
    id: UUID
    model_id: UUID
    passed: bool
    total_score: float
    pass_score: float
    version: int


def criteria_set_stream(criteria_set_id: UUID) -> str:
    return f"criteria-set-{criteria_set_id}"


def inspection_stream(inspection_id: UUID) -> str:
    return f"inspection-{inspection_id}"


@HANDLERS.handles(DefineCriteriaSet, status=201)
async def define_criteria_set(cmd: DefineCriteriaSet, tx: Transaction) -> CriteriaSetIssued:
    """Ban hành bộ tiêu chí: only within the caller's scope; the code is unique at the issuing unit."""
    issuer = await unit_in_scope(tx.conn, tx.ctx.principal, cmd.org_path)
    criteria_set_id = uuid.uuid4()
    criteria_set = CriteriaSet()
    criteria_set.define(
        criteria_set_id=criteria_set_id, code=cmd.code, name=cmd.name, org_path=cmd.org_path,
        org_unit_id=issuer.id, year=cmd.year,
        valid_from=cmd.valid_from, pass_score=cmd.pass_score,
        criteria=[Criterion(**c.model_dump()) for c in cmd.criteria], at=tx.ctx.now)
    defined = criteria_set.pending[0]
    assert isinstance(defined, CriteriaSetDefined)
    if await projections.criteria_set_code_taken(tx.conn, issuer.id, cmd.code):
        raise DomainError("criteria_set_code_taken", code=cmd.code, org_path=cmd.org_path)
    try:
        await tx.save(criteria_set, criteria_set_stream(criteria_set_id), "criteria_set")
    except asyncpg.UniqueViolationError as exc:
        # Two issuers raced for the same code: the loser's whole transaction rolls back.
        raise DomainError("criteria_set_code_taken", code=cmd.code, org_path=cmd.org_path) from exc
    return CriteriaSetIssued(id=criteria_set_id, code=defined.code, org_path=defined.org_path,
                             version=criteria_set.version)


@HANDLERS.handles(RecordInspection, status=201)
async def record_inspection(cmd: RecordInspection, tx: Transaction) -> InspectionResult:
    """Ghi kết quả kiểm tra, đánh giá, then tell everyone whether the model passed.

    The model comes from this service's own read model of the registry's events, so a model
    registered a moment ago may not be known yet: the answer then says so, and a retry succeeds.
    A model may be inspected again (see `Inspection`); the latest inspection counts.
    """
    model = await projections.known_model(tx.conn, cmd.model_id)
    criteria_set = await tx.load(CriteriaSet, criteria_set_stream(cmd.criteria_set_id))
    unknown = []
    if model is None:
        unknown.append(Problem("model_id", "model_unknown", {}))
    if criteria_set is None:
        unknown.append(Problem("criteria_set_id", "criteria_set_unknown", {}))
    if model is None or criteria_set is None:
        raise InvalidInput.of(unknown)
    owner = await hierarchy.unit_of(tx.conn, model.owner_org_unit_id, model.owner_org_path)
    if owner is None:
        raise InvalidInput("model_id", "model_unknown")
    await ensure_covers(tx.conn, tx.ctx.principal, owner, model.model_id)
    rules = criteria_set.defined
    applies = rules is not None and await hierarchy.carried_within(
        tx.conn, model.owner_org_unit_id, model.owner_org_path, model.model_id, rules.org_unit_id, rules.org_path)
    inspection_id = uuid.uuid4()
    inspection = Inspection()
    inspection.assess(
        inspection_id=inspection_id, model=model, criteria_set=criteria_set, applies=applies,
        scores=[GivenScore(s.code, s.score) for s in cmd.scores], inspected_on=cmd.inspected_on,
        notes=cmd.notes, at=tx.ctx.now)
    recorded = inspection.pending[0]
    assert isinstance(recorded, InspectionRecorded)
    await tx.save(inspection, inspection_stream(inspection_id), "inspection")
    await tx.publish(outcome_contract(recorded), entity=f"inspections/{inspection_id}")
    return InspectionResult(id=inspection_id, model_id=recorded.model_id, passed=recorded.passed,
                            total_score=recorded.total_score, pass_score=recorded.pass_score,
                            version=inspection.version)


def outcome_contract(e: InspectionRecorded) -> InspectionPassed | InspectionFailed:
    """The internal event mapped to its public contract: about the model's owner, not the inspector."""
    contract = InspectionPassed if e.passed else InspectionFailed
    return contract(
        org_path=e.owner_org_path, inspection_id=e.inspection_id, model_id=e.model_id, model_title=e.model_title,
        owner_org_unit_id=e.owner_org_unit_id, owner_org_name=e.owner_org_name, recipient_kind=e.recipient_kind,
        criteria_set_id=e.criteria_set_id,
        criteria_set_name=e.criteria_set_name,
        scores=[CriterionScore(code=s.code, score=s.score, max_score=s.max_score) for s in e.scores],
        total_score=e.total_score, pass_score=e.pass_score, inspected_at=e.inspected_at)
