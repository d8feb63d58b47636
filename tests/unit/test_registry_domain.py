"""Registry aggregates: given(events) → when(command) → then(events), for every decision and refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry import messages  # noqa: F401 - every refusal below must have its message
from services.registry.models import Model, ModelField, ModelRecorded, Person
from services.registry.org_units import (
    OrgUnit,
    OrgUnitAbsorbed,
    OrgUnitClosed,
    OrgUnitCreated,
    OrgUnitDivided,
    OrgUnitMergedInto,
    OrgUnitNameChanged,
    OrgUnitParentChanged,
    Share,
    ShareTaken,
    merge,
    place_of_new_successor,
)
from shared.domain.aggregate import DomainError, InvalidInput
from shared.i18n import message

NOW = datetime(2025, 10, 15, 3, 0, tzinfo=UTC)
ON = date(2025, 10, 15)
PROVINCE = uuid.UUID(int=1)
COMMUNE = uuid.UUID(int=2)
OTHER = uuid.UUID(int=3)
THIRD = uuid.UUID(int=4)
PROVINCE_16 = uuid.UUID(int=5)
M1, M2, M3 = uuid.UUID(int=101), uuid.UUID(int=102), uuid.UUID(int=103)


def unit(org_unit_id: uuid.UUID = COMMUNE, code: str = "02989", name: str = "Xã Bảo Hà",
         parent: uuid.UUID | None = PROVINCE, since: date = date(2025, 7, 1), *more: Any) -> OrgUnit:
    created = OrgUnitCreated(org_unit_id=org_unit_id, code=code, name=name, kind="commune", parent_id=parent,
                             path=f"VN.15.{code}", at=NOW, effective_on=since)
    return OrgUnit.rehydrate([created, *more])


def province(org_unit_id: uuid.UUID = PROVINCE, code: str = "15") -> OrgUnit:
    return OrgUnit.rehydrate([OrgUnitCreated(org_unit_id=org_unit_id, code=code, name=f"Tỉnh {code}",
                                             kind="province", parent_id=None, path=f"VN.{code}", at=NOW,
                                             effective_on=date(2025, 1, 1))])


def ended(org_unit_id: uuid.UUID = COMMUNE) -> OrgUnit:
    return unit(org_unit_id, "02989", "Xã Bảo Hà", PROVINCE, date(2025, 7, 1), OrgUnitClosed(
        org_unit_id=org_unit_id, path="VN.15.02989", successor_id=None, reason=None, effective_on=ON, at=NOW))


def refused(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    """field → code of a field-level refusal, checking each has its own Vietnamese and English text."""
    assert isinstance(exc.value, InvalidInput)
    out = {}
    for p in exc.value.problems:
        text = message(f"field.{p.code}", **p.params)
        assert text != message("field.unknown") and text.vi != text.en, p.code
        out[p.field] = p.code
    return out


def test_every_state_refusal_has_a_bilingual_message() -> None:
    for code in ("org_unit_ended", "org_unit_has_units", "org_unit_code_taken"):
        assert message(code) != message("field.unknown")


# -- register --------------------------------------------------------------------------------------

def test_a_unit_created_under_a_parent_takes_the_parents_path_now() -> None:
    created = OrgUnit.create(org_unit_id=COMMUNE, code="02989", name="Xã Bảo Hà", kind="commune",
                             parent=province(), parent_path="VN.15", at=NOW, effective_on=date(2025, 7, 1))
    assert created.pending == [OrgUnitCreated(
        org_unit_id=COMMUNE, code="02989", name="Xã Bảo Hà", kind="commune", parent_id=PROVINCE,
        path="VN.15.02989", at=NOW, effective_on=date(2025, 7, 1))]
    assert created.valid_from == date(2025, 7, 1)


def test_a_unit_stored_before_effective_dates_exists_from_its_day_in_vietnam() -> None:
    late = datetime(2025, 6, 30, 18, 30, tzinfo=UTC)  # 01:30 on 1 July in Hà Nội
    old = OrgUnit.rehydrate([OrgUnitCreated(org_unit_id=COMMUNE, code="02989", name="Xã Bảo Hà", kind="commune",
                                            parent_id=PROVINCE, path="VN.15.02989", at=late)])
    assert old.valid_from == date(2025, 7, 1)


def test_a_unit_under_an_ended_parent_or_a_taken_code_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        OrgUnit.create(org_unit_id=OTHER, code="1", name="Thôn 1", kind="village", parent=ended(), at=NOW)
    assert refused(exc) == {"parent_id": "org_unit_ended"}
    with pytest.raises(DomainError) as taken:
        OrgUnit.create(org_unit_id=OTHER, code="02989", name="Xã Bảo Hà", kind="commune", parent=province(),
                       at=NOW, code_taken=True)
    assert taken.value.code == "org_unit_code_taken"


def test_a_unit_cannot_start_before_its_parent() -> None:
    with pytest.raises(InvalidInput) as exc:
        OrgUnit.create(org_unit_id=OTHER, code="1", name="Thôn 1", kind="village", parent=unit(), at=NOW,
                       effective_on=date(2025, 6, 30))
    assert refused(exc) == {"effective_on": "org_unit_effective_before_parent"}


# -- rename ----------------------------------------------------------------------------------------

def test_rename_records_old_and_new_name() -> None:
    given = unit()
    given.rename(name="Xã Bảo Hà mới", path="VN.15.02989", effective_on=ON, at=NOW)
    assert given.pending == [OrgUnitNameChanged(org_unit_id=COMMUNE, old_name="Xã Bảo Hà", name="Xã Bảo Hà mới",
                                                path="VN.15.02989", effective_on=ON, at=NOW)]


@pytest.mark.parametrize(("name", "on", "field", "code"), [
    ("Xã Bảo Hà", ON, "name", "org_unit_same_name"),
    ("Xã Bảo Hà mới", date(2025, 6, 30), "effective_on", "org_unit_effective_before_start"),
])
def test_rename_refusals(name: str, on: date, field: str, code: str) -> None:
    given = unit()
    with pytest.raises(InvalidInput) as exc:
        given.rename(name=name, path="VN.15.02989", effective_on=on, at=NOW)
    assert refused(exc) == {field: code}
    assert given.pending == []


def test_a_change_cannot_take_effect_before_the_latest_one() -> None:
    given = unit(COMMUNE, "02989", "Xã Bảo Hà", PROVINCE, date(2025, 7, 1), OrgUnitNameChanged(
        org_unit_id=COMMUNE, old_name="Xã Bảo Hà", name="Xã Bảo Hà 2", path="VN.15.02989",
        effective_on=date(2025, 9, 1), at=NOW))
    with pytest.raises(InvalidInput) as exc:
        given.rename(name="Xã Bảo Hà 3", path="VN.15.02989", effective_on=date(2025, 8, 1), at=NOW)
    assert refused(exc) == {"effective_on": "org_unit_effective_before_last_change"}


def test_an_ended_unit_cannot_be_acted_on() -> None:
    for act in (lambda u: u.rename(name="Khác", path="p", effective_on=ON, at=NOW),
                lambda u: u.move(parent=province(PROVINCE_16, "16"), parent_path="VN.16", old_parent_id=PROVINCE,
                                 old_path="VN.15.02989", parent_inside=False, code_taken=False, effective_on=ON,
                                 at=NOW),
                lambda u: u.dissolve(path="p", successor=None, carried_models=0, has_units=False, reason=None,
                                     effective_on=ON, at=NOW)):
        given = ended()
        with pytest.raises(DomainError) as exc:
            act(given)
        assert exc.value.code == "org_unit_ended" and not isinstance(exc.value, InvalidInput)
        assert given.pending == []


# -- move ------------------------------------------------------------------------------------------

def _move(given: OrgUnit, parent: OrgUnit, **facts: Any) -> None:
    args: dict[str, Any] = {"parent_path": "VN.16", "old_parent_id": PROVINCE, "old_path": "VN.15.02989",
                            "parent_inside": False, "code_taken": False, "effective_on": ON, "at": NOW}
    args.update(facts)
    given.move(parent=parent, **args)


def test_move_records_the_old_and_new_place() -> None:
    given = unit()
    _move(given, province(PROVINCE_16, "16"))
    assert given.pending == [OrgUnitParentChanged(
        org_unit_id=COMMUNE, old_parent_id=PROVINCE, parent_id=PROVINCE_16, old_path="VN.15.02989",
        path="VN.16.02989", effective_on=ON, at=NOW)]


def test_a_unit_cannot_move_under_itself_or_its_descendant() -> None:
    given = unit()
    with pytest.raises(InvalidInput) as exc:
        _move(given, unit())
    assert refused(exc) == {"parent_id": "org_unit_move_into_itself"}
    with pytest.raises(InvalidInput) as exc:
        _move(given, unit(OTHER, "1"), parent_inside=True)
    assert refused(exc) == {"parent_id": "org_unit_move_into_itself"}
    assert given.pending == []


@pytest.mark.parametrize(("parent", "facts", "field", "code"), [
    (lambda: ended(OTHER), {}, "parent_id", "org_unit_ended"),
    (province, {}, "parent_id", "org_unit_already_there"),
    (lambda: province(PROVINCE_16, "16"), {"effective_on": date(2025, 1, 1)}, "effective_on",
     "org_unit_effective_before_start"),
    (lambda: unit(OTHER, "1", "Xã mới", PROVINCE, date(2025, 12, 1)), {}, "effective_on",
     "org_unit_effective_before_parent"),
])
def test_move_refusals(parent: Any, facts: dict[str, Any], field: str, code: str) -> None:
    given = unit()
    with pytest.raises(InvalidInput) as exc:
        _move(given, parent(), **facts)
    assert refused(exc) == {field: code}


def test_a_move_onto_a_code_already_taken_under_the_new_parent_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        _move(unit(), province(PROVINCE_16, "16"), code_taken=True)
    assert exc.value.code == "org_unit_code_taken"


# -- merge -----------------------------------------------------------------------------------------

PATHS = {COMMUNE: "VN.15.02989", OTHER: "VN.15.02953", THIRD: "VN.15.02947"}


def _merge(merged: list[OrgUnit], successor: OrgUnit, **facts: Any) -> None:
    args: dict[str, Any] = {"paths": PATHS, "successor_path": "VN.15.02947", "successor_inside": False,
                            "clashing_codes": frozenset(), "effective_on": ON, "at": NOW}
    args.update(facts)
    merge(merged, successor, **args)


def test_merge_ends_the_merged_units_and_the_successor_absorbs_them() -> None:
    a, b, successor = unit(), unit(OTHER, "02953", "Xã Nghĩa Đô"), unit(THIRD, "02947", "Xã Bảo Yên")
    _merge([a, b], successor)
    assert a.pending == [OrgUnitMergedInto(org_unit_id=COMMUNE, successor_id=THIRD, path="VN.15.02989",
                                           effective_on=ON, at=NOW)]
    assert b.ended is not None and b.ended.successor_id == THIRD
    assert successor.pending == [OrgUnitAbsorbed(
        org_unit_id=THIRD, name="Xã Bảo Yên", path="VN.15.02947", merged_ids=[COMMUNE, OTHER],
        merged_paths=["VN.15.02989", "VN.15.02953"], effective_on=ON, at=NOW)]


def test_merge_refusals_name_every_field_at_once() -> None:
    a, successor = unit(), unit(THIRD, "02947", "Xã Bảo Yên")
    with pytest.raises(InvalidInput) as exc:
        _merge([a, successor, a, ended(OTHER)], successor, successor_inside=True)
    assert refused(exc) == {"merged_ids.1": "org_unit_merge_into_itself", "merged_ids.2": "org_unit_merged_twice",
                            "merged_ids.3": "org_unit_ended", "successor_id": "org_unit_successor_inside_merged"}
    assert a.pending == successor.pending == []


def test_merge_into_an_ended_or_not_yet_existing_successor_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        _merge([unit()], ended(THIRD))
    assert refused(exc) == {"successor_id": "org_unit_ended"}
    with pytest.raises(InvalidInput) as exc:
        _merge([unit()], unit(THIRD, "02947", "Xã Bảo Yên", PROVINCE, date(2025, 12, 1)))
    assert refused(exc) == {"successor_id": "org_unit_successor_not_yet"}


def test_merge_before_a_merged_unit_existed_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        _merge([unit()], unit(THIRD, "02947", "Xã Bảo Yên", PROVINCE, date(2025, 1, 1)),
               effective_on=date(2025, 6, 1))
    assert refused(exc) == {"effective_on": "org_unit_effective_before_last_change"}


def test_merge_whose_children_would_share_a_code_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        _merge([unit()], unit(THIRD, "02947"), clashing_codes=frozenset({"T1"}))
    assert exc.value.code == "org_unit_code_taken"


def test_a_new_successor_stands_where_it_is_told_or_under_the_common_parent() -> None:
    assert place_of_new_successor({COMMUNE: PROVINCE, OTHER: PROVINCE}, None) == PROVINCE
    assert place_of_new_successor({COMMUNE: PROVINCE, OTHER: PROVINCE_16}, PROVINCE_16) == PROVINCE_16
    with pytest.raises(InvalidInput) as exc:
        place_of_new_successor({COMMUNE: PROVINCE, OTHER: PROVINCE_16}, None)
    assert refused(exc) == {"successor.parent_id": "org_unit_merge_parent_required"}


# -- split -----------------------------------------------------------------------------------------

def _split(given: OrgUnit, shares: list[Share], default: uuid.UUID | None = None, **facts: Any) -> uuid.UUID:
    args: dict[str, Any] = {"path": "VN.15.02989", "carried": frozenset({M1, M2, M3}), "has_units": False,
                            "effective_on": ON, "at": NOW}
    args.update(facts)
    return given.split(shares=shares, default_successor_id=default, **args)


def test_split_assigns_entities_and_names_the_default_successor() -> None:
    given = unit()
    default = _split(given, [Share(unit(OTHER, "02953"), "VN.15.02953", [M1]),
                             Share(unit(THIRD, "02947"), "VN.15.02947", [M2])], default=THIRD)
    assert default == THIRD
    assert given.pending == [OrgUnitDivided(
        org_unit_id=COMMUNE, path="VN.15.02989", default_successor_id=THIRD, effective_on=ON, at=NOW,
        shares=[ShareTaken(org_unit_id=OTHER, path="VN.15.02953", entity_ids=[M1]),
                ShareTaken(org_unit_id=THIRD, path="VN.15.02947", entity_ids=[M2])])]
    assert given.ended is not None and given.ended.how == "split"


def test_a_split_assigning_every_entity_needs_no_default() -> None:
    default = _split(unit(), [Share(unit(OTHER, "02953"), "a", [M1, M3]), Share(unit(THIRD, "02947"), "b", [M2])])
    assert default == OTHER


def test_split_refusals() -> None:
    given = unit()
    with pytest.raises(InvalidInput) as exc:
        _split(given, [Share(unit(OTHER, "02953"), "a", [M1, uuid.UUID(int=999)]), Share(given, "b", [M1]),
                       Share(unit(OTHER, "02953"), "a", [])], default=PROVINCE)
    assert refused(exc) == {
        "shares.0.entity_ids.1": "org_unit_entity_not_carried", "shares.1.org_unit_id": "org_unit_successor_is_itself",
        "shares.1.entity_ids.0": "org_unit_entity_assigned_twice", "shares.2.org_unit_id": "org_unit_successor_twice",
        "shares": "org_unit_split_too_few", "default_successor_id": "org_unit_default_not_successor"}
    with pytest.raises(InvalidInput) as exc:
        _split(given, [Share(unit(OTHER, "02953"), "a", [M1]), Share(ended(THIRD), "b", [M2])])
    assert refused(exc) == {"shares.1.org_unit_id": "org_unit_ended",
                            "default_successor_id": "org_unit_successor_required"}
    assert given.pending == []


def test_a_unit_with_units_under_it_is_neither_split_nor_dissolved() -> None:
    shares = [Share(unit(OTHER, "02953"), "a", []), Share(unit(THIRD, "02947"), "b", [])]
    with pytest.raises(DomainError) as exc:
        _split(unit(), shares, default=OTHER, has_units=True)
    assert exc.value.code == "org_unit_has_units"
    with pytest.raises(DomainError) as exc:
        unit().dissolve(path="p", successor=None, carried_models=0, has_units=True, reason=None, effective_on=ON,
                        at=NOW)
    assert exc.value.code == "org_unit_has_units"


# -- dissolve --------------------------------------------------------------------------------------

def test_dissolve_with_or_without_a_successor() -> None:
    alone = unit()
    alone.dissolve(path="VN.15.02989", successor=None, carried_models=0, has_units=False, reason="giải thể",
                   effective_on=ON, at=NOW)
    assert alone.pending == [OrgUnitClosed(org_unit_id=COMMUNE, path="VN.15.02989", successor_id=None,
                                           reason="giải thể", effective_on=ON, at=NOW)]
    carried = unit()
    carried.dissolve(path="VN.15.02989", successor=unit(OTHER, "02953"), carried_models=2, has_units=False,
                     reason=None, effective_on=ON, at=NOW)
    assert isinstance(carried.pending[0], OrgUnitClosed) and carried.pending[0].successor_id == OTHER


@pytest.mark.parametrize(("successor", "on", "field", "code"), [
    (lambda: None, ON, "successor_id", "org_unit_successor_required"),
    (unit, ON, "successor_id", "org_unit_successor_is_itself"),
    (lambda: ended(OTHER), ON, "successor_id", "org_unit_ended"),
    (lambda: unit(OTHER, "02953"), date(2025, 6, 1), "effective_on", "org_unit_effective_before_start"),
])
def test_dissolve_refusals(successor: Any, on: date, field: str, code: str) -> None:
    given = unit()
    with pytest.raises(InvalidInput) as exc:
        given.dissolve(path="p", successor=successor(), carried_models=2, has_units=False, reason=None,
                       effective_on=on, at=NOW)
    assert refused(exc) == {field: code}
    assert given.pending == []


# -- models ----------------------------------------------------------------------------------------

def test_registering_a_model_records_its_owner_path_now_and_name() -> None:
    model_id = uuid.uuid4()
    model = Model()
    model.register(model_id=model_id, title="  Dân vận khéo trong xây dựng nông thôn mới ", description=None,
                   owner=province(), owner_path="VN.15", recipient_kind="collective", field=ModelField.KINH_TE,
                   year=2025, at=NOW)
    assert model.pending == [ModelRecorded(
        model_id=model_id, title="Dân vận khéo trong xây dựng nông thôn mới", description=None,
        owner_org_unit_id=PROVINCE, owner_org_path="VN.15", owner_org_name="Tỉnh 15",
        recipient_kind="collective", field=ModelField.KINH_TE, year=2025, at=NOW)]


def test_a_model_of_an_ended_unit_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        Model().register(model_id=uuid.uuid4(), title="Mô hình A", description=None, owner=ended(),
                         recipient_kind="collective", field=ModelField.KINH_TE, year=2025, at=NOW)
    assert refused(exc) == {"owner_org_unit_id": "org_unit_ended"}


def test_a_model_is_registered_once() -> None:
    model = Model()
    model.register(model_id=uuid.uuid4(), title="Mô hình A", description=None, owner=province(),
                   recipient_kind="individual", field=ModelField.VAN_HOA_XA_HOI, year=2025, at=NOW,
                   person=Person(full_name="Lò Thị Hoa"))
    given = Model.rehydrate(model.pending)
    with pytest.raises(DomainError) as exc:
        given.register(model_id=uuid.uuid4(), title="Mô hình A", description=None, owner=province(),
                       recipient_kind="individual", field=ModelField.VAN_HOA_XA_HOI, year=2025, at=NOW,
                       person=Person(full_name="Lò Thị Hoa"))
    assert exc.value.code == "model_already_registered"
    assert given.pending == []


def test_a_model_for_a_year_not_yet_begun_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        Model().register(model_id=uuid.uuid4(), title="Mô hình B", description=None, owner=province(),
                         recipient_kind="collective", field=ModelField.KINH_TE, year=2030, at=NOW)
    assert exc.value.code == "model_year_in_future"
