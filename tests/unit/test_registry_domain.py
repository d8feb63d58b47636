"""Registry aggregates: given(events) → when(command) → then(events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.registry.domain import Model, ModelField, ModelRecorded, OrgUnit, OrgUnitCreated
from shared.domain.aggregate import DomainError

NOW = datetime(2025, 10, 15, 3, 0, tzinfo=UTC)
PROVINCE = uuid.UUID(int=1)
COMMUNE = uuid.UUID(int=2)


def province() -> OrgUnit:
    return OrgUnit.rehydrate([OrgUnitCreated(org_unit_id=PROVINCE, code="15", name="Tỉnh Lào Cai", kind="province",
                                             parent_id=None, path="VN.15", at=NOW)])


def test_a_unit_created_under_a_parent_takes_the_parents_path() -> None:
    unit = OrgUnit.create(org_unit_id=COMMUNE, code="04321", name="Xã Bảo Hà", kind="commune", parent=province(),
                          at=NOW)
    assert unit.pending == [OrgUnitCreated(org_unit_id=COMMUNE, code="04321", name="Xã Bảo Hà", kind="commune",
                                           parent_id=PROVINCE, path="VN.15.04321", at=NOW)]


def test_registering_a_model_records_its_owner_path_and_name() -> None:
    model_id = uuid.uuid4()
    model = Model()
    model.register(model_id=model_id, title="  Dân vận khéo trong xây dựng nông thôn mới ", description=None,
                   owner=province(), recipient_kind="collective", field=ModelField.KINH_TE, year=2025, at=NOW)
    assert model.pending == [ModelRecorded(
        model_id=model_id, title="Dân vận khéo trong xây dựng nông thôn mới", description=None,
        owner_org_unit_id=PROVINCE, owner_org_path="VN.15", owner_org_name="Tỉnh Lào Cai",
        recipient_kind="collective", field=ModelField.KINH_TE, year=2025, at=NOW)]


def test_a_model_is_registered_once() -> None:
    model = Model()
    model.register(model_id=uuid.uuid4(), title="Mô hình A", description=None, owner=province(),
                   recipient_kind="individual", field=ModelField.VAN_HOA_XA_HOI, year=2025, at=NOW)
    given = Model.rehydrate(model.pending)
    with pytest.raises(DomainError) as refused:
        given.register(model_id=uuid.uuid4(), title="Mô hình A", description=None, owner=province(),
                       recipient_kind="individual", field=ModelField.VAN_HOA_XA_HOI, year=2025, at=NOW)
    assert refused.value.code == "model_already_registered"
    assert given.pending == []


def test_a_model_for_a_year_not_yet_begun_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        Model().register(model_id=uuid.uuid4(), title="Mô hình B", description=None, owner=province(),
                         recipient_kind="collective", field=ModelField.KINH_TE, year=2030, at=NOW)
    assert refused.value.code == "model_year_in_future"
