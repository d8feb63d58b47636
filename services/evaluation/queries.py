"""What the evaluation service answers to readers: criteria sets, inspections and the models it knows,
each as a typed shape, every list a page.

Who sees what follows the hierarchy, never a copied path: a model and its inspections are seen by the
units whose subtree carries the model's owner now (after a merge, the successor's users see what the
merged communes carried); a criteria set is seen by the units below its issuer (it applies to them)
and by the issuer's ancestors. Rows stored before units had ids are found through `dvk_unit_of`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from shared.http.pages import Page, Paging, fetch_page

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool
LATEST_FIRST = "inspected_on desc, recorded_at desc, id desc"
"""The order in which "the latest inspection counts" is decided, here and in every query."""


class CriterionOut(BaseModel):
    code: str
    name_vi: str
    name_en: str
    max_score: float


class CriteriaSetOut(BaseModel):
    """Bộ tiêu chí — a criteria set as issued."""

    id: UUID
    code: str
    name: str
    org_path: str
    org_unit_id: UUID | None
    year: int | None
    valid_from: date | None
    pass_score: float
    max_total: float
    criteria: list[CriterionOut]
    defined_at: datetime
    defined_by: str
    version: int


class ScoreOut(BaseModel):
    code: str
    score: float
    max_score: float


class InspectionOut(BaseModel):
    """Kết quả kiểm tra — one inspection of one model; `owner_org_path` is the owner's path then."""

    id: UUID
    model_id: UUID
    model_title: str
    owner_org_path: str
    owner_org_unit_id: UUID | None
    criteria_set_id: UUID
    criteria_set_name: str
    scores: list[ScoreOut]
    total_score: float
    pass_score: float
    passed: bool
    inspected_on: date
    notes: str | None
    recorded_at: datetime
    recorded_by: str
    version: int


class LatestInspection(BaseModel):
    id: UUID
    criteria_set_id: UUID
    criteria_set_name: str
    passed: bool
    total_score: float
    pass_score: float
    inspected_on: date


class KnownModelOut(BaseModel):
    """Mô hình đã biết — a registered model as evaluation heard of it, with the inspection that counts."""

    model_id: UUID
    title: str
    owner_org_unit_id: UUID
    owner_org_path: str
    owner_org_name: str
    recipient_kind: str
    field: str
    year: int
    registered_at: datetime
    synced_at: datetime
    latest_inspection: LatestInspection | None


def _decoded(row: dict[str, Any], *json_columns: str) -> dict[str, Any]:
    for column in json_columns:
        if isinstance(row.get(column), str):
            row[column] = json.loads(row[column])
    return row


_SET_UNIT = "dvk_carrier(dvk_unit_of(c.org_unit_id, c.org_path))"
_VISIBLE_SETS = f"""
    select c.* from criteria_sets c
     where ({_SET_UNIT} in (select dvk_subtree($1)) or $1 in (select dvk_subtree({_SET_UNIT})))
       and ($2::int is null or c.year = $2 or (c.year is null and extract(year from c.valid_from) <= $2))"""
"""Criteria sets issued at or below the unit, or above it (they then apply to it)."""


async def criteria_sets(db: Db, root: UUID, year: int | None, paging: Paging) -> Page[CriteriaSetOut]:
    return await fetch_page(db, _VISIBLE_SETS, root, year, order_by="org_path, defined_at, id", paging=paging,
                            item=lambda row: CriteriaSetOut(**_decoded(row, "criteria")))


async def criteria_set(db: Db, scope: UUID, criteria_set_id: UUID) -> CriteriaSetOut | None:
    row = await db.fetchrow(f"select * from ({_VISIBLE_SETS}) v where v.id = $3", scope, None, criteria_set_id)
    return None if row is None else CriteriaSetOut(**_decoded(dict(row), "criteria"))


_WITH_LATEST = f"""
    select m.*, to_jsonb(li) as latest_inspection
    from known_models m
    left join lateral (
        select i.id, i.criteria_set_id, i.criteria_set_name, i.passed, i.total_score, i.pass_score, i.inspected_on
        from inspections i where i.model_id = m.model_id order by {LATEST_FIRST} limit 1) li on true"""


async def known_models(db: Db, root: UUID, year: int | None, paging: Paging) -> Page[KnownModelOut]:
    sql = f"""{_WITH_LATEST}
        where dvk_carrier(dvk_unit_of(m.owner_org_unit_id, m.owner_org_path), m.model_id)
              in (select dvk_subtree($1))
          and ($2::int is null or m.year = $2)"""
    return await fetch_page(db, sql, root, year, order_by="registered_at, model_id", paging=paging,
                            item=lambda row: KnownModelOut(**_decoded(row, "latest_inspection")))


async def known_model(db: Db, model_id: UUID) -> KnownModelOut | None:
    row = await db.fetchrow(f"{_WITH_LATEST} where m.model_id = $1", model_id)
    return None if row is None else KnownModelOut(**_decoded(dict(row), "latest_inspection"))


async def inspections(db: Db, root: UUID, model_id: UUID | None, passed: bool | None,
                      paging: Paging) -> Page[InspectionOut]:
    """Newest first: for one model, the first row is the inspection that counts."""
    sql = """select * from inspections i
        where dvk_carrier(dvk_unit_of(i.owner_org_unit_id, i.owner_org_path), i.model_id) in (select dvk_subtree($1))
          and ($2::uuid is null or i.model_id = $2) and ($3::boolean is null or i.passed = $3)"""
    return await fetch_page(db, sql, root, model_id, passed, order_by=LATEST_FIRST, paging=paging,
                            item=lambda row: InspectionOut(**_decoded(row, "scores")))


async def inspection(db: Db, inspection_id: UUID) -> InspectionOut | None:
    row = await db.fetchrow("select * from inspections where id = $1", inspection_id)
    return None if row is None else InspectionOut(**_decoded(dict(row), "scores"))
