"""Org units through their whole life: registered, renamed, moved, merged, split, dissolved.

Pure: every id, time and fact from the hierarchy (a unit's path now, whether a target lies in a
subtree, how many models a unit carries) arrives with the call; the methods only decide and record
events. A unit's path is derived from where it stands and may change, so it is a fact handed in,
never state the aggregate trusts: the events record the path they saw, for history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.registry.calendar import show, vn_day
from services.registry.event_types import EVENT_TYPES
from shared.domain.aggregate import Aggregate, DomainError, InvalidInput, Problem
from shared.domain.events import DomainEvent


@EVENT_TYPES.register
class OrgUnitCreated(DomainEvent):
    NAME = "OrgUnitCreated"
    org_unit_id: UUID
    code: str
    name: str
    kind: str
    parent_id: UUID | None
    path: str
    at: datetime
    effective_on: date | None = None
    """None in events stored before effective dates existed: the unit exists from the day of `at`."""


@EVENT_TYPES.register
class OrgUnitNameChanged(DomainEvent):
    NAME = "OrgUnitNameChanged"
    org_unit_id: UUID
    old_name: str
    name: str
    path: str
    effective_on: date
    at: datetime


@EVENT_TYPES.register
class OrgUnitParentChanged(DomainEvent):
    NAME = "OrgUnitParentChanged"
    org_unit_id: UUID
    old_parent_id: UUID | None
    parent_id: UUID
    old_path: str
    path: str
    effective_on: date
    at: datetime


@EVENT_TYPES.register
class OrgUnitMergedInto(DomainEvent):
    """Recorded on each merged unit: it ended, and `successor_id` carries what it carried."""

    NAME = "OrgUnitMergedInto"
    org_unit_id: UUID
    successor_id: UUID
    path: str
    effective_on: date
    at: datetime


@EVENT_TYPES.register
class OrgUnitAbsorbed(DomainEvent):
    """Recorded on the successor of a merge: the units it carries from then on."""

    NAME = "OrgUnitAbsorbed"
    org_unit_id: UUID
    name: str
    path: str
    merged_ids: list[UUID]
    merged_paths: list[str]
    effective_on: date
    at: datetime


class ShareTaken(BaseModel):
    model_config = ConfigDict(frozen=True)

    org_unit_id: UUID
    path: str
    entity_ids: list[UUID]


@EVENT_TYPES.register
class OrgUnitDivided(DomainEvent):
    NAME = "OrgUnitDivided"
    org_unit_id: UUID
    path: str
    shares: list[ShareTaken]
    default_successor_id: UUID
    effective_on: date
    at: datetime


@EVENT_TYPES.register
class OrgUnitClosed(DomainEvent):
    """The unit was dissolved; `successor_id` (if any) carries what it carried."""

    NAME = "OrgUnitClosed"
    org_unit_id: UUID
    path: str
    successor_id: UUID | None
    reason: str | None
    effective_on: date
    at: datetime


@dataclass(frozen=True)
class Ending:
    on: date
    how: Literal["merged", "split", "dissolved"]
    successor_id: UUID | None


@dataclass(frozen=True)
class Share:
    """One successor of a split as the command names it, with the facts the decision needs."""

    successor: OrgUnit
    path: str
    entity_ids: Sequence[UUID]


class OrgUnit(Aggregate):
    """An org unit: a stable id and official code; its name and place change, and one day it ends."""

    def __init__(self) -> None:
        super().__init__()
        self.created: OrgUnitCreated | None = None
        self.name = ""
        self.valid_from = date.min
        self.last_change_on = date.min
        self.ended: Ending | None = None

    @property
    def id(self) -> UUID:
        assert self.created is not None
        return self.created.org_unit_id

    @property
    def code(self) -> str:
        assert self.created is not None
        return self.created.code

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, OrgUnitCreated):
            self.created = event
            self.name = event.name
            self.valid_from = self.last_change_on = event.effective_on or vn_day(event.at)
        elif isinstance(event, OrgUnitNameChanged):
            self.name = event.name
            self.last_change_on = event.effective_on
        elif isinstance(event, OrgUnitParentChanged | OrgUnitAbsorbed):
            self.last_change_on = event.effective_on
        elif isinstance(event, OrgUnitMergedInto):
            self.ended = Ending(event.effective_on, "merged", event.successor_id)
        elif isinstance(event, OrgUnitDivided):
            self.ended = Ending(event.effective_on, "split", event.default_successor_id)
        elif isinstance(event, OrgUnitClosed):
            self.ended = Ending(event.effective_on, "dissolved", event.successor_id)

    @classmethod
    def create(cls, *, org_unit_id: UUID, code: str, name: str, kind: str, parent: OrgUnit | None,
               at: datetime, parent_path: str | None = None, effective_on: date | None = None,
               code_taken: bool = False) -> OrgUnit:
        """`parent_path` is the parent's path now (default: the path it was created with)."""
        if parent is not None and parent.created is None:
            raise DomainError("org_unit_parent_missing")
        if parent is not None:
            parent._ensure_standing("parent_id")
            if effective_on is not None and effective_on < parent.valid_from:
                raise InvalidInput("effective_on", "org_unit_effective_before_parent",
                                   start=show(parent.valid_from))
        if code_taken:
            raise DomainError("org_unit_code_taken", code=code)
        if parent is not None and parent.created is not None:
            path = f"{parent_path or parent.created.path}.{code}"
        else:
            path = code
        unit = cls()
        unit.record(OrgUnitCreated(org_unit_id=org_unit_id, code=code, name=name, kind=kind,
                                   parent_id=parent.id if parent is not None else None,
                                   path=path, at=at, effective_on=effective_on))
        return unit

    # -- the checks every change makes ------------------------------------------------------------

    def _ensure_standing(self, field: str | None = None) -> None:
        if self.ended is None:
            return
        params: dict[str, object] = {"name": self.name, "on": show(self.ended.on)}
        if field is not None:
            raise InvalidInput(field, "org_unit_ended", **params)
        raise DomainError("org_unit_ended", **params)

    def _ensure_effective(self, effective_on: date) -> None:
        if effective_on < self.valid_from:
            raise InvalidInput("effective_on", "org_unit_effective_before_start", name=self.name,
                               start=show(self.valid_from))
        if effective_on < self.last_change_on:
            raise InvalidInput("effective_on", "org_unit_effective_before_last_change", name=self.name,
                               last=show(self.last_change_on))

    # -- decisions --------------------------------------------------------------------------------

    def rename(self, *, name: str, path: str, effective_on: date, at: datetime) -> None:
        self._ensure_standing()
        self._ensure_effective(effective_on)
        if name == self.name:
            raise InvalidInput("name", "org_unit_same_name")
        self.record(OrgUnitNameChanged(org_unit_id=self.id, old_name=self.name, name=name, path=path,
                                       effective_on=effective_on, at=at))

    def move(self, *, parent: OrgUnit, parent_path: str, old_parent_id: UUID | None, old_path: str,
             parent_inside: bool, code_taken: bool, effective_on: date, at: datetime) -> None:
        """`parent_inside`: the new parent lies in this unit's own subtree (a fact of the hierarchy)."""
        self._ensure_standing()
        if parent.id == self.id or parent_inside:
            raise InvalidInput("parent_id", "org_unit_move_into_itself", name=self.name)
        parent._ensure_standing("parent_id")
        if parent.id == old_parent_id:
            raise InvalidInput("parent_id", "org_unit_already_there", name=self.name)
        self._ensure_effective(effective_on)
        if effective_on < parent.valid_from:
            raise InvalidInput("effective_on", "org_unit_effective_before_parent", start=show(parent.valid_from))
        if code_taken:
            raise DomainError("org_unit_code_taken", code=self.code)
        self.record(OrgUnitParentChanged(org_unit_id=self.id, old_parent_id=old_parent_id, parent_id=parent.id,
                                         old_path=old_path, path=f"{parent_path}.{self.code}",
                                         effective_on=effective_on, at=at))

    def split(self, *, path: str, shares: Sequence[Share], default_successor_id: UUID | None,
              carried: frozenset[UUID], has_units: bool, effective_on: date, at: datetime) -> UUID:
        """Divide the unit among `shares`; `carried` are the entities it carries now. Returns the
        default successor (the first share when none is named and every entity is assigned)."""
        self._ensure_standing()
        self._ensure_effective(effective_on)
        if has_units:
            raise DomainError("org_unit_has_units", name=self.name)
        problems: list[Problem] = []
        seen_units: set[UUID] = set()
        assigned: set[UUID] = set()
        for i, share in enumerate(shares):
            successor = share.successor
            if successor.id == self.id:
                problems.append(Problem(f"shares.{i}.org_unit_id", "org_unit_successor_is_itself", {}))
            elif successor.id in seen_units:
                problems.append(Problem(f"shares.{i}.org_unit_id", "org_unit_successor_twice", {}))
            else:
                problems += successor._successor_problems(f"shares.{i}.org_unit_id", effective_on)
            seen_units.add(successor.id)
            for j, entity in enumerate(share.entity_ids):
                where = f"shares.{i}.entity_ids.{j}"
                if entity not in carried:
                    problems.append(Problem(where, "org_unit_entity_not_carried", {"entity_id": str(entity)}))
                elif entity in assigned:
                    problems.append(Problem(where, "org_unit_entity_assigned_twice", {"entity_id": str(entity)}))
                assigned.add(entity)
        if len(seen_units - {self.id}) < 2:
            problems.append(Problem("shares", "org_unit_split_too_few", {}))
        if default_successor_id is not None and default_successor_id not in seen_units - {self.id}:
            problems.append(Problem("default_successor_id", "org_unit_default_not_successor", {}))
        unassigned = carried - assigned
        if default_successor_id is None and unassigned:
            problems.append(Problem("default_successor_id", "org_unit_successor_required",
                                    {"count": len(unassigned)}))
        if problems:
            raise InvalidInput.of(problems)
        default = default_successor_id or shares[0].successor.id
        self.record(OrgUnitDivided(
            org_unit_id=self.id, path=path, default_successor_id=default, effective_on=effective_on, at=at,
            shares=[ShareTaken(org_unit_id=s.successor.id, path=s.path, entity_ids=list(s.entity_ids))
                    for s in shares]))
        return default

    def dissolve(self, *, path: str, successor: OrgUnit | None, carried_models: int, has_units: bool,
                 reason: str | None, effective_on: date, at: datetime) -> None:
        self._ensure_standing()
        self._ensure_effective(effective_on)
        if has_units:
            raise DomainError("org_unit_has_units", name=self.name)
        if successor is None:
            if carried_models:
                raise InvalidInput("successor_id", "org_unit_successor_required", count=carried_models)
        elif successor.id == self.id:
            raise InvalidInput("successor_id", "org_unit_successor_is_itself")
        else:
            problems = successor._successor_problems("successor_id", effective_on)
            if problems:
                raise InvalidInput.of(problems)
        self.record(OrgUnitClosed(org_unit_id=self.id, path=path, reason=reason, effective_on=effective_on, at=at,
                                  successor_id=successor.id if successor is not None else None))

    def _successor_problems(self, field: str, effective_on: date) -> list[Problem]:
        if self.ended is not None:
            return [Problem(field, "org_unit_ended", {"name": self.name, "on": show(self.ended.on)})]
        if effective_on < self.valid_from:
            return [Problem(field, "org_unit_successor_not_yet", {"name": self.name, "start": show(self.valid_from)})]
        return []


