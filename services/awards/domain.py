"""The awards aggregate: a round (đợt khen thưởng) with its quotas, nominations and grants.

One round is one event stream. Every decision that touches a quota — nominating, granting — is
taken by the round itself over its own history, so the stream's `unique (stream_id, version)`
guard is what makes "a quota is never exceeded" hold under concurrent councils: two grants that
loaded the same version cannot both be stored, and the loser reloads and decides again.

Pure: ids, times and the eligible model's snapshot arrive with the call; the methods only decide
and record events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import RecipientKind
from shared.domain.aggregate import Aggregate, DomainError, InvalidInput
from shared.domain.events import DomainEvent, EventTypes

EVENT_TYPES = EventTypes()

ANNIVERSARY_MONTH_DAY = (10, 15)
"""15 October: the movement's anniversary, when the yearly round's decisions are announced."""


class RoundKind(StrEnum):
    """Why a round is held: the seeds hold one every year, one at mid-term and one at the end."""

    ANNUAL = "annual"        # hằng năm, dịp 15/10
    MID_TERM = "mid_term"    # sơ kết
    FINAL = "final"          # tổng kết


class AwardType(StrEnum):
    """The two forms of recognition a council decides, each counted against its own quota."""

    COMMENDATION = "commendation"  # biểu dương
    REWARD = "reward"              # khen thưởng


AWARD_LABELS: dict[str, tuple[str, str]] = {
    AwardType.COMMENDATION: ("biểu dương", "commendation"),
    AwardType.REWARD: ("khen thưởng", "reward"),
}
RECIPIENT_LABELS: dict[str, tuple[str, str]] = {
    "collective": ("tập thể", "collectives"),
    "individual": ("cá nhân", "individuals"),
}

QuotaKey = tuple[AwardType, RecipientKind]


def quota_labels(award_type: AwardType, recipient_kind: str) -> dict[str, str]:
    """Message parameters naming a quota line in both languages (refusals are shown to people)."""
    award_vi, award_en = AWARD_LABELS[award_type]
    kind_vi, kind_en = RECIPIENT_LABELS[recipient_kind]
    return {"award_vi": award_vi, "award_en": award_en, "kind_vi": kind_vi, "kind_en": kind_en}


class NotInRound(DomainError):
    """The round has no such nomination: HTTP 404, as for any unknown resource."""

    status = 404


class QuotaLine(BaseModel):
    """Chỉ tiêu: at most `quota` awards of `award_type` to recipients of `recipient_kind`."""

    model_config = ConfigDict(frozen=True)

    award_type: AwardType
    recipient_kind: RecipientKind
    quota: int

    @property
    def key(self) -> QuotaKey:
        return (self.award_type, self.recipient_kind)


class EligibleModel(BaseModel):
    """The snapshot of a model that passed inspection, as the nominating handler read it."""

    model_config = ConfigDict(frozen=True)

    model_id: UUID
    title: str
    org_path: str
    owner_org_name: str
    recipient_kind: RecipientKind
    inspection_id: UUID
    total_score: float
    owner_org_unit_id: UUID | None = None
    """The model's owner unit (None in snapshots taken before units had ids: found by `org_path`)."""


@EVENT_TYPES.register
class RoundOpened(DomainEvent):
    NAME = "RoundOpened"
    round_id: UUID
    name: str
    kind: RoundKind
    year: int
    org_path: str
    decision_date: date | None
    quotas: list[QuotaLine]
    at: datetime
    org_unit_id: UUID | None = None
    """The awarding body (None in events stored before units had ids: found by `org_path`)."""


@EVENT_TYPES.register
class ModelNominated(DomainEvent):
    """Carries the model's snapshot so a later grant needs nothing outside the round."""

    NAME = "ModelNominated"
    nomination_id: UUID
    award_type: AwardType
    model: EligibleModel
    summary: str | None
    at: datetime


@EVENT_TYPES.register
class AwardGrantedInRound(DomainEvent):
    NAME = "AwardGrantedInRound"
    grant_id: UUID
    nomination_id: UUID
    award_type: AwardType
    recipient_kind: RecipientKind
    quota: int
    granted_in_quota: int
    at: datetime


