"""The registry's own read models, written in the command's transaction.

The hierarchy itself lives in the shared hierarchy tables (`shared.hierarchy`), fed by the contracts
the registry publishes. Beside it the registry keeps `org_unit_codes` — one row per standing unit,
unique per (parent, code) — so two administrators claiming the same code under the same parent at
once get one success and one refusal from the database itself, and `models`.

`models` is the projection `registry.models`, fed the events `Transaction.save` appends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.registry.event_types import EVENT_TYPES
from services.registry.models import ModelChanged, ModelRecorded, ModelWithdrawalRecorded, ReplicationRecorded
from services.registry.plans import (
    BlocFormed,
    BlocMembersChanged,
    ParticipationRecorded,
    PlanRecorded,
    ReportRecorded,
)
from shared.domain.aggregate import DomainError
from shared.projections import Projection
from shared.store.event_store import StoredEvent

_ROOT = UUID(int=0)
"""The parent key of root units (a null would never collide in a unique index)."""


def _parent_key(parent_id: UUID | None) -> UUID:
    return parent_id or _ROOT


async def code_taken(conn: asyncpg.Connection, parent_id: UUID | None, code: str) -> bool:
    return bool(await conn.fetchval(
        "select exists(select 1 from org_unit_codes where parent_key = $1 and code = $2)",
        _parent_key(parent_id), code))


async def code_holder(conn: asyncpg.Connection, parent_id: UUID | None, code: str) -> UUID | None:
    holder: UUID | None = await conn.fetchval(
        "select org_unit_id from org_unit_codes where parent_key = $1 and code = $2", _parent_key(parent_id), code)
    return holder


async def code_holders(conn: asyncpg.Connection, wanted: Sequence[tuple[UUID | None, str]]) -> list[UUID | None]:
    """`code_holder` for many (parent, code) pairs in one query, in the order asked."""
    rows = await conn.fetch(
        """select c.org_unit_id from unnest($1::uuid[], $2::text[]) with ordinality as w(parent_key, code, n)
           left join org_unit_codes c on c.parent_key = w.parent_key and c.code = w.code order by w.n""",
        [_parent_key(p) for p, _ in wanted], [c for _, c in wanted])
    return [r["org_unit_id"] for r in rows]


async def claim_code(conn: asyncpg.Connection, org_unit_id: UUID, parent_id: UUID | None, code: str) -> None:
    try:
        await conn.execute("insert into org_unit_codes (org_unit_id, parent_key, code) values ($1, $2, $3)",
                           org_unit_id, _parent_key(parent_id), code)
    except asyncpg.UniqueViolationError as exc:
        # Another administrator claimed the same code under the same parent at the same moment.
        raise DomainError("org_unit_code_taken", code=code) from exc


async def claim_codes(conn: asyncpg.Connection, claims: Sequence[tuple[UUID, UUID | None, str]]) -> None:
    """`claim_code` for many (unit, parent, code) at once: an import's units, in one statement."""
    try:
        await conn.execute(
            """insert into org_unit_codes (org_unit_id, parent_key, code)
               select * from unnest($1::uuid[], $2::uuid[], $3::text[])""",
            [c[0] for c in claims], [_parent_key(c[1]) for c in claims], [c[2] for c in claims])
    except asyncpg.UniqueViolationError as exc:
        # Another administrator claimed one of these codes under the same parent at the same moment.
        taken = re.search(r"=\([^,]+, (.+)\) already exists", exc.detail or "")
        raise DomainError("org_unit_code_taken", code=taken.group(1) if taken else "?") from exc


async def move_code(conn: asyncpg.Connection, org_unit_id: UUID, parent_id: UUID, code: str) -> None:
    try:
        await conn.execute("update org_unit_codes set parent_key = $2 where org_unit_id = $1", org_unit_id, parent_id)
    except asyncpg.UniqueViolationError as exc:
        raise DomainError("org_unit_code_taken", code=code) from exc


async def release_codes(conn: asyncpg.Connection, org_unit_ids: Sequence[UUID]) -> None:
    """An ended unit's code is free again under its parent."""
    await conn.execute("delete from org_unit_codes where org_unit_id = any($1::uuid[])", list(org_unit_ids))


