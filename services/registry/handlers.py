"""One function per registry command: load, let the aggregate decide, save, project, publish.

The registry is the source of the hierarchy: each org-unit contract it publishes is applied to its
own copy of the shared hierarchy read model right where it is published, in the command's
transaction, so the next command (and every query) sees the tree the contracts describe. Facts the
aggregates need (a unit's path now, whether a target lies in a subtree, what a unit carries) come
from that copy and from the registry's own tables, never from a path compared with LIKE.
"""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from pydantic import BaseModel

from services.registry import projections
from services.registry.calendar import vn_day
from services.registry.commands import (
    AmendModel,
    ChangeBlocMembers,
    DissolveOrgUnit,
    FormBloc,
    ImportOrgUnits,
    ImportRow,
    IssuePlan,
    MergeOrgUnits,
    MoveOrgUnit,
    RecordReplication,
    RegisterModel,
    RegisterOrgUnit,
    RegisterParticipation,
    RenameOrgUnit,
    SplitOrgUnit,
    SubmitReport,
    WithdrawModel,
)
from services.registry.models import Model, ModelChanged, ModelRecorded
from services.registry.org_units import (
    OrgUnit,
    OrgUnitAbsorbed,
    OrgUnitClosed,
    OrgUnitCreated,
    OrgUnitDivided,
    OrgUnitNameChanged,
    OrgUnitParentChanged,
    Share,
    merge,
    place_of_new_successor,
)
from services.registry.plans import Bloc, Participation, Plan, PlanRecorded, Report, ReportRecorded
from shared import hierarchy
from shared.auth.scope import ensure_covers
from shared.commands import CommandHandlers, Transaction
from shared.contracts import (
    IntegrationEvent,
    ModelAmended,
    ModelRegistered,
    ModelReplicated,
    ModelWithdrawn,
    OrgUnitDissolved,
    OrgUnitMoved,
    OrgUnitRegistered,
    OrgUnitRenamed,
    OrgUnitsMerged,
    OrgUnitSplit,
    ParticipationRegistered,
    PlanDeadline,
    PlanIssued,
    PlanSubmitted,
    ReportSubmitted,
)
from shared.contracts.registry_events import SplitShare
from shared.domain.aggregate import Aggregate, InvalidInput, Problem
from shared.hierarchy import OrgUnitView
from shared.http.errors import ApiError, not_found

HANDLERS = CommandHandlers()


class Registered(BaseModel):
    id: UUID
    org_path: str
    version: int


class Imported(BaseModel):
    created: int
    """Units registered by this import."""
    existing: int
    """Rows whose unit already stood under the same parent with the same code: left as they were."""


class OrgUnitChanged(BaseModel):
    """What a re-organisation answers: the unit concerned (a merge's successor), its path now."""

    id: UUID
    org_path: str
    version: int
    effective_on: date


def org_unit_stream(org_unit_id: UUID) -> str:
    return f"org-unit-{org_unit_id}"


def model_stream(model_id: UUID) -> str:
    return f"model-{model_id}"


# -- what every handler needs ----------------------------------------------------------------------

async def _named(tx: Transaction, org_unit_id: UUID, field: str) -> OrgUnit:
    """A unit a command's body names: unknown is a field-level 422."""
    unit = await tx.load(OrgUnit, org_unit_stream(org_unit_id))
    if unit is None or unit.created is None:
        raise InvalidInput(field, "org_unit_unknown")
    await _ensure_covers(tx, unit)
    return unit


async def _addressed(tx: Transaction, org_unit_id: UUID) -> OrgUnit:
    """The unit a route's path names: unknown is a 404."""
    unit = await tx.load(OrgUnit, org_unit_stream(org_unit_id))
    if unit is None or unit.created is None:
        raise not_found()
    await _ensure_covers(tx, unit)
    return unit


async def _ensure_covers(tx: Transaction, unit: OrgUnit) -> None:
    """An ended unit is judged by the parent it last stood under (nobody may carry it), so acting on
    it is refused for what it is — ended — rather than as out of scope."""
    target = unit.id
    if unit.ended is not None:
        target = (await _now(tx, unit.id)).parent_id or unit.id
    await ensure_covers(tx.conn, tx.ctx.principal, target)


