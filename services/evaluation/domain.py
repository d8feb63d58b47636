"""Evaluation aggregates: criteria sets (bộ tiêu chí) and inspections (kiểm tra, đánh giá).

Pure: every id, time and fact from elsewhere (the model being inspected, read from the registry's
events) arrives with the call; the methods only decide and record events. A refusal that points at
one field of the request is an `InvalidInput` carrying every problem found at once, so the person
filling in a score sheet sees all their mistakes in one answer rather than one per attempt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal, NamedTuple
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.domain.aggregate import Aggregate, DomainError, InvalidInput, Problem
from shared.domain.events import DomainEvent, EventTypes
from shared.i18n import VN_TZ

EVENT_TYPES = EventTypes()
RecipientKind = Literal["collective", "individual"]


class _Problems:
    """Collects problems so that a command is refused once, with everything that is wrong in it."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, field: str, code: str, /, **params: object) -> None:
        self.found.append(Problem(field, code, params))

    def raise_any(self) -> None:
        if self.found:
            raise InvalidInput.of(self.found)


class Criterion(BaseModel):
    """Một tiêu chí: e.g. `thuyet_phuc` (persuasive), scored from 0 to `max_score`."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_vi: str
    name_en: str
    max_score: float


class AwardedScore(BaseModel):
    """The score one criterion got, with its maximum, as the inspection recorded it."""

    model_config = ConfigDict(frozen=True)

    code: str
    score: float
    max_score: float


class GivenScore(NamedTuple):
    """A score as the inspector entered it, in the order entered (so refusals can point at the line)."""

    code: str
    score: float


@dataclass(frozen=True)
class KnownModel:
    """What evaluation knows of a registered model, from the registry's `ModelRegistered` events."""

    model_id: UUID
    title: str
    owner_org_path: str
    owner_org_name: str
    recipient_kind: RecipientKind
    year: int
    owner_org_unit_id: UUID | None = None


@EVENT_TYPES.register
class CriteriaSetDefined(DomainEvent):
    NAME = "CriteriaSetDefined"
    criteria_set_id: UUID
    code: str
    name: str
    org_path: str
    org_unit_id: UUID | None = None
    """The issuing unit (None in events stored before units had ids: found by `org_path`)."""
    year: int | None
    valid_from: date | None
    pass_score: float
    criteria: list[Criterion]
    at: datetime


@EVENT_TYPES.register
class InspectionRecorded(DomainEvent):
    NAME = "InspectionRecorded"
    inspection_id: UUID
    model_id: UUID
    model_title: str
    owner_org_path: str
    owner_org_name: str
    recipient_kind: RecipientKind
    criteria_set_id: UUID
    criteria_set_code: str
    criteria_set_name: str
    scores: list[AwardedScore]
    total_score: float
    pass_score: float
    passed: bool
    inspected_on: date
    notes: str | None
    at: datetime
    owner_org_unit_id: UUID | None = None
    """The model's owner unit (None in events stored before units had ids)."""

    @property
    def inspected_at(self) -> datetime:
        """The contract wants a moment: the recording time if inspected today, else that day's start in Vietnam."""
        if self.at.astimezone(VN_TZ).date() == self.inspected_on:
            return self.at
        return datetime.combine(self.inspected_on, time.min, tzinfo=VN_TZ)


def _decimal(value: float) -> Decimal:
    """Sum scores as the decimals people typed, so 0.1 + 0.2 reaches a pass mark of 0.3."""
    return Decimal(str(value))


