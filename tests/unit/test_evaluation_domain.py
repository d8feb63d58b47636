"""Evaluation aggregates as given(events) → when(command) → then(events), with nothing to fake."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st

from services.evaluation.domain import (
    EVENT_TYPES,
    CriteriaSet,
    CriteriaSetDefined,
    Criterion,
    GivenScore,
    Inspection,
    InspectionRecorded,
    InvalidInput,
    KnownModel,
)
from services.evaluation.handlers import outcome_contract
from shared.contracts import InspectionFailed, InspectionPassed
from shared.domain.aggregate import DomainError
from shared.domain.events import DomainEvent
from shared.i18n import VN_TZ

AT = datetime(2025, 10, 1, 2, 30, tzinfo=UTC)
SET_ID = uuid.UUID("00000000-0000-4000-8000-00000000c001")
INSPECTION_ID = uuid.UUID("00000000-0000-4000-8000-00000000a001")
MODEL = KnownModel(model_id=uuid.UUID("00000000-0000-4000-8000-00000000b001"),
                   title="Dân vận khéo trong xây dựng nông thôn mới", owner_org_path="VN.15.04321",
                   owner_org_name="Xã Bảo Hà", recipient_kind="collective", year=2025)
# The four exemplar criteria of seed 001: persuasive, spreading, replicable, with people's consensus.
SEED_CRITERIA = [
    Criterion(code="thuyet_phuc", name_vi="Thuyết phục", name_en="Persuasive", max_score=25),
    Criterion(code="lan_toa", name_vi="Có sức lan tỏa", name_en="Spreading", max_score=25),
    Criterion(code="nhan_rong", name_vi="Có thể nhân rộng", name_en="Replicable", max_score=25),
    Criterion(code="dong_thuan", name_vi="Tạo sự đồng thuận của nhân dân", name_en="People's consensus",
              max_score=25),
]


A = TypeVar("A", CriteriaSet, Inspection)


def given(cls: type[A], *events: DomainEvent) -> A:
    return cls.rehydrate(events)


def set_defined(**overrides: Any) -> CriteriaSetDefined:
    fields: dict[str, Any] = dict(criteria_set_id=SET_ID, code="DVK-2025", name="Tiêu chí điển hình Dân vận khéo",
                                  org_path="VN.15", year=2025, valid_from=None, pass_score=70.0,
                                  criteria=SEED_CRITERIA, at=AT)
    return CriteriaSetDefined(**(fields | overrides))


def define(criteria_set: CriteriaSet, **overrides: Any) -> None:
    args: dict[str, Any] = dict(criteria_set_id=SET_ID, code="DVK-2025", name="Tiêu chí điển hình Dân vận khéo",
                                org_path="VN.15", year=2025, valid_from=None, pass_score=70.0,
                                criteria=SEED_CRITERIA, at=AT)
    criteria_set.define(**(args | overrides))


def inspect(inspection: Inspection, scores: list[tuple[str, float]], *, criteria_set: CriteriaSet | None = None,
            **overrides: Any) -> None:
    args: dict[str, Any] = dict(inspection_id=INSPECTION_ID, model=MODEL, applies=True,
                                criteria_set=criteria_set or given(CriteriaSet, set_defined()),
                                scores=[GivenScore(c, s) for c, s in scores], inspected_on=None, notes=None, at=AT)
    inspection.assess(**(args | overrides))


def refused_fields(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


FULL = [("thuyet_phuc", 20), ("lan_toa", 20), ("nhan_rong", 15), ("dong_thuan", 15)]   # 70: exactly the pass mark


# --- criteria sets ----------------------------------------------------------------------------------

def test_defining_a_criteria_set_records_the_criteria_as_data() -> None:
    criteria_set = given(CriteriaSet)
    define(criteria_set)
    assert criteria_set.pending == [set_defined()]
    assert criteria_set.expected_version == 0


def test_a_criteria_set_is_defined_once() -> None:
    criteria_set = given(CriteriaSet, set_defined())
    with pytest.raises(DomainError) as exc:
        define(criteria_set)
    assert exc.value.code == "criteria_set_already_defined"
    assert criteria_set.pending == []


def test_duplicate_criterion_codes_are_refused_at_the_second_one() -> None:
    criteria = [*SEED_CRITERIA, SEED_CRITERIA[1]]
    criteria_set = given(CriteriaSet)
    with pytest.raises(InvalidInput) as exc:
        define(criteria_set, criteria=criteria, pass_score=50.0)
    assert refused_fields(exc) == {"criteria.4.code": "criterion_code_duplicate"}
    assert criteria_set.pending == []


@pytest.mark.parametrize(("pass_score", "accepted"), [(100.0, True), (100.5, False), (0.5, True)])
def test_the_pass_mark_must_be_within_reach(pass_score: float, accepted: bool) -> None:
    criteria_set = given(CriteriaSet)
    if accepted:
        define(criteria_set, pass_score=pass_score)
        assert criteria_set.pending == [set_defined(pass_score=pass_score)]
    else:
        with pytest.raises(InvalidInput) as exc:
            define(criteria_set, pass_score=pass_score)
        assert refused_fields(exc) == {"pass_score": "pass_score_above_total"}
        assert criteria_set.pending == []


def test_every_problem_is_reported_at_once() -> None:
    bad = [Criterion(code="a", name_vi="Một", name_en="One", max_score=0),
           Criterion(code="a", name_vi="Hai", name_en="Two", max_score=5)]
    with pytest.raises(InvalidInput) as exc:
        define(given(CriteriaSet), criteria=bad, year=None, valid_from=None, pass_score=-1.0)
    assert refused_fields(exc) == {"year": "criteria_set_period_missing", "criteria.0.max_score":
                                   "max_score_not_positive", "criteria.1.code": "criterion_code_duplicate",
                                   "pass_score": "pass_score_not_positive"}


def test_an_empty_criteria_list_and_a_start_outside_the_year_are_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        define(given(CriteriaSet), criteria=[], valid_from=date(2024, 12, 31))
    assert refused_fields(exc) == {"valid_from": "criteria_set_period_mismatch", "criteria": "criteria_empty",
                                   "pass_score": "pass_score_above_total"}


def test_a_criteria_set_is_in_force_within_its_period() -> None:
    by_year = given(CriteriaSet, set_defined())
    from_date = given(CriteriaSet, set_defined(year=None, valid_from=date(2025, 3, 1)))
    assert by_year.in_force_on(date(2025, 1, 1)) and not by_year.in_force_on(date(2026, 1, 1))
    assert from_date.in_force_on(date(2030, 1, 1)) and not from_date.in_force_on(date(2025, 2, 28))
    assert not given(CriteriaSet).in_force_on(date(2025, 6, 1))


# --- inspections ------------------------------------------------------------------------------------

def test_an_inspection_reaching_the_pass_mark_passes() -> None:
    inspection = given(Inspection)
    inspect(inspection, list(reversed(FULL)), notes="Đạt")
    [event] = inspection.pending
    assert isinstance(event, InspectionRecorded)
    assert event.passed is True
    assert event.total_score == 70.0
    assert [(s.code, s.score, s.max_score) for s in event.scores] == [(c, s, 25) for c, s in FULL]  # set's order
    assert (event.model_id, event.owner_org_path, event.criteria_set_id) == (MODEL.model_id, "VN.15.04321", SET_ID)
    assert event.inspected_on == AT.astimezone(VN_TZ).date()
    assert event.notes == "Đạt"


def test_an_inspection_below_the_pass_mark_fails() -> None:
    inspection = given(Inspection)
    inspect(inspection, [*FULL[:3], ("dong_thuan", 14.5)])
    [event] = inspection.pending
    assert isinstance(event, InspectionRecorded)
    assert (event.passed, event.total_score, event.pass_score) == (False, 69.5, 70.0)


def test_decimal_scores_add_up_as_people_typed_them() -> None:
    criteria = [Criterion(code=c, name_vi=c, name_en=c, max_score=1) for c in ("a", "b")]
    criteria_set = given(CriteriaSet, set_defined(criteria=criteria, pass_score=0.3))
    inspection = given(Inspection)
    inspect(inspection, [("a", 0.1), ("b", 0.2)], criteria_set=criteria_set)
    assert inspection.pending[0].passed is True  # type: ignore[attr-defined]


@pytest.mark.parametrize(("score", "code"), [(25.5, "score_above_max"), (-1, "score_negative"),
                                              (float("nan"), "score_not_finite")])
def test_a_score_out_of_range_is_refused_at_its_line(score: float, code: str) -> None:
    inspection = given(Inspection)
    with pytest.raises(InvalidInput) as exc:
        inspect(inspection, [*FULL[:2], ("nhan_rong", score), FULL[3]])
    assert refused_fields(exc) == {"scores.2.score": code}
    assert inspection.pending == []


def test_a_missing_criterion_is_refused_naming_it() -> None:
    inspection = given(Inspection)
    with pytest.raises(InvalidInput) as exc:
        inspect(inspection, FULL[:2])
    [problem] = exc.value.problems
    assert (problem.field, problem.code, problem.params) == ("scores", "criterion_not_scored",
                                                             {"codes": "nhan_rong, dong_thuan"})
    assert inspection.pending == []


def test_unknown_and_twice_scored_criteria_are_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        inspect(given(Inspection), [*FULL, ("sang_tao", 3), ("lan_toa", 1)])
    assert refused_fields(exc) == {"scores.4.code": "criterion_unknown", "scores.5.code": "criterion_scored_twice"}


def test_the_criteria_set_must_apply_to_the_model_and_the_day() -> None:
    elsewhere = given(CriteriaSet, set_defined(org_path="VN.31"))
    with pytest.raises(InvalidInput) as exc:
        inspect(given(Inspection), FULL, criteria_set=elsewhere, applies=False, inspected_on=date(2024, 12, 1))
    assert refused_fields(exc) == {"criteria_set_id": "criteria_set_not_applicable"}
    with pytest.raises(InvalidInput) as exc:
        inspect(given(Inspection), FULL, inspected_on=date(2024, 12, 1))
    assert refused_fields(exc) == {"criteria_set_id": "criteria_set_not_in_force"}


def test_an_inspection_cannot_be_dated_in_the_future() -> None:
    tomorrow = AT.astimezone(VN_TZ).date() + timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        inspect(given(Inspection), FULL, inspected_on=tomorrow)
    assert refused_fields(exc) == {"inspected_on": "inspected_on_in_future"}


def test_an_undefined_criteria_set_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        inspect(given(Inspection), FULL, criteria_set=given(CriteriaSet))
    assert refused_fields(exc) == {"criteria_set_id": "criteria_set_unknown"}


def test_an_inspection_is_recorded_once() -> None:
    first = given(Inspection)
    inspect(first, FULL)
    again = given(Inspection, *first.pending)
    assert again.version == 1
    with pytest.raises(DomainError) as exc:
        inspect(again, FULL)
    assert exc.value.code == "inspection_already_recorded"
    assert again.pending == []


def test_the_inspection_moment_is_the_recording_time_today_else_the_day_in_vietnam() -> None:
    today, earlier = given(Inspection), given(Inspection)
    inspect(today, FULL)
    inspect(earlier, FULL, inspected_on=date(2025, 9, 2))
    assert today.pending[0].inspected_at == AT  # type: ignore[attr-defined]
    assert earlier.pending[0].inspected_at == datetime.combine(date(2025, 9, 2), time.min, VN_TZ)  # type: ignore[attr-defined]


def test_stored_events_load_back_equal_through_the_registry() -> None:
    inspection = given(Inspection)
    inspect(inspection, FULL, notes="Ghi chú")
    for event in [set_defined(valid_from=date(2025, 2, 1)), *inspection.pending]:
        assert EVENT_TYPES.load(event.NAME, event.model_dump(mode="json")) == event


@pytest.mark.parametrize(("scores", "contract"), [(FULL, InspectionPassed), ([*FULL[:3], ("dong_thuan", 0)],
                                                                              InspectionFailed)])
def test_the_public_contract_is_about_the_models_owner(scores: list[tuple[str, float]], contract: type) -> None:
    inspection = given(Inspection)
    inspect(inspection, scores)
    event = inspection.pending[0]
    assert isinstance(event, InspectionRecorded)
    public = outcome_contract(event)
    assert type(public) is contract
    assert public.org_path == MODEL.owner_org_path
    assert public.total_score == event.total_score
    assert [s.model_dump() for s in public.scores] == [s.model_dump() for s in event.scores]


@hypothesis_given(st.lists(st.integers(0, 100), min_size=4, max_size=4), st.integers(1, 100))
def test_in_range_scores_are_always_accepted_and_pass_exactly_at_the_mark(points: list[int], pass_mark: int) -> None:
    scores = [(c.code, p / 4) for c, p in zip(SEED_CRITERIA, points, strict=True)]   # quarter points, 0..25
    inspection = given(Inspection)
    inspect(inspection, scores, criteria_set=given(CriteriaSet, set_defined(pass_score=float(pass_mark))))
    [event] = inspection.pending
    assert isinstance(event, InspectionRecorded)
    assert event.total_score == sum(points) / 4
    assert event.passed == (sum(points) / 4 >= pass_mark)
