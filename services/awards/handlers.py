"""One function per awards command: load the round, let it decide, save, project, publish.

Each runs inside the executor's single transaction. Nominating and granting are retried by the
route on a lost race (`retries_on_conflict`), so every attempt must decide afresh from what it
loads — nothing here caches round state between attempts.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from pydantic import BaseModel

from services.awards import projections
from services.awards.commands import GrantAward, NominateModel, OpenRound
from services.awards.domain import AwardType, ModelNominated, Round, RoundOpened
from shared import hierarchy
from shared.auth.scope import ensure_covers, unit_in_scope
from shared.commands import CommandHandlers, Transaction
from shared.contracts import AwardGranted, RecipientKind
from shared.http.errors import invalid_field, not_found

HANDLERS = CommandHandlers()
RACE_RETRIES = 3
"""A round is one stream: concurrent nominations or grants race on its version. The loser reloads
and decides again (so the quota check always sees the winner's grant) up to this many times."""


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


@HANDLERS.handles(OpenRound, status=201)
async def open_round(cmd: OpenRound, tx: Transaction) -> RoundCreated:
    """Only the awarding body itself (or a unit above it) opens its rounds."""
    body = await unit_in_scope(tx.conn, tx.ctx.principal, cmd.org_path)
    round_id = uuid.uuid4()
    new = Round.open(round_id=round_id, name=cmd.name, kind=cmd.kind, year=cmd.year, org_path=cmd.org_path,
                     org_unit_id=body.id, quotas=[q.to_domain() for q in cmd.quotas],
                     decision_date=cmd.decision_date, at=tx.ctx.now)
    opened = new.pending[0]
    assert isinstance(opened, RoundOpened)
    await tx.save(new, round_stream(round_id), "round")
    return RoundCreated(id=round_id, org_path=opened.org_path, version=new.version)


@HANDLERS.handles(NominateModel, status=201, retries_on_conflict=RACE_RETRIES)
async def nominate_model(cmd: NominateModel, tx: Transaction) -> Nominated:
    """A unit nominates its own models (the caller's scope must cover the model, not the round)."""
    round_id, nomination_id = cmd.round_id, uuid.uuid4()
    found = await _load_round(tx, round_id)
    opened = found.opened
    assert opened is not None
    model = await projections.eligible_model(tx.conn, cmd.model_id)
    owner = None if model is None else await hierarchy.unit_of(tx.conn, model.owner_org_unit_id, model.org_path)
    if model is None or owner is None:
        raise invalid_field("model_id", "model_not_eligible")
    await ensure_covers(tx.conn, tx.ctx.principal, owner, model.model_id)
    inside = await hierarchy.carried_within(tx.conn, model.owner_org_unit_id, model.org_path, model.model_id,
                                            opened.org_unit_id, opened.org_path)
    found.nominate(nomination_id=nomination_id, model=model, inside=inside, award_type=cmd.award_type,
                   summary=cmd.summary, at=tx.ctx.now)
    nominated = found.pending[0]
    assert isinstance(nominated, ModelNominated)
    await tx.save(found, round_stream(round_id), "round")
    return Nominated(id=nomination_id, round_id=round_id, model_id=model.model_id, award_type=cmd.award_type,
                     recipient_kind=model.recipient_kind, version=found.version)


@HANDLERS.handles(GrantAward, status=201, retries_on_conflict=RACE_RETRIES)
async def grant_award(cmd: GrantAward, tx: Transaction) -> Granted:
    """The council of the awarding body decides; the round refuses past the quota.

    The public event is about the recipient model's owner unit (its subject carries that org path),
    so the unit and its ancestors can subscribe to what is decided about it.
    """
    round_id, nomination_id, grant_id = cmd.round_id, cmd.nomination_id, uuid.uuid4()
    found = await _load_round(tx, round_id)
    opened = found.opened
    assert opened is not None
    body = await hierarchy.unit_of(tx.conn, opened.org_unit_id, opened.org_path)
    if body is None:
        raise not_found("round_not_found")
    await ensure_covers(tx.conn, tx.ctx.principal, body)
    granted = found.grant(nomination_id=nomination_id, grant_id=grant_id, at=tx.ctx.now)
    nomination = found.nominations[nomination_id]
    model = nomination.model
    await tx.save(found, round_stream(round_id), "round")
    await tx.publish(AwardGranted(
        org_path=model.org_path, grant_id=grant_id, round_id=round_id, round_name=opened.name,
        award_type=granted.award_type.value, recipient_kind=granted.recipient_kind, model_id=model.model_id,
        model_title=model.title, owner_org_unit_id=model.owner_org_unit_id, owner_org_name=model.owner_org_name,
        quota=granted.quota,
        granted_in_quota=granted.granted_in_quota, granted_at=granted.at), entity=f"awards/{grant_id}")
    return Granted(id=grant_id, round_id=round_id, nomination_id=nomination_id, model_id=model.model_id,
                   org_path=model.org_path, award_type=granted.award_type, recipient_kind=granted.recipient_kind,
                   quota=granted.quota, granted_in_quota=granted.granted_in_quota,
                   remaining=granted.quota - granted.granted_in_quota, version=found.version)
