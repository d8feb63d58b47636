"""Inbox wording: Vietnamese first, English beside, dates dd/MM/yyyy in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.notifications.templates import TEMPLATES, number, render
from shared.contracts import (
    ALL_CONTRACTS,
    AwardGranted,
    CriterionScore,
    InspectionFailed,
    InspectionPassed,
    ModelRegistered,
    OrgUnitRegistered,
)

EVENING_UTC = datetime(2025, 10, 14, 18, 30, tzinfo=UTC)
"""01:30 on 15/10 in Vietnam (UTC+7): a template that forgot the time zone would show 14/10."""


def model_registered(at: datetime = EVENING_UTC) -> ModelRegistered:
    return ModelRegistered(
        org_path="VN.15.04321", model_id=uuid.uuid4(), title="Dân vận khéo trong xây dựng nông thôn mới",
        owner_org_unit_id=uuid.uuid4(), owner_org_name="Xã Bảo Hà", recipient_kind="collective", field="kinh_te",
        year=2025, registered_at=at)


def inspection(cls: type[InspectionPassed] | type[InspectionFailed], total: float) -> InspectionPassed:
    return cls(  # type: ignore[return-value]
        org_path="VN.15.04321", inspection_id=uuid.uuid4(), model_id=uuid.uuid4(), model_title="Chợ văn minh",
        owner_org_name="Xã Bảo Hà", recipient_kind="collective", criteria_set_id=uuid.uuid4(),
        criteria_set_name="Tiêu chí 2025",
        scores=[CriterionScore(code="c1", score=total - 40, max_score=60),
                CriterionScore(code="c2", score=40, max_score=40)],
        total_score=total, pass_score=70, inspected_at=EVENING_UTC)


def award(award_type: str = "reward") -> AwardGranted:
    return AwardGranted(
        org_path="VN.15.04321", grant_id=uuid.uuid4(), round_id=uuid.uuid4(),
        round_name="Tổng kết phong trào 2025", award_type=award_type, recipient_kind="individual",
        model_id=uuid.uuid4(), model_title="Tổ hòa giải giỏi", owner_org_name="Xã Bảo Hà", quota=20,
        granted_in_quota=3, granted_at=EVENING_UTC)


def test_model_registered_reads_in_vietnamese_then_english() -> None:
    text = render(model_registered())
    assert text.title.vi == 'Mô hình "Dân vận khéo trong xây dựng nông thôn mới" của Xã Bảo Hà đã được đăng ký'
    assert text.title.en == 'Model "Dân vận khéo trong xây dựng nông thôn mới" of Xã Bảo Hà was registered'
    assert "tập thể" in text.body.vi and "kinh tế" in text.body.vi
    assert "collective" in text.body.en and "economy" in text.body.en


def test_dates_are_shown_on_the_vietnamese_calendar_day() -> None:
    text = render(model_registered())
    assert "15/10/2025" in text.body.vi and "15/10/2025" in text.body.en
    assert "14/10/2025" not in text.body.vi
    # Earlier the same UTC day is still 14/10 in Vietnam: the date follows the event, not a constant.
    morning = render(model_registered(datetime(2025, 10, 14, 3, 0, tzinfo=UTC)))
    assert "14/10/2025" in morning.body.vi


def test_inspection_passed_shows_score_out_of_maximum() -> None:
    text = render(inspection(InspectionPassed, 85))
    assert text.title.vi == 'Mô hình "Chợ văn minh" của Xã Bảo Hà đạt kiểm tra (85/100 điểm)'
    assert text.title.en == 'Model "Chợ văn minh" of Xã Bảo Hà passed inspection (85/100 points)'
    assert "15/10/2025" in text.body.vi and "Tiêu chí 2025" in text.body.vi


def test_inspection_failed_uses_a_decimal_comma_in_vietnamese() -> None:
    text = render(inspection(InspectionFailed, 55.5))
    assert "chưa đạt kiểm tra (55,5/100 điểm)" in text.title.vi
    assert "did not pass inspection (55.5/100 points)" in text.title.en


def test_award_names_the_round() -> None:
    text = render(award())
    assert text.title.vi == ('Mô hình "Tổ hòa giải giỏi" của Xã Bảo Hà được khen thưởng trong đợt '
                             '"Tổng kết phong trào 2025"')
    assert text.title.en.startswith('Model "Tổ hòa giải giỏi" of Xã Bảo Hà received a reward in the round')
    assert "cá nhân" in text.body.vi and "3/20" in text.body.vi


def test_award_type_is_named_in_words_not_codes() -> None:
    commended = render(award("commendation"))
    assert "được biểu dương" in commended.title.vi and "commendation" in commended.title.en
    assert "commendation" not in commended.title.vi


def test_every_consumed_contract_has_a_template_and_no_other() -> None:
    consumed = {ModelRegistered, InspectionPassed, InspectionFailed, AwardGranted}
    assert set(TEMPLATES) == {c.ce_type() for c in consumed}
    assert {c for c in ALL_CONTRACTS if c.ce_type() in TEMPLATES} == consumed
    with pytest.raises(KeyError):
        render(OrgUnitRegistered(org_path="VN", org_unit_id=uuid.uuid4(), code="VN", name="Việt Nam",
                                 kind="country", parent_id=None, registered_at=EVENING_UTC))


@pytest.mark.parametrize(("value", "vi", "en"), [(85.0, "85", "85"), (85.5, "85,5", "85.5"), (0.25, "0,25", "0.25")])
def test_numbers(value: float, vi: str, en: str) -> None:
    shown = number(value)
    assert (shown.vi, shown.en) == (vi, en)
