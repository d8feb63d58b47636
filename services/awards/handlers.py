"""One function per awards command: load the round, let it decide, save, project, publish.

Each runs inside the executor's single transaction. Nominating and granting are retried by the
route on a lost race (`retries_on_conflict`), so every attempt must decide afresh from what it
loads — nothing here caches round state between attempts.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from services.awards import projections
from services.awards.commands import NominateModel, OpenRound
from services.awards.domain import AwardType, ModelNominated, Round, RoundOpened
from shared.auth.dependencies import ensure_scope
from shared.commands import Transaction
from shared.contracts import AwardGranted, RecipientKind
from shared.http.errors import invalid_field, not_found


class RoundCreated(BaseModel):
    id: UUID
    org_path: str
    version: int


class Nominated(BaseModel):
    id: UUID
    round_id: UUID
    model_id: UUID
    award_type: AwardType
    recipient_kind: RecipientKind
    version: int


class Granted(BaseModel):
    id: UUID
    round_id: UUID
    nomination_id: UUID
    model_id: UUID
    org_path: str
    award_type: AwardType
    recipient_kind: RecipientKind
    quota: int
    granted_in_quota: int
    remaining: int
    version: int


def round_stream(round_id: UUID) -> str:
    return f"round-{round_id}"


async def _load_round(tx: Transaction, round_id: UUID) -> Round:
    found = await tx.load(Round, round_stream(round_id))
    if found is None or found.opened is None:
        raise not_found("round_not_found")
    return found


async def open_round(cmd: OpenRound, round_id: UUID, tx: Transaction) -> RoundCreated:
    """Only the awarding body itself (or a unit above it) opens its rounds."""
    ensure_scope(tx.ctx.principal, cmd.org_path)
    new = Round.open(round_id=round_id, name=cmd.name, kind=cmd.kind, year=cmd.year, org_path=cmd.org_path,
                     quotas=[q.to_domain() for q in cmd.quotas], decision_date=cmd.decision_date, at=tx.ctx.now)
    opened = new.pending[0]
    assert isinstance(opened, RoundOpened)
    await tx.save(new, round_stream(round_id), "round")
    return RoundCreated(id=round_id, org_path=opened.org_path, version=new.version)


async def nominate_model(cmd: NominateModel, round_id: UUID, nomination_id: UUID, tx: Transaction) -> Nominated:
    """A unit nominates its own models (the caller's scope must cover the model, not the round)."""
    found = await _load_round(tx, round_id)
    model = await projections.eligible_model(tx.conn, cmd.model_id)
    if model is None:
        raise invalid_field("model_id", "model_not_eligible")
    ensure_scope(tx.ctx.principal, model.org_path)
    found.nominate(nomination_id=nomination_id, model=model, award_type=cmd.award_type, summary=cmd.summary,
                   at=tx.ctx.now)
    nominated = found.pending[0]
    assert isinstance(nominated, ModelNominated)
    await tx.save(found, round_stream(round_id), "round")
    return Nominated(id=nomination_id, round_id=round_id, model_id=model.model_id, award_type=cmd.award_type,
                     recipient_kind=model.recipient_kind, version=found.version)


async def grant_award(round_id: UUID, nomination_id: UUID, grant_id: UUID, tx: Transaction) -> Granted:
    """The council of the awarding body decides; the round refuses past the quota.

    The public event is about the recipient model's owner unit (its subject carries that org path),
    so the unit and its ancestors can subscribe to what is decided about it.
    """
    found = await _load_round(tx, round_id)
    opened = found.opened
    assert opened is not None
    ensure_scope(tx.ctx.principal, opened.org_path)
    granted = found.grant(nomination_id=nomination_id, grant_id=grant_id, at=tx.ctx.now)
    nomination = found.nominations[nomination_id]
    model = nomination.model
    await tx.save(found, round_stream(round_id), "round")
    await tx.publish(AwardGranted(
        org_path=model.org_path, grant_id=grant_id, round_id=round_id, round_name=opened.name,
        award_type=granted.award_type.value, recipient_kind=granted.recipient_kind, model_id=model.model_id,
        model_title=model.title, owner_org_name=model.owner_org_name, quota=granted.quota,
        granted_in_quota=granted.granted_in_quota, granted_at=granted.at), entity=f"awards/{grant_id}")
    return Granted(id=grant_id, round_id=round_id, nomination_id=nomination_id, model_id=model.model_id,
                   org_path=model.org_path, award_type=granted.award_type, recipient_kind=granted.recipient_kind,
                   quota=granted.quota, granted_in_quota=granted.granted_in_quota,
                   remaining=granted.quota - granted.granted_in_quota, version=found.version)