async def _now(tx: Transaction, org_unit_id: UUID) -> OrgUnitView:
    view = await hierarchy.unit(tx.conn, org_unit_id)
    if view is None:
        raise RuntimeError(f"org unit {org_unit_id} is in the event store but not in the hierarchy")
    return view


def _effective(tx: Transaction, effective_on: date | None) -> date:
    return effective_on or vn_day(tx.ctx.now)


async def _publish(tx: Transaction, contract: IntegrationEvent, org_unit_id: UUID) -> None:
    await tx.publish(contract, entity=f"org-units/{org_unit_id}")
    await hierarchy.apply(tx.conn, contract)


def _registered(created: OrgUnitCreated, effective_on: date) -> OrgUnitRegistered:
    return OrgUnitRegistered(
        org_path=created.path, org_unit_id=created.org_unit_id, code=created.code, name=created.name,
        kind=created.kind, parent_id=created.parent_id, registered_at=created.at, effective_on=effective_on)


# -- commands --------------------------------------------------------------------------------------

@HANDLERS.handles(RegisterOrgUnit, status=201)
async def register_org_unit(cmd: RegisterOrgUnit, tx: Transaction) -> Registered:
    principal, org_unit_id = tx.ctx.principal, uuid.uuid4()
    parent = await _named(tx, cmd.parent_id, "parent_id") if cmd.parent_id is not None else None
    parent_path = (await _now(tx, cmd.parent_id)).path if cmd.parent_id is not None else None
    effective_on = _effective(tx, cmd.effective_on)
    unit = OrgUnit.create(org_unit_id=org_unit_id, code=cmd.code, name=cmd.name, kind=cmd.kind, parent=parent,
                          parent_path=parent_path, at=tx.ctx.now, effective_on=effective_on,
                          code_taken=await projections.code_taken(tx.conn, cmd.parent_id, cmd.code))
    created = unit.pending[0]
    assert isinstance(created, OrgUnitCreated)
    if parent is None and principal.org_scope != created.path:
        raise ApiError(403, "org_unit_root_scope", path=created.path)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    await projections.claim_code(tx.conn, org_unit_id, cmd.parent_id, cmd.code)
    await _publish(tx, _registered(created, effective_on), org_unit_id)
    return Registered(id=org_unit_id, org_path=created.path, version=unit.version)


@HANDLERS.handles(RenameOrgUnit, status=200)
async def rename_org_unit(cmd: RenameOrgUnit, tx: Transaction) -> OrgUnitChanged:
    org_unit_id = cmd.org_unit_id
    unit = await _addressed(tx, org_unit_id)
    view = await _now(tx, org_unit_id)
    unit.rename(name=cmd.name, path=view.path, effective_on=_effective(tx, cmd.effective_on), at=tx.ctx.now)
    renamed = unit.pending[0]
    assert isinstance(renamed, OrgUnitNameChanged)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    await _publish(tx, OrgUnitRenamed(
        org_path=view.path, org_unit_id=org_unit_id, old_name=renamed.old_name, name=renamed.name,
        effective_on=renamed.effective_on, renamed_at=renamed.at), org_unit_id)
    return OrgUnitChanged(id=org_unit_id, org_path=view.path, version=unit.version, effective_on=renamed.effective_on)


@HANDLERS.handles(MoveOrgUnit, status=200)
async def move_org_unit(cmd: MoveOrgUnit, tx: Transaction) -> OrgUnitChanged:
    org_unit_id = cmd.org_unit_id
    unit = await _addressed(tx, org_unit_id)
    parent = await _named(tx, cmd.parent_id, "parent_id")
    view, parent_view = await _now(tx, org_unit_id), await _now(tx, cmd.parent_id)
    unit.move(parent=parent, parent_path=parent_view.path, old_parent_id=view.parent_id, old_path=view.path,
              parent_inside=cmd.parent_id in await hierarchy.subtree_ids(tx.conn, org_unit_id),
              code_taken=await projections.code_taken(tx.conn, cmd.parent_id, unit.code),
              effective_on=_effective(tx, cmd.effective_on), at=tx.ctx.now)
    moved = unit.pending[0]
    assert isinstance(moved, OrgUnitParentChanged)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    await projections.move_code(tx.conn, org_unit_id, cmd.parent_id, unit.code)
    await _publish(tx, OrgUnitMoved(
        org_path=moved.path, org_unit_id=org_unit_id, old_parent_id=moved.old_parent_id, parent_id=moved.parent_id,
        old_path=moved.old_path, effective_on=moved.effective_on, moved_at=moved.at), org_unit_id)
    return OrgUnitChanged(id=org_unit_id, org_path=moved.path, version=unit.version, effective_on=moved.effective_on)