class CriteriaSet(Aggregate):
    """Bộ tiêu chí: the criteria a regulation sets, as data, issued by a unit for its subtree.

    It applies to inspections of models owned by the issuing unit or any unit below it, on days
    within its period: the whole `year`, or from `valid_from` on (both: from `valid_from` to the
    end of `year`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.defined: CriteriaSetDefined | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, CriteriaSetDefined):
            self.defined = event

    def define(self, *, criteria_set_id: UUID, code: str, name: str, org_path: str, year: int | None,
               valid_from: date | None, pass_score: float, criteria: Sequence[Criterion], at: datetime,
               org_unit_id: UUID | None = None) -> None:
        if self.defined is not None:
            raise DomainError("criteria_set_already_defined", code=self.defined.code)
        problems = _Problems()
        if year is None and valid_from is None:
            problems.add("year", "criteria_set_period_missing")
        if year is not None and valid_from is not None and valid_from.year != year:
            problems.add("valid_from", "criteria_set_period_mismatch", year=year)
        if not criteria:
            problems.add("criteria", "criteria_empty")
        seen: set[str] = set()
        for i, criterion in enumerate(criteria):
            if criterion.code in seen:
                problems.add(f"criteria.{i}.code", "criterion_code_duplicate", code=criterion.code)
            seen.add(criterion.code)
            if not (math.isfinite(criterion.max_score) and criterion.max_score > 0):
                problems.add(f"criteria.{i}.max_score", "max_score_not_positive")
        total = sum((_decimal(c.max_score) for c in criteria if math.isfinite(c.max_score)), Decimal(0))
        if not (math.isfinite(pass_score) and pass_score > 0):
            problems.add("pass_score", "pass_score_not_positive")
        elif _decimal(pass_score) > total:
            problems.add("pass_score", "pass_score_above_total", pass_score=pass_score, total=float(total))
        problems.raise_any()
        self.record(CriteriaSetDefined(
            criteria_set_id=criteria_set_id, code=code, name=name.strip(), org_path=org_path, org_unit_id=org_unit_id,
            year=year,
            valid_from=valid_from, pass_score=pass_score, criteria=list(criteria), at=at))

    def in_force_on(self, day: date) -> bool:
        d = self.defined
        if d is None:
            return False
        if d.year is not None and day.year != d.year:
            return False
        return d.valid_from is None or day >= d.valid_from



class Inspection(Aggregate):
    """One inspection (kiểm tra, đánh giá) of one model against one criteria set.

    Re-inspection is allowed on purpose: a model found wanting may be inspected again after it
    improves, and an inspection may have to be redone against a corrected criteria set. Each is its
    own aggregate and its own public event; for a model, the latest one counts (by inspection day,
    then by recording time) in this service's read model. (The awards service, for now, keeps a
    model eligible once it has passed; withdrawing eligibility on a later failure is still to come.)
    This aggregate never needs another inspection's state to decide.
    """

    def __init__(self) -> None:
        super().__init__()
        self.recorded: InspectionRecorded | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, InspectionRecorded):
            self.recorded = event

    def assess(self, *, inspection_id: UUID, model: KnownModel, criteria_set: CriteriaSet, applies: bool,
               scores: Sequence[GivenScore], inspected_on: date | None, notes: str | None, at: datetime) -> None:
        """`applies`: the model's owner lies (now) in the subtree of the criteria set's issuing unit —
        a fact of the hierarchy, handed in."""
        if self.recorded is not None:
            raise DomainError("inspection_already_recorded", inspection_id=self.recorded.inspection_id)
        rules = criteria_set.defined
        if rules is None:
            raise InvalidInput("criteria_set_id", "criteria_set_unknown")
        problems = _Problems()
        today = at.astimezone(VN_TZ).date()
        day = inspected_on or today
        if day > today:
            problems.add("inspected_on", "inspected_on_in_future")
        elif not criteria_set.in_force_on(day):
            problems.add("criteria_set_id", "criteria_set_not_in_force", date=day.strftime("%d/%m/%Y"))
        if not applies:
            problems.add("criteria_set_id", "criteria_set_not_applicable", org_path=rules.org_path,
                         model_org_path=model.owner_org_path)
        given = self._check_scores(rules.criteria, scores, problems)
        problems.raise_any()
        awarded = [AwardedScore(code=c.code, score=given[c.code], max_score=c.max_score) for c in rules.criteria]
        total = sum((_decimal(s.score) for s in awarded), Decimal(0))
        self.record(InspectionRecorded(
            inspection_id=inspection_id, model_id=model.model_id, model_title=model.title,
            owner_org_path=model.owner_org_path, owner_org_unit_id=model.owner_org_unit_id,
            owner_org_name=model.owner_org_name, recipient_kind=model.recipient_kind,
            criteria_set_id=rules.criteria_set_id,
            criteria_set_code=rules.code, criteria_set_name=rules.name, scores=awarded, total_score=float(total),
            pass_score=rules.pass_score, passed=total >= _decimal(rules.pass_score), inspected_on=day,
            notes=notes, at=at))

    @staticmethod
    def _check_scores(criteria: Sequence[Criterion], scores: Sequence[GivenScore],
                      problems: _Problems) -> dict[str, float]:
        """Every criterion scored exactly once, within 0..max; returns the scores by criterion code."""
        by_code = {c.code: c for c in criteria}
        given: dict[str, float] = {}
        for i, (code, score) in enumerate(scores):
            criterion = by_code.get(code)
            if criterion is None:
                problems.add(f"scores.{i}.code", "criterion_unknown", code=code)
                continue
            if code in given:
                problems.add(f"scores.{i}.code", "criterion_scored_twice", code=code)
                continue
            given[code] = score
            if not math.isfinite(score):
                problems.add(f"scores.{i}.score", "score_not_finite")
            elif score < 0:
                problems.add(f"scores.{i}.score", "score_negative")
            elif score > criterion.max_score:
                problems.add(f"scores.{i}.score", "score_above_max", code=code, max_score=criterion.max_score)
        missing = [c.code for c in criteria if c.code not in given]
        if missing:
            problems.add("scores", "criterion_not_scored", codes=", ".join(missing))
        return given