class Round(Aggregate):
    """Đợt khen thưởng: the unit of consistency for its quotas."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: RoundOpened | None = None
        self.quotas: dict[QuotaKey, int] = {}
        self.granted: dict[QuotaKey, int] = {}
        self.nominations: dict[UUID, ModelNominated] = {}
        self.nominated: set[tuple[UUID, AwardType]] = set()
        self.grants: dict[UUID, AwardGrantedInRound] = {}
        """Grants by nomination id."""

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, RoundOpened):
            self.opened = event
            self.quotas = {line.key: line.quota for line in event.quotas}
            self.granted = {line.key: 0 for line in event.quotas}
        elif isinstance(event, ModelNominated):
            self.nominations[event.nomination_id] = event
            self.nominated.add((event.model.model_id, event.award_type))
        elif isinstance(event, AwardGrantedInRound):
            key = (event.award_type, event.recipient_kind)
            self.granted[key] = self.granted.get(key, 0) + 1
            self.grants[event.nomination_id] = event

    @classmethod
    def open(cls, *, round_id: UUID, name: str, kind: RoundKind, year: int, org_path: str,
             quotas: Sequence[QuotaLine], decision_date: date | None, at: datetime,
             org_unit_id: UUID | None = None) -> Round:
        """Mở đợt: a round needs at least one quota line, each (award type, recipient kind) once."""
        if not quotas:
            raise InvalidInput("quotas", "round_quotas_empty")
        seen: set[QuotaKey] = set()
        for line in quotas:
            if line.quota < 1:
                raise InvalidInput("quotas", "round_quota_not_positive", **quota_labels(*line.key))
            if line.key in seen:
                raise InvalidInput("quotas", "round_quota_duplicate", **quota_labels(*line.key))
            seen.add(line.key)
        if year > at.year + 1:
            raise InvalidInput("year", "round_year_too_far", year=year)
        if kind is RoundKind.ANNUAL and decision_date is None:
            decision_date = date(year, *ANNIVERSARY_MONTH_DAY)
        if decision_date is not None and decision_date.year != year:
            raise InvalidInput("decision_date", "round_decision_date_year", year=year)
        new = cls()
        new.record(RoundOpened(round_id=round_id, name=name.strip(), kind=kind, year=year, org_path=org_path,
                               org_unit_id=org_unit_id, decision_date=decision_date, quotas=list(quotas), at=at))
        return new

    def _require_opened(self) -> RoundOpened:
        if self.opened is None:
            raise NotInRound("round_not_found")
        return self.opened

    def nominate(self, *, nomination_id: UUID, model: EligibleModel, inside: bool, award_type: AwardType,
                 summary: str | None, at: datetime) -> None:
        """Đề nghị: only a model of the round's subtree, for a quota the round has, once per award type.

        `inside`: the model's owner is carried, now, within the awarding body's subtree — a fact of the
        hierarchy the handler reads and hands in."""
        opened = self._require_opened()
        if not inside:
            raise InvalidInput("model_id", "model_outside_round", org_path=model.org_path,
                               round_org_path=opened.org_path)
        if (award_type, model.recipient_kind) not in self.quotas:
            raise InvalidInput("award_type", "round_no_quota_line", **quota_labels(award_type, model.recipient_kind))
        if (model.model_id, award_type) in self.nominated:
            # Luật Thi đua, khen thưởng 2022: một thành tích chỉ được khen thưởng một lần.
            raise DomainError("model_already_nominated", title=model.title, **quota_labels(award_type,
                                                                                          model.recipient_kind))
        if nomination_id in self.nominations:
            raise DomainError("nomination_id_taken")
        self.record(ModelNominated(nomination_id=nomination_id, award_type=award_type, model=model,
                                   summary=summary, at=at))

    def grant(self, *, nomination_id: UUID, grant_id: UUID, at: datetime) -> AwardGrantedInRound:
        """Quyết định khen thưởng: refused once the nomination's quota line is used up."""
        self._require_opened()
        nomination = self.nominations.get(nomination_id)
        if nomination is None:
            raise NotInRound("nomination_not_found")
        if nomination_id in self.grants:
            raise DomainError("nomination_already_granted", title=nomination.model.title)
        key: QuotaKey = (nomination.award_type, nomination.model.recipient_kind)
        quota, granted = self.quotas[key], self.granted.get(key, 0)
        if granted >= quota:
            raise DomainError("round_quota_exhausted", granted=granted, quota=quota, **quota_labels(*key))
        event = AwardGrantedInRound(grant_id=grant_id, nomination_id=nomination_id, award_type=key[0],
                                    recipient_kind=key[1], quota=quota, granted_in_quota=granted + 1, at=at)
        self.record(event)
        return event

    def remaining(self, key: QuotaKey) -> int:
        return self.quotas.get(key, 0) - self.granted.get(key, 0)