@HANDLERS.handles(MergeOrgUnits, status=201)
async def merge_org_units(cmd: MergeOrgUnits, tx: Transaction) -> OrgUnitChanged:
    """Merge into an existing unit (`successor_id`) or into one registered now (`successor`)."""
    if (cmd.successor_id is None) == (cmd.successor is None):
        raise InvalidInput("successor_id", "org_unit_merge_successor_one_of")
    effective_on = _effective(tx, cmd.effective_on)
    merged = [await _named(tx, unit_id, f"merged_ids.{i}") for i, unit_id in enumerate(cmd.merged_ids)]
    views = {unit_id: await _now(tx, unit_id) for unit_id in cmd.merged_ids}
    registered: OrgUnitRegistered | None = None
    if cmd.successor_id is not None:
        successor_id = cmd.successor_id
        successor = await _named(tx, successor_id, "successor_id")
        successor_path = (await _now(tx, successor_id)).path
        inside = False
        for unit_id in set(cmd.merged_ids) - {successor_id}:
            inside = inside or successor_id in await hierarchy.subtree_ids(tx.conn, unit_id)
    else:
        new = cmd.successor
        assert new is not None
        successor_id = uuid.uuid4()
        parent_id = place_of_new_successor({u: v.parent_id for u, v in views.items()}, new.parent_id)
        if parent_id is None:
            raise InvalidInput("successor.parent_id", "org_unit_merge_parent_required")
        parent = await _named(tx, parent_id, "successor.parent_id")
        holder = await projections.code_holder(tx.conn, parent_id, new.code)
        successor = OrgUnit.create(
            org_unit_id=successor_id, code=new.code, name=new.name, kind=new.kind, parent=parent,
            parent_path=(await _now(tx, parent_id)).path, at=tx.ctx.now, effective_on=effective_on,
            code_taken=holder is not None and holder not in cmd.merged_ids)
        created = successor.pending[0]
        assert isinstance(created, OrgUnitCreated)
        successor_path, inside = created.path, False
        registered = _registered(created, effective_on)
    merge(merged, successor, paths={u: v.path for u, v in views.items()}, successor_path=successor_path,
          successor_inside=inside, clashing_codes=await projections.clashing_codes(tx.conn, cmd.merged_ids,
                                                                                   successor_id),
          effective_on=effective_on, at=tx.ctx.now)
    absorbed = successor.pending[-1]
    assert isinstance(absorbed, OrgUnitAbsorbed)
    await tx.save(successor, org_unit_stream(successor_id), "org_unit")
    for unit in merged:
        await tx.save(unit, org_unit_stream(unit.id), "org_unit")
    await projections.release_codes(tx.conn, cmd.merged_ids)
    if registered is not None:
        await projections.claim_code(tx.conn, successor_id, registered.parent_id, registered.code)
        await _publish(tx, registered, successor_id)
    await projections.adopt_children(tx.conn, cmd.merged_ids, successor_id)
    await _publish(tx, OrgUnitsMerged(
        org_path=successor_path, successor_id=successor_id, successor_name=absorbed.name,
        merged_ids=absorbed.merged_ids, merged_paths=absorbed.merged_paths, effective_on=effective_on,
        merged_at=absorbed.at), successor_id)
    return OrgUnitChanged(id=successor_id, org_path=successor_path, version=successor.version,
                          effective_on=effective_on)