def place_of_new_successor(parents: Mapping[UUID, UUID | None], requested: UUID | None) -> UUID | None:
    """Where a successor registered with the merge stands: where it is told, or under the merged
    units' common parent. Units of different parents leave no default to guess."""
    if requested is not None:
        return requested
    distinct = set(parents.values())
    if len(distinct) != 1:
        raise InvalidInput("successor.parent_id", "org_unit_merge_parent_required")
    return distinct.pop()


def merge(merged: Sequence[OrgUnit], successor: OrgUnit, *, paths: Mapping[UUID, str], successor_path: str,
          successor_inside: bool, clashing_codes: frozenset[str], effective_on: date, at: datetime) -> None:
    """Merge units into `successor`, which carries what they carried from `effective_on`.

    Facts: `paths` (each merged unit's path now), `successor_inside` (the successor lies in a merged
    unit's subtree), `clashing_codes` (codes the merged units' children share with the successor's
    children or with each other, since they all come to stand under the successor)."""
    problems: list[Problem] = []
    seen: set[UUID] = set()
    for i, unit in enumerate(merged):
        where = f"merged_ids.{i}"
        if unit.id == successor.id:
            problems.append(Problem(where, "org_unit_merge_into_itself", {"name": unit.name}))
        elif unit.id in seen:
            problems.append(Problem(where, "org_unit_merged_twice", {"name": unit.name}))
        elif unit.ended is not None:
            problems.append(Problem(where, "org_unit_ended", {"name": unit.name, "on": show(unit.ended.on)}))
        elif effective_on < max(unit.valid_from, unit.last_change_on):
            problems.append(Problem("effective_on", "org_unit_effective_before_last_change",
                                    {"name": unit.name, "last": show(max(unit.valid_from, unit.last_change_on))}))
        seen.add(unit.id)
    problems += successor._successor_problems("successor_id", effective_on)
    if successor_inside:
        problems.append(Problem("successor_id", "org_unit_successor_inside_merged", {"name": successor.name}))
    if problems:
        raise InvalidInput.of(problems)
    if clashing_codes:
        raise DomainError("org_unit_code_taken", code=", ".join(sorted(clashing_codes)))
    for unit in merged:
        unit.record(OrgUnitMergedInto(org_unit_id=unit.id, successor_id=successor.id, path=paths[unit.id],
                                      effective_on=effective_on, at=at))
    successor.record(OrgUnitAbsorbed(
        org_unit_id=successor.id, name=successor.name, path=successor_path, merged_ids=[u.id for u in merged],
        merged_paths=[paths[u.id] for u in merged], effective_on=effective_on, at=at))