async def clashing_codes(conn: asyncpg.Connection, merged_ids: Sequence[UUID], successor_id: UUID) -> frozenset[str]:
    """Codes that two units would share once the merged units' children stand under the successor."""
    rows = await conn.fetch(
        """select code from org_unit_codes where parent_key = any($1::uuid[])
           group by code having count(*) > 1""", [*merged_ids, successor_id])
    return frozenset(r["code"] for r in rows)


async def adopt_children(conn: asyncpg.Connection, merged_ids: Sequence[UUID], successor_id: UUID) -> None:
    await conn.execute("update org_unit_codes set parent_key = $2 where parent_key = any($1::uuid[])",
                       list(merged_ids), successor_id)


async def has_units(conn: asyncpg.Connection, org_unit_id: UUID) -> bool:
    return bool(await conn.fetchval("select exists(select 1 from org_unit_codes where parent_key = $1)", org_unit_id))


async def carried_models(conn: asyncpg.Connection, org_unit_id: UUID) -> list[UUID]:
    """The models a unit carries now: its own and those of the units it succeeded."""
    rows = await conn.fetch("select id from models where dvk_carrier(owner_org_unit_id, id) = $1 order by id",
                            org_unit_id)
    return [r["id"] for r in rows]


async def add_models(conn: asyncpg.Connection, events: Sequence[StoredEvent]) -> None:
    """The models of `ModelRecorded` events, in one statement (a command's one, or a rebuild's batch)."""
    rows = []
    for event in events:
        e = EVENT_TYPES.load(event.event_type, event.payload)
        assert isinstance(e, ModelRecorded)
        rows.append((e.model_id, e.title, e.description, e.owner_org_unit_id, e.owner_org_path, e.owner_org_name,
                     e.recipient_kind, e.field.value, e.year, e.at, str(event.metadata["actor"]), event.version,
                     e.sub_field.value if e.sub_field else None,
                     e.person.model_dump_json() if e.person is not None else None))
    if not rows:
        return
    await conn.execute(
        """insert into models (id, title, description, owner_org_unit_id, owner_org_path, owner_org_name,
                               recipient_kind, field, year, status, registered_at, registered_by, version,
                               sub_field, person)
           select id, title, description, owner, path, name, kind, field, year, 'registered', at, actor, version,
                  sub_field, person::jsonb
           from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::int[], $10::timestamptz[], $11::text[], $12::int[], $13::text[], $14::text[])
                as t(id, title, description, owner, path, name, kind, field, year, at, actor, version, sub_field,
                     person)
           on conflict (id) do nothing""",
        *(list(column) for column in zip(*rows, strict=True)))


_COLUMNS = {"title": "title", "description": "description", "field": "field", "sub_field": "sub_field",
            "year": "year", "person": "person"}
"""Amendable field → its column (services/registry/models.py AMENDABLE)."""


async def _change_model(conn: asyncpg.Connection, event: StoredEvent) -> None:
    """An amendment or a withdrawal; `version < $2` makes a second apply of the same event change nothing."""
    e = EVENT_TYPES.load(event.event_type, event.payload)
    if isinstance(e, ModelChanged):
        values = [json.dumps(v, ensure_ascii=False) if k == "person" and v is not None else v
                  for k, v in e.changes.items()]
        sets = ", ".join(f"{_COLUMNS[k]} = ${i}{'::jsonb' if k == 'person' else ''}"
                         for i, k in enumerate(e.changes, start=3))
        await conn.execute(f"update models set {sets}, version = $2 where id = $1 and version < $2",
                           e.model_id, event.version, *values)
    elif isinstance(e, ReplicationRecorded):
        await conn.execute("update models set replicates_model_id = $3, version = $2 where id = $1 and version < $2",
                           e.model_id, event.version, e.source_model_id)
    elif isinstance(e, ModelWithdrawalRecorded):
        await conn.execute(
            """update models set status = 'withdrawn', withdrawn_at = $3, withdrawn_reason = $4, version = $2
               where id = $1 and version < $2""", e.model_id, event.version, e.at, e.reason)