@HANDLERS.handles(SplitOrgUnit, status=200)
async def split_org_unit(cmd: SplitOrgUnit, tx: Transaction) -> OrgUnitChanged:
    org_unit_id = cmd.org_unit_id
    unit = await _addressed(tx, org_unit_id)
    view = await _now(tx, org_unit_id)
    shares = []
    for i, share in enumerate(cmd.shares):
        successor = unit if share.org_unit_id == org_unit_id else await _named(
            tx, share.org_unit_id, f"shares.{i}.org_unit_id")
        shares.append(Share(successor, (await _now(tx, share.org_unit_id)).path, share.entity_ids))
    default = unit.split(path=view.path, shares=shares, default_successor_id=cmd.default_successor_id,
                         carried=frozenset(await projections.carried_models(tx.conn, org_unit_id)),
                         has_units=await projections.has_units(tx.conn, org_unit_id),
                         effective_on=_effective(tx, cmd.effective_on), at=tx.ctx.now)
    divided = unit.pending[0]
    assert isinstance(divided, OrgUnitDivided)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    await projections.release_codes(tx.conn, [org_unit_id])
    await _publish(tx, OrgUnitSplit(
        org_path=view.path, org_unit_id=org_unit_id, default_successor_id=default,
        shares=[SplitShare(org_unit_id=s.org_unit_id, org_path=s.path, entity_ids=s.entity_ids)
                for s in divided.shares],
        effective_on=divided.effective_on, split_at=divided.at), org_unit_id)
    return OrgUnitChanged(id=org_unit_id, org_path=view.path, version=unit.version, effective_on=divided.effective_on)


@HANDLERS.handles(DissolveOrgUnit, status=200)
async def dissolve_org_unit(cmd: DissolveOrgUnit, tx: Transaction) -> OrgUnitChanged:
    org_unit_id = cmd.org_unit_id
    unit = await _addressed(tx, org_unit_id)
    view = await _now(tx, org_unit_id)
    successor = None
    if cmd.successor_id is not None:
        successor = unit if cmd.successor_id == org_unit_id else await _named(tx, cmd.successor_id, "successor_id")
    unit.dissolve(path=view.path, successor=successor,
                  carried_models=len(await projections.carried_models(tx.conn, org_unit_id)),
                  has_units=await projections.has_units(tx.conn, org_unit_id), reason=cmd.reason,
                  effective_on=_effective(tx, cmd.effective_on), at=tx.ctx.now)
    closed = unit.pending[0]
    assert isinstance(closed, OrgUnitClosed)
    await tx.save(unit, org_unit_stream(org_unit_id), "org_unit")
    await projections.release_codes(tx.conn, [org_unit_id])
    await _publish(tx, OrgUnitDissolved(
        org_path=view.path, org_unit_id=org_unit_id, successor_id=closed.successor_id, reason=closed.reason,
        effective_on=closed.effective_on, dissolved_at=closed.at), org_unit_id)
    return OrgUnitChanged(id=org_unit_id, org_path=view.path, version=unit.version, effective_on=closed.effective_on)


@HANDLERS.handles(RegisterModel, status=201)
async def register_model(cmd: RegisterModel, tx: Transaction) -> Registered:
    model_id = uuid.uuid4()
    owner = await _named(tx, cmd.owner_org_unit_id, "owner_org_unit_id")
    owner_path = (await _now(tx, cmd.owner_org_unit_id)).path
    model = Model()
    model.register(model_id=model_id, title=cmd.title, description=cmd.description, owner=owner,
                   owner_path=owner_path, recipient_kind=cmd.recipient_kind, field=cmd.field, year=cmd.year,
                   at=tx.ctx.now, sub_field=cmd.sub_field, person=cmd.person)
    recorded = model.pending[0]
    assert isinstance(recorded, ModelRecorded)
    await tx.save(model, model_stream(model_id), "model")
    await tx.publish(ModelRegistered(
        org_path=recorded.owner_org_path, model_id=model_id, title=recorded.title,
        owner_org_unit_id=recorded.owner_org_unit_id, owner_org_name=recorded.owner_org_name,
        recipient_kind=recorded.recipient_kind, field=recorded.field.value, year=recorded.year,
        registered_at=recorded.at), entity=f"models/{model_id}")
    return Registered(id=model_id, org_path=recorded.owner_org_path, version=model.version)



def _import_problems(rows: list[ImportRow]) -> list[Problem]:
    """Every row that names a parent not above it, or repeats a code under the same parent."""
    problems: list[Problem] = []
    seen: set[str] = set()
    first_row: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.parent_code is not None and row.parent_code not in seen:
            problems.append(Problem(f"rows.{i}.parent_code", "import_parent_code_unknown",
                                    {"parent_code": row.parent_code}))
        if row.code in first_row:  # parent_code names a row by its code: codes are unique in an import
            problems.append(Problem(f"rows.{i}.code", "import_code_repeated",
                                    {"code": row.code, "first": first_row[row.code] + 1}))
        else:
            first_row[row.code] = i
        seen.add(row.code)
    return problems


