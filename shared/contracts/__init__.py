"""Public event contracts: the explicit registry from CloudEvents type to model class."""

from __future__ import annotations

from shared.contracts.awards_events import AwardGranted
from shared.contracts.base import IntegrationEvent
from shared.contracts.evaluation_events import CriterionScore, InspectionFailed, InspectionPassed
from shared.contracts.registry_events import (
    ORG_UNIT_EVENTS,
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
    RecipientKind,
    ReportSubmitted,
    SplitShare,
)

ALL_CONTRACTS: tuple[type[IntegrationEvent], ...] = (
    OrgUnitRegistered,
    OrgUnitRenamed,
    OrgUnitMoved,
    OrgUnitsMerged,
    OrgUnitSplit,
    OrgUnitDissolved,
    ModelRegistered,
    ModelAmended,
    ModelWithdrawn,
    ModelReplicated,
    PlanIssued,
    PlanSubmitted,
    ReportSubmitted,
    ParticipationRegistered,
    InspectionPassed,
    InspectionFailed,
    AwardGranted,
)

CONTRACTS_BY_TYPE: dict[str, type[IntegrationEvent]] = {c.ce_type(): c for c in ALL_CONTRACTS}


class UnknownContract(LookupError):
    pass


def contract_for(ce_type: str) -> type[IntegrationEvent]:
    try:
        return CONTRACTS_BY_TYPE[ce_type]
    except KeyError:
        raise UnknownContract(ce_type) from None


__all__ = [
    "ALL_CONTRACTS",
    "ORG_UNIT_EVENTS",
    "AwardGranted",
    "CriterionScore",
    "InspectionFailed",
    "InspectionPassed",
    "IntegrationEvent",
    "ModelAmended",
    "ModelRegistered",
    "ModelReplicated",
    "ModelWithdrawn",
    "OrgUnitDissolved",
    "OrgUnitMoved",
    "OrgUnitRegistered",
    "OrgUnitRenamed",
    "OrgUnitSplit",
    "OrgUnitsMerged",
    "ParticipationRegistered",
    "PlanDeadline",
    "PlanIssued",
    "PlanSubmitted",
    "RecipientKind",
    "ReportSubmitted",
    "SplitShare",
    "UnknownContract",
    "contract_for",
]
