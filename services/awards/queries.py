"""What the awards service answers to readers: rounds with their quotas, nominations, eligible models,
each a typed shape, every list a page.

Who sees what follows the hierarchy, never a copied path. A round is seen by the units of the
awarding body's subtree and by the bodies above it; its nominations by the council (whose scope
carries the round's unit) in full, and by a unit below only for the models it carries. Eligible
models are seen where their owner is carried now: a merged commune's with its successor. Rows
stored before units had ids are found through `dvk_unit_of`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from services.awards.domain import EligibleModel
from shared.contracts import RecipientKind
from shared.http.pages import Page, Paging, fetch_page

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


class QuotaView(BaseModel):
    award_type: str
    recipient_kind: RecipientKind
    quota: int
    granted: int
    remaining: int


class RoundView(BaseModel):
    """Đợt khen thưởng — a round with each quota's granted and remaining count."""

    id: UUID
    name: str
    kind: str
    year: int
    org_path: str
    org_unit_id: UUID | None
    decision_date: date | None
    status: str
    opened_at: datetime
    opened_by: str
    version: int
    quotas: list[QuotaView] = []


class NominationView(BaseModel):
    """Đề nghị khen thưởng — `owner_org_path` is the owner's path when nominated."""

    id: UUID
    round_id: UUID
    model_id: UUID
    award_type: str
    recipient_kind: RecipientKind
    model_title: str
    owner_org_path: str
    owner_org_unit_id: UUID | None
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
    """Mô hình đủ điều kiện — the snapshot nominations use, and when the model passed."""

    passed_at: datetime


_ROUND_UNIT = "dvk_carrier(dvk_unit_of(r.org_unit_id, r.org_path))"


async def _quotas(db: Db, round_id: UUID) -> list[QuotaView]:
    rows = await db.fetch(
        """select award_type, recipient_kind, quota, granted, quota - granted as remaining
           from quotas where round_id = $1 order by award_type, recipient_kind""", round_id)
    return [QuotaView(**dict(r)) for r in rows]


async def round_view(db: Db, round_id: UUID) -> RoundView | None:
    row = await db.fetchrow("select * from rounds where id = $1", round_id)
    return None if row is None else RoundView(**dict(row), quotas=await _quotas(db, round_id))


async def round_unit(db: Db, view: RoundView) -> UUID | None:
    """The unit carrying the awarding body now (itself, or its successor after a merge)."""
    found: UUID | None = await db.fetchval("select dvk_carrier(dvk_unit_of($1, $2))", view.org_unit_id,
                                           view.org_path)
    return found


async def sees_round(db: Db, scope: UUID, view: RoundView) -> bool:
    """Its own subtree's users, and the units below it that nominate into it."""
    return bool(await db.fetchval(
        """select u in (select dvk_subtree($1)) or $1 in (select dvk_subtree(u))
           from (select dvk_carrier(dvk_unit_of($2, $3)) as u) x""", scope, view.org_unit_id, view.org_path))


async def rounds(db: Db, scope: UUID, year: int | None, paging: Paging) -> Page[RoundView]:
    """Rounds held inside the scope, and rounds of the bodies above it (which the scope nominates to)."""
    sql = f"""select r.* from rounds r
        where ({_ROUND_UNIT} in (select dvk_subtree($1)) or $1 in (select dvk_subtree({_ROUND_UNIT})))
          and ($2::int is null or r.year = $2)"""
    page = await fetch_page(db, sql, scope, year, order_by="opened_at desc, id", paging=paging,
                            item=lambda row: RoundView(**row))
    for view in page.items:
        view.quotas = await _quotas(db, view.id)
    return page


async def nominations(db: Db, round_id: UUID, under: UUID | None, paging: Paging) -> Page[NominationView]:
    """A round's nominations, all of them or (for a unit below the council) only those it carries."""
    sql = """select n.*, g.id as grant_id, g.granted_in_quota, g.granted_at
        from nominations n left join grants g on g.nomination_id = n.id
        where n.round_id = $1
          and ($2::uuid is null or dvk_carrier(dvk_unit_of(n.owner_org_unit_id, n.owner_org_path), n.model_id)
                                   in (select dvk_subtree($2)))"""
    return await fetch_page(db, sql, round_id, under, order_by="nominated_at, id", paging=paging,
                            item=lambda row: NominationView(**row))


async def eligible(db: Db, root: UUID, paging: Paging) -> Page[EligibleModelView]:
    sql = """select * from eligible_models m
        where dvk_carrier(dvk_unit_of(m.owner_org_unit_id, m.org_path), m.model_id) in (select dvk_subtree($1))"""

    def item(row: dict[str, Any]) -> EligibleModelView:
        return EligibleModelView(**{k: v for k, v in row.items() if k in EligibleModelView.model_fields})
    return await fetch_page(db, sql, root, order_by="passed_at desc, model_id", paging=paging, item=item)