@HANDLERS.handles(ImportOrgUnits, status=200)
async def import_org_units(cmd: ImportOrgUnits, tx: Transaction) -> Imported:
    """All rows in one transaction: a bad row refuses the whole import, naming each bad row.

    Two passes, because every stream this transaction appends to must be loaded before its first
    save (shared/store/log.py): first each row is found standing or not, and the existing units that
    new ones will stand under are loaded; then the new units are created, parents first."""
    problems = _import_problems(cmd.rows)
    if problems:
        raise InvalidInput.of(problems)
    effective_on = _effective(tx, cmd.effective_on)
    top = await _named(tx, cmd.parent_id, "parent_id") if cmd.parent_id is not None else None
    units: dict[str, OrgUnit] = {}
    """A row's code → its unit, for the rows new units stand under: loaded, or created in this import."""
    ids: dict[str, UUID] = {}
    """A row's code → the unit standing there already (found below) or created by this import."""
    paths: dict[str, str] = {}
    # Which rows stand already, a level of the tree per query: a row under a new unit is new itself.
    level = [r for r in cmd.rows if r.parent_code is None]
    while level:
        holders = await projections.code_holders(
            tx.conn, [(ids[r.parent_code] if r.parent_code is not None else cmd.parent_id, r.code) for r in level])
        found = {row.code for row, standing in zip(level, holders, strict=True) if standing is not None}
        ids.update((row.code, standing) for row, standing in zip(level, holders, strict=True) if standing is not None)
        level = [r for r in cmd.rows if r.parent_code in found]
    new_rows = [r for r in cmd.rows if r.code not in ids]
    for code in {r.parent_code for r in new_rows if r.parent_code is not None and r.parent_code in ids}:
        unit = await tx.load(OrgUnit, org_unit_stream(ids[code]))
        assert unit is not None, f"org unit {ids[code]} holds a code but has no stream"
        await _ensure_covers(tx, unit)  # what stands already may lie outside the caller's scope
        units[code], paths[code] = unit, (await _now(tx, ids[code])).path
    top_path = (await _now(tx, cmd.parent_id)).path if cmd.parent_id is not None else None
    saves: list[tuple[Aggregate, str, str]] = []
    registered: list[OrgUnitRegistered] = []
    claims: list[tuple[UUID, UUID | None, str]] = []
    for row in new_rows:
        parent = units[row.parent_code] if row.parent_code is not None else top
        parent_path = paths[row.parent_code] if row.parent_code is not None else top_path
        org_unit_id = uuid.uuid4()
        # A unit stands from the import's day, or from its parent's first day if that came later (the
        # official list dates its communes 1 July 2025; a province registered since takes them then).
        starts = max(effective_on, parent.valid_from) if parent is not None else effective_on
        unit = OrgUnit.create(org_unit_id=org_unit_id, code=row.code, name=row.name, kind=row.kind, parent=parent,
                              parent_path=parent_path, at=tx.ctx.now, effective_on=starts)
        created = unit.pending[0]
        assert isinstance(created, OrgUnitCreated)
        if parent is None and tx.ctx.principal.org_scope != created.path:
            raise ApiError(403, "org_unit_root_scope", path=created.path)
        saves.append((unit, org_unit_stream(org_unit_id), "org_unit"))
        registered.append(_registered(created, starts))
        claims.append((org_unit_id, parent.id if parent is not None else None, row.code))
        units[row.code], ids[row.code], paths[row.code] = unit, org_unit_id, created.path
    # Written in bulk, a few statements for the whole import (one per unit took ~2 ms each).
    await tx.save_all(saves)
    await projections.claim_codes(tx.conn, claims)
    await tx.publish_all([(event, f"org-units/{event.org_unit_id}") for event in registered])
    await hierarchy.register_all(tx.conn, registered)
    return Imported(created=len(new_rows), existing=len(cmd.rows) - len(new_rows))


# -- plans and reports -----------------------------------------------------------------------------

def plan_stream(plan_id: UUID) -> str:
    return f"plan-{plan_id}"


