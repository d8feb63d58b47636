"""The awards service's read models: written in the command's (or the consumer's) transaction.

`eligible_models` is this service's own copy of the evaluation service's facts (services never
read each other's databases); the round tables mirror the round streams for the query routes.
"""

from __future__ import annotations

from typing import TypeAlias
from uuid import UUID

import asyncpg

from services.awards.domain import EVENT_TYPES, AwardGrantedInRound, EligibleModel, ModelNominated, RoundOpened
from shared.contracts import InspectionPassed
from shared.projections import Projection
from shared.store.event_store import StoredEvent

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def record_passed_inspection(conn: asyncpg.Connection, e: InspectionPassed, source: StoredEvent) -> bool:
    """Upsert a model's latest passed inspection; an older or replayed one never overwrites a newer.

    Deliveries may arrive out of order (redelivery, a parent's stream sourcing a child's), so the
    row only moves forward in (inspected_at, inspection_id) order. Returns whether it changed.
    """
    changed = await conn.fetchval(
        """insert into eligible_models as m (model_id, title, org_path, owner_org_name, recipient_kind,
                                             inspection_id, total_score, passed_at, updated_at, owner_org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (model_id) do update set
               title = excluded.title, org_path = excluded.org_path, owner_org_name = excluded.owner_org_name,
               owner_org_unit_id = excluded.owner_org_unit_id,
               recipient_kind = excluded.recipient_kind, inspection_id = excluded.inspection_id,
               total_score = excluded.total_score, passed_at = excluded.passed_at, updated_at = excluded.updated_at
           where (m.passed_at, m.inspection_id) < (excluded.passed_at, excluded.inspection_id)
           returning true""",
        e.model_id, e.model_title, e.org_path, e.owner_org_name, e.recipient_kind, e.inspection_id,
        e.total_score, e.inspected_at, source.recorded_at, e.owner_org_unit_id)
    return bool(changed)


async def eligible_model(conn: Executor, model_id: UUID) -> EligibleModel | None:
    row = await conn.fetchrow("select * from eligible_models where model_id = $1", model_id)
    if row is None:
        return None
    return EligibleModel(model_id=row["model_id"], title=row["title"], org_path=row["org_path"],
                         owner_org_name=row["owner_org_name"], recipient_kind=row["recipient_kind"],
                         inspection_id=row["inspection_id"], total_score=row["total_score"],
                         owner_org_unit_id=row["owner_org_unit_id"])


async def add_round(conn: asyncpg.Connection, e: RoundOpened, actor: str, version: int) -> None:
    await conn.execute(
        """insert into rounds (id, name, kind, year, org_path, decision_date, opened_at, opened_by, version,
                               org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (id) do nothing""",
        e.round_id, e.name, e.kind.value, e.year, e.org_path, e.decision_date, e.at, actor, version, e.org_unit_id)
    await conn.executemany(
        """insert into quotas (round_id, award_type, recipient_kind, quota) values ($1, $2, $3, $4)
           on conflict do nothing""",
        [(e.round_id, q.award_type.value, q.recipient_kind, q.quota) for q in e.quotas])


async def _advance_round(conn: asyncpg.Connection, round_id: UUID, version: int) -> None:
    """Projections ignore stale versions: only a newer version of the round moves the row."""
    await conn.execute("update rounds set version = $2 where id = $1 and version < $2", round_id, version)


async def add_nomination(conn: asyncpg.Connection, round_id: UUID, e: ModelNominated, actor: str,
                         version: int) -> None:
    m = e.model
    await conn.execute(
        """insert into nominations (id, round_id, model_id, award_type, recipient_kind, model_title, owner_org_path,
                                    owner_org_name, inspection_id, total_score, summary, nominated_at, nominated_by,
                                    owner_org_unit_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           on conflict (id) do nothing""",
        e.nomination_id, round_id, m.model_id, e.award_type.value, m.recipient_kind, m.title, m.org_path,
        m.owner_org_name, m.inspection_id, m.total_score, e.summary, e.at, actor, m.owner_org_unit_id)
    await _advance_round(conn, round_id, version)


async def add_grant(conn: asyncpg.Connection, round_id: UUID, e: AwardGrantedInRound, actor: str,
                    version: int) -> None:
    """The model and its owner come from the nomination row this same projection wrote."""
    await conn.execute(
        """insert into grants (id, round_id, nomination_id, model_id, award_type, recipient_kind, owner_org_path,
                               quota, granted_in_quota, granted_at, granted_by, owner_org_unit_id)
           select $1, $2, $3, n.model_id, $4, $5, n.owner_org_path, $6, $7, $8, $9, n.owner_org_unit_id
           from nominations n where n.id = $3
           on conflict (id) do nothing""",
        e.grant_id, round_id, e.nomination_id, e.award_type.value, e.recipient_kind, e.quota, e.granted_in_quota,
        e.at, actor)
    await conn.execute("update nominations set status = 'granted' where id = $1", e.nomination_id)
    # The count the round decided on, not an increment: replaying the projection gives the same row.
    await conn.execute(
        """update quotas set granted = greatest(granted, $4)
           where round_id = $1 and award_type = $2 and recipient_kind = $3""",
        round_id, e.award_type.value, e.recipient_kind, e.granted_in_quota)
    await _advance_round(conn, round_id, version)


class RoundsProjection(Projection):
    """Rounds with their quotas, nominations and grants: the round streams, one table per kind of row."""

    name = "awards.rounds"
    tables = ("rounds", "quotas", "nominations", "grants")
    handles = frozenset({RoundOpened.NAME, ModelNominated.NAME, AwardGrantedInRound.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        e = EVENT_TYPES.load(event.event_type, event.payload)
        actor = str(event.metadata["actor"])
        round_id = UUID(event.stream_id.removeprefix("round-"))
        if isinstance(e, RoundOpened):
            await add_round(conn, e, actor, event.version)
        elif isinstance(e, ModelNominated):
            await add_nomination(conn, round_id, e, actor, event.version)
        elif isinstance(e, AwardGrantedInRound):
            await add_grant(conn, round_id, e, actor, event.version)


class EligibleModelsProjection(Projection):
    """Models that passed inspection, from the evaluation service's recorded `InspectionPassed` events."""

    name = "awards.eligible_models"
    tables = ("eligible_models",)
    handles = frozenset({InspectionPassed.ce_type()})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        await record_passed_inspection(conn, InspectionPassed.model_validate(event.payload), event)


PROJECTIONS: list[Projection] = [RoundsProjection(), EligibleModelsProjection()]


# --- lookups for handlers and the business gauge ---------------------------------------------------

async def quota_remaining_totals(conn: Executor) -> dict[tuple[str, str], int]:
    """Quota left per (award type, recipient kind), summed over open rounds: the business gauge."""
    rows = await conn.fetch(
        """select q.award_type, q.recipient_kind, sum(q.quota - q.granted)::bigint as remaining
           from quotas q join rounds r on r.id = q.round_id
           where r.status = 'open' group by q.award_type, q.recipient_kind""")
    return {(r["award_type"], r["recipient_kind"]): int(r["remaining"]) for r in rows}