class ModelsProjection(Projection):
    """The registered models, one row per model stream."""

    name = "registry.models"
    tables = ("models",)
    handles = frozenset({ModelRecorded.NAME, ModelChanged.NAME, ModelWithdrawalRecorded.NAME,
                         ReplicationRecorded.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[StoredEvent]) -> None:
        """Registrations in one statement; amendments and withdrawals (rarer), in order, one each."""
        pending: list[StoredEvent] = []
        for event in events:
            if event.event_type == ModelRecorded.NAME:
                pending.append(event)
                continue
            await add_models(conn, pending)
            pending = []
            await _change_model(conn, event)
        await add_models(conn, pending)


class PlansProjection(Projection):
    """Plans, and what units submitted against their deadlines (their own plans, their reports)."""

    name = "registry.plans"
    tables = ("plans", "plan_submissions", "plan_participations")
    handles = frozenset({PlanRecorded.NAME, ReportRecorded.NAME, ParticipationRecorded.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        e = EVENT_TYPES.load(event.event_type, event.payload)
        actor = str(event.metadata["actor"])
        if isinstance(e, PlanRecorded):
            document = e.model_dump(mode="json", include={"basis", "purposes", "targets", "tasks", "deadlines",
                                                          "recipient_ids"})
            await conn.execute(
                """insert into plans (id, org_unit_id, org_path, org_name, number, title, period_from, period_to,
                                      issued_on, parent_plan_id, document, recorded_at, recorded_by, version)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14)
                   on conflict (id) do nothing""",
                e.plan_id, e.org_unit_id, e.org_path, e.org_name, e.number, e.title, e.period_from, e.period_to,
                e.issued_on, e.parent_plan_id, json.dumps(document, ensure_ascii=False), e.at, actor, event.version)
            if e.parent_plan_id is not None and e.answers_deadline is not None:
                await _submitted(conn, e.parent_plan_id, e.answers_deadline, e.org_unit_id, e.org_path, e.org_name,
                                 "plan", e.plan_id, e.issued_on, e.late, e.at)
        elif isinstance(e, ReportRecorded):
            await _submitted(conn, e.plan_id, e.deadline_code, e.org_unit_id, e.org_path, e.org_name, "report",
                             e.report_id, e.submitted_on, e.late, e.at)
        elif isinstance(e, ParticipationRecorded):
            await conn.execute(
                """insert into plan_participations (plan_id, org_unit_id, org_path, org_name, commitment,
                                                    registered_on, recorded_at)
                   values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing""",
                e.plan_id, e.org_unit_id, e.org_path, e.org_name, e.commitment, e.registered_on, e.at)


async def _submitted(conn: asyncpg.Connection, plan_id: UUID, deadline_code: str, org_unit_id: UUID, org_path: str,
                     org_name: str, kind: str, item_id: UUID, submitted_on: date, late: bool, at: datetime) -> None:
    await conn.execute(
        """insert into plan_submissions (plan_id, deadline_code, org_unit_id, org_path, org_name, kind, item_id,
                                         submitted_on, late, recorded_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing""",
        plan_id, deadline_code, org_unit_id, org_path, org_name, kind, item_id, submitted_on, late, at)


class BlocsProjection(Projection):
    """Emulation blocs and their members now."""

    name = "registry.blocs"
    tables = ("emulation_blocs", "bloc_members")
    handles = frozenset({BlocFormed.NAME, BlocMembersChanged.NAME})

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        e = EVENT_TYPES.load(event.event_type, event.payload)
        if isinstance(e, BlocFormed):
            await conn.execute(
                """insert into emulation_blocs (id, code, name, org_unit_id, org_path, formed_at, version)
                   values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing""",
                e.bloc_id, e.code, e.name, e.org_unit_id, e.org_path, e.at, event.version)
        elif isinstance(e, BlocMembersChanged):
            # An older change applied again (a rebuild's catch-up) must not undo a newer one.
            if await conn.fetchval("update emulation_blocs set version = $2 where id = $1 and version <= $2 "
                                   "returning id", e.bloc_id, event.version) is None:
                return
            await conn.execute("delete from bloc_members where bloc_id = $1", e.bloc_id)
        else:
            return
        await conn.execute(
            "insert into bloc_members select $1, unnest($2::uuid[]) on conflict do nothing", e.bloc_id, e.member_ids)


PROJECTIONS: list[Projection] = [ModelsProjection(), PlansProjection(), BlocsProjection()]