def report_stream(plan_id: UUID, deadline_code: str, org_unit_id: UUID) -> str:
    """One per (plan, deadline, unit): a unit reports once per deadline, and units reporting at the
    same moment never contend on one stream."""
    return f"plan-report-{plan_id}-{deadline_code}-{org_unit_id}"


async def _below(tx: Transaction, unit_id: UUID, ancestor_id: UUID) -> bool:
    return bool(unit_id != ancestor_id and await tx.conn.fetchval("select dvk_within($1, $2)", unit_id, ancestor_id))


@HANDLERS.handles(IssuePlan, status=201)
async def issue_plan(cmd: IssuePlan, tx: Transaction) -> Registered:
    plan_id = uuid.uuid4()
    parent = await tx.load(Plan, plan_stream(cmd.parent_plan_id)) if cmd.parent_plan_id is not None else None
    if cmd.parent_plan_id is not None and (parent is None or parent.recorded is None):
        raise InvalidInput("parent_plan_id", "plan_unknown")
    issuer = await _named(tx, cmd.org_unit_id, "org_unit_id")
    view = await _now(tx, cmd.org_unit_id)
    if parent is not None and parent.recorded is not None and not await _below(
            tx, cmd.org_unit_id, parent.recorded.org_unit_id):
        raise InvalidInput("parent_plan_id", "plan_parent_not_above", plan=parent.recorded.title)
    problems = [Problem(f"recipient_ids.{i}", "plan_recipient_not_below", {})
                for i, unit_id in enumerate(cmd.recipient_ids) if not await _below(tx, unit_id, cmd.org_unit_id)]
    for i, task in enumerate(cmd.tasks):
        for field, unit_id in ([("lead_unit_id", task.lead_unit_id)] if task.lead_unit_id else []) + [
                (f"coordinating_unit_ids.{j}", u) for j, u in enumerate(task.coordinating_unit_ids)]:
            if unit_id is not None and await hierarchy.unit(tx.conn, unit_id) is None:
                problems.append(Problem(f"tasks.{i}.{field}", "org_unit_unknown", {}))
    if problems:
        raise InvalidInput.of(problems)
    plan = Plan.issue(
        plan_id=plan_id, org_unit_id=cmd.org_unit_id, org_path=view.path, org_name=issuer.name, number=cmd.number,
        title=cmd.title, period_from=cmd.period_from, period_to=cmd.period_to,
        issued_on=cmd.issued_on or vn_day(tx.ctx.now), basis=cmd.basis, purposes=cmd.purposes, targets=cmd.targets,
        tasks=cmd.tasks, deadlines=cmd.deadlines, recipient_ids=cmd.recipient_ids, parent=parent, at=tx.ctx.now)
    recorded = plan.pending[0]
    assert isinstance(recorded, PlanRecorded)
    await tx.save(plan, plan_stream(plan_id), "plan")
    await tx.publish(PlanIssued(
        org_path=view.path, plan_id=plan_id, org_unit_id=cmd.org_unit_id, number=recorded.number,
        title=recorded.title, period_from=recorded.period_from, period_to=recorded.period_to,
        issued_on=recorded.issued_on, deadlines=[PlanDeadline(**d.model_dump()) for d in recorded.deadlines],
        recipient_ids=recorded.recipient_ids, parent_plan_id=recorded.parent_plan_id), entity=f"plans/{plan_id}")
    if recorded.parent_plan_id is not None and recorded.answers_deadline is not None:
        await tx.publish(PlanSubmitted(
            org_path=view.path, plan_id=plan_id, parent_plan_id=recorded.parent_plan_id,
            deadline_code=recorded.answers_deadline, org_unit_id=cmd.org_unit_id, submitted_on=recorded.issued_on,
            late=recorded.late), entity=f"plans/{plan_id}")
    return Registered(id=plan_id, org_path=view.path, version=plan.version)


