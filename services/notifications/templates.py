"""What people read in the inbox: one title and body per event type, Vietnamese first, English beside.

All wording lives here, keyed by CloudEvents type, so a reviewer checks the language in one file
and adding an event type is adding one function. Dates use the event's own time (when the model
was registered, inspected, awarded — not when the message arrived) shown dd/MM/yyyy in
Asia/Ho_Chi_Minh; numbers use the decimal comma in Vietnamese and the point in English.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.contracts import AwardGranted, InspectionFailed, InspectionPassed, IntegrationEvent, ModelRegistered
from shared.contracts.evaluation_events import CriterionScore
from shared.i18n import Text, show_date

E = TypeVar("E", bound=IntegrationEvent)

RECIPIENT_KINDS: dict[str, Text] = {
    "collective": Text("tập thể", "collective"),
    "individual": Text("cá nhân", "individual"),
}

AWARD_TYPES: dict[str, Text] = {
    "commendation": Text("biểu dương", "commendation"),
    "reward": Text("khen thưởng", "reward"),
}

FIELDS: dict[str, Text] = {
    "kinh_te": Text("kinh tế", "economy"),
    "van_hoa_xa_hoi": Text("văn hoá – xã hội", "culture and society"),
    "quoc_phong_an_ninh": Text("quốc phòng – an ninh", "defence and security"),
    "xay_dung_he_thong_chinh_tri": Text("xây dựng hệ thống chính trị", "building the political system"),
}
"""Lĩnh vực labels; an unknown code (a field added upstream later) is shown as the code itself."""


@dataclass(frozen=True)
class Rendered:
    """One notification's text, ready to store."""

    title: Text
    body: Text


def number(value: float) -> Text:
    """85.0 → 85; 85.5 → "85,5" in Vietnamese and "85.5" in English."""
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return Text(shown.replace(".", ","), shown)


def score_of(total: float, scores: list[CriterionScore]) -> Text:
    """`85/100` when the criteria give a maximum, else just the total."""
    got = number(total)
    if not scores:
        return got
    out_of = number(sum(s.max_score for s in scores))
    return Text(f"{got.vi}/{out_of.vi}", f"{got.en}/{out_of.en}")


def _label(table: dict[str, Text], code: str) -> Text:
    return table.get(code, Text(code, code))


def model_registered(e: ModelRegistered) -> Rendered:
    kind, field = _label(RECIPIENT_KINDS, e.recipient_kind), _label(FIELDS, e.field)
    day = show_date(e.registered_at)
    return Rendered(
        title=Text(f'Mô hình "{e.title}" của {e.owner_org_name} đã được đăng ký',
                   f'Model "{e.title}" of {e.owner_org_name} was registered'),
        body=Text(f'Ngày {day}, {e.owner_org_name} đã đăng ký mô hình {kind.vi} "{e.title}" '
                  f"thuộc lĩnh vực {field.vi} cho năm {e.year}.",
                  f'On {day}, {e.owner_org_name} registered the {kind.en} model "{e.title}" '
                  f"in the field of {field.en} for {e.year}."))


def inspection_passed(e: InspectionPassed) -> Rendered:
    score, threshold = score_of(e.total_score, e.scores), number(e.pass_score)
    day = show_date(e.inspected_at)
    return Rendered(
        title=Text(f'Mô hình "{e.model_title}" của {e.owner_org_name} đạt kiểm tra ({score.vi} điểm)',
                   f'Model "{e.model_title}" of {e.owner_org_name} passed inspection ({score.en} points)'),
        body=Text(f'Ngày {day}, mô hình được kiểm tra theo bộ tiêu chí "{e.criteria_set_name}": '
                  f"{score.vi} điểm, đạt (điểm đạt {threshold.vi}).",
                  f'On {day}, the model was inspected against the criteria set "{e.criteria_set_name}": '
                  f"{score.en} points, passed (pass mark {threshold.en})."))


def inspection_failed(e: InspectionFailed) -> Rendered:
    score, threshold = score_of(e.total_score, e.scores), number(e.pass_score)
    day = show_date(e.inspected_at)
    return Rendered(
        title=Text(f'Mô hình "{e.model_title}" của {e.owner_org_name} chưa đạt kiểm tra ({score.vi} điểm)',
                   f'Model "{e.model_title}" of {e.owner_org_name} did not pass inspection ({score.en} points)'),
        body=Text(f'Ngày {day}, mô hình được kiểm tra theo bộ tiêu chí "{e.criteria_set_name}": '
                  f"{score.vi} điểm, chưa đạt điểm đạt {threshold.vi}. Đơn vị có thể khắc phục và đề nghị "
                  "kiểm tra lại.",
                  f'On {day}, the model was inspected against the criteria set "{e.criteria_set_name}": '
                  f"{score.en} points, below the pass mark of {threshold.en}. The unit may improve it and ask "
                  "for another inspection."))


def award_granted(e: AwardGranted) -> Rendered:
    kind, award = _label(RECIPIENT_KINDS, e.recipient_kind), _label(AWARD_TYPES, e.award_type)
    day = show_date(e.granted_at)
    return Rendered(
        title=Text(f'Mô hình "{e.model_title}" của {e.owner_org_name} được {award.vi} trong đợt "{e.round_name}"',
                   f'Model "{e.model_title}" of {e.owner_org_name} received a {award.en} in the round '
                   f'"{e.round_name}"'),
        body=Text(f'Ngày {day}, mô hình {kind.vi} "{e.model_title}" được {award.vi} '
                  f"(suất {e.granted_in_quota}/{e.quota} của đợt).",
                  f'On {day}, the {kind.en} model "{e.model_title}" received a {award.en} '
                  f"(place {e.granted_in_quota} of {e.quota} in the round)."))


def _entry(contract: type[E], render: Callable[[E], Rendered]) -> tuple[str, Callable[[Any], Rendered]]:
    return contract.ce_type(), render


TEMPLATES: dict[str, Callable[[Any], Rendered]] = dict([
    _entry(ModelRegistered, model_registered),
    _entry(InspectionPassed, inspection_passed),
    _entry(InspectionFailed, inspection_failed),
    _entry(AwardGranted, award_granted),
])
"""CloudEvents type → renderer. Exactly the types this service consumes and forwards."""


def render(event: IntegrationEvent) -> Rendered:
    """The notification for one public event; KeyError for a type with no template (a bug)."""
    return TEMPLATES[event.ce_type()](event)