@HANDLERS.handles(SubmitReport, status=201)
async def submit_report(cmd: SubmitReport, tx: Transaction) -> Registered:
    plan = await tx.load(Plan, plan_stream(cmd.plan_id))
    if plan is None or plan.recorded is None:
        raise not_found()
    report = await tx.load(Report, report_stream(cmd.plan_id, cmd.deadline_code, cmd.org_unit_id)) or Report()
    unit = await _named(tx, cmd.org_unit_id, "org_unit_id")
    if not await _below(tx, cmd.org_unit_id, plan.recorded.org_unit_id):
        raise InvalidInput("org_unit_id", "plan_reporter_not_below", plan=plan.recorded.title)
    view = await _now(tx, cmd.org_unit_id)
    report_id = uuid.uuid4()
    report.submit(report_id=report_id, plan=plan, deadline_code=cmd.deadline_code, org_unit_id=cmd.org_unit_id,
                  org_path=view.path, org_name=unit.name, summary=cmd.summary,
                  submitted_on=cmd.submitted_on or vn_day(tx.ctx.now), at=tx.ctx.now)
    recorded = report.pending[0]
    assert isinstance(recorded, ReportRecorded)
    await tx.save(report, report_stream(cmd.plan_id, cmd.deadline_code, cmd.org_unit_id), "plan_report")
    await tx.publish(ReportSubmitted(
        org_path=view.path, report_id=report_id, plan_id=cmd.plan_id, deadline_code=recorded.deadline_code,
        org_unit_id=cmd.org_unit_id, submitted_on=recorded.submitted_on, late=recorded.late),
        entity=f"plans/{cmd.plan_id}/reports/{report_id}")
    return Registered(id=report_id, org_path=view.path, version=report.version)


def participation_stream(plan_id: UUID, org_unit_id: UUID) -> str:
    return f"plan-participation-{plan_id}-{org_unit_id}"


@HANDLERS.handles(RegisterParticipation, status=201)
async def register_participation(cmd: RegisterParticipation, tx: Transaction) -> Registered:
    plan = await tx.load(Plan, plan_stream(cmd.plan_id))
    if plan is None or plan.recorded is None:
        raise not_found()
    participation = await tx.load(Participation, participation_stream(cmd.plan_id, cmd.org_unit_id)) or Participation()
    unit = await _named(tx, cmd.org_unit_id, "org_unit_id")
    if not await _below(tx, cmd.org_unit_id, plan.recorded.org_unit_id):
        raise InvalidInput("org_unit_id", "plan_reporter_not_below", plan=plan.recorded.title)
    view = await _now(tx, cmd.org_unit_id)
    registered_on = cmd.registered_on or vn_day(tx.ctx.now)
    participation.register(plan=plan, org_unit_id=cmd.org_unit_id, org_path=view.path, org_name=unit.name,
                           commitment=cmd.commitment, registered_on=registered_on, at=tx.ctx.now)
    await tx.save(participation, participation_stream(cmd.plan_id, cmd.org_unit_id), "plan_participation")
    await tx.publish(ParticipationRegistered(
        org_path=view.path, plan_id=cmd.plan_id, org_unit_id=cmd.org_unit_id, commitment=cmd.commitment,
        registered_on=registered_on), entity=f"plans/{cmd.plan_id}/participations/{cmd.org_unit_id}")
    return Registered(id=cmd.org_unit_id, org_path=view.path, version=participation.version)


def bloc_stream(bloc_id: UUID) -> str:
    return f"bloc-{bloc_id}"


async def _members_known(tx: Transaction, member_ids: list[UUID]) -> None:
    """Members may stand anywhere in the tree, but each must be a unit the caller's scope covers."""
    problems = []
    for i, member in enumerate(member_ids):
        if await hierarchy.unit(tx.conn, member) is None:
            problems.append(Problem(f"member_ids.{i}", "org_unit_unknown", {}))
    if problems:
        raise InvalidInput.of(problems)
    for member in member_ids:
        await ensure_covers(tx.conn, tx.ctx.principal, member)


@HANDLERS.handles(FormBloc, status=201)
async def form_bloc(cmd: FormBloc, tx: Transaction) -> Registered:
    bloc_id = uuid.uuid4()
    await _named(tx, cmd.org_unit_id, "org_unit_id")
    view = await _now(tx, cmd.org_unit_id)
    await _members_known(tx, cmd.member_ids)
    bloc = Bloc.form(bloc_id=bloc_id, code=cmd.code, name=cmd.name, org_unit_id=cmd.org_unit_id, org_path=view.path,
                     member_ids=cmd.member_ids, at=tx.ctx.now)
    await tx.save(bloc, bloc_stream(bloc_id), "bloc")
    return Registered(id=bloc_id, org_path=view.path, version=bloc.version)


@HANDLERS.handles(ChangeBlocMembers, status=200)
async def change_bloc_members(cmd: ChangeBlocMembers, tx: Transaction) -> Registered:
    bloc = await tx.load(Bloc, bloc_stream(cmd.bloc_id))
    if bloc is None or bloc.formed is None:
        raise not_found()
    await _named(tx, bloc.formed.org_unit_id, "bloc_id")
    await _members_known(tx, cmd.member_ids)
    bloc.change_members(cmd.member_ids, tx.ctx.now)
    await tx.save(bloc, bloc_stream(cmd.bloc_id), "bloc")
    return Registered(id=cmd.bloc_id, org_path=(await _now(tx, bloc.formed.org_unit_id)).path, version=bloc.version)


# -- a model's life --------------------------------------------------------------------------------

async def _model_in_scope(tx: Transaction, model_id: UUID, expected_version: int | None) -> Model:
    """The model, if the caller's scope carries it and nobody changed it since `expected_version`."""
    model = await tx.load(Model, model_stream(model_id))
    if model is None or model.recorded is None:
        raise not_found()
    await ensure_covers(tx.conn, tx.ctx.principal, model.recorded.owner_org_unit_id, model_id)
    if expected_version is not None and expected_version != model.version:
        raise ApiError(412, "model_version_stale", sent=expected_version, version=model.version,
                       changed=", ".join(model.changed_since(expected_version)) or "—")
    return model


@HANDLERS.handles(AmendModel, status=200, retries_on_conflict=1)  # decided again: a 412 naming what changed
async def amend_model(cmd: AmendModel, tx: Transaction) -> Registered:
    model = await _model_in_scope(tx, cmd.model_id, cmd.expected_version)
    assert model.recorded is not None
    sent = cmd.model_dump(mode="json", include=set(cmd.sent))
    model.amend(sent, tx.ctx.now)
    changed = model.pending[0]
    assert isinstance(changed, ModelChanged)
    await tx.save(model, model_stream(cmd.model_id), "model")
    path = (await _now(tx, model.recorded.owner_org_unit_id)).path
    await tx.publish(ModelAmended(
        org_path=path, model_id=cmd.model_id, changed=sorted(changed.changes), title=model.now["title"],
        field=model.now["field"], sub_field=model.now.get("sub_field"), year=model.now["year"],
        version=model.version, amended_at=tx.ctx.now), entity=f"models/{cmd.model_id}")
    return Registered(id=cmd.model_id, org_path=path, version=model.version)


@HANDLERS.handles(WithdrawModel, status=200, retries_on_conflict=1)
async def withdraw_model(cmd: WithdrawModel, tx: Transaction) -> Registered:
    model = await _model_in_scope(tx, cmd.model_id, None)
    assert model.recorded is not None
    model.withdraw(cmd.reason, tx.ctx.now)
    await tx.save(model, model_stream(cmd.model_id), "model")
    path = (await _now(tx, model.recorded.owner_org_unit_id)).path
    await tx.publish(ModelWithdrawn(org_path=path, model_id=cmd.model_id, reason=cmd.reason.strip(),
                                    withdrawn_at=tx.ctx.now), entity=f"models/{cmd.model_id}")
    return Registered(id=cmd.model_id, org_path=path, version=model.version)


@HANDLERS.handles(RecordReplication, status=200, retries_on_conflict=1)
async def record_replication(cmd: RecordReplication, tx: Transaction) -> Registered:
    """The source may lie anywhere (a commune replicates a model of another province); only the
    replicating model must be within the caller's scope."""
    source = await tx.load(Model, model_stream(cmd.source_model_id)) or Model()
    model = await _model_in_scope(tx, cmd.model_id, None)
    assert model.recorded is not None
    model.replicate(source, cmd.note, tx.ctx.now)
    await tx.save(model, model_stream(cmd.model_id), "model")
    path = (await _now(tx, model.recorded.owner_org_unit_id)).path
    await tx.publish(ModelReplicated(org_path=path, model_id=cmd.model_id, source_model_id=cmd.source_model_id,
                                     recorded_at=tx.ctx.now), entity=f"models/{cmd.model_id}")
    return Registered(id=cmd.model_id, org_path=path, version=model.version)
