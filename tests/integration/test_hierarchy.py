"""The shared hierarchy read model on a real PostgreSQL: re-organisation as data, history kept true."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import UUID

import asyncpg
import pytest

from shared import hierarchy
from shared.contracts import (
    IntegrationEvent,
    OrgUnitDissolved,
    OrgUnitMoved,
    OrgUnitRegistered,
    OrgUnitRenamed,
    OrgUnitsMerged,
    OrgUnitSplit,
    SplitShare,
)
from shared.hierarchy import HIERARCHY_MIGRATIONS, HierarchyOutOfOrder
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate

pytestmark = pytest.mark.integration
T0 = datetime(2020, 1, 1, tzinfo=UTC)
D_MOVE = date(2025, 7, 1)


@pytest.fixture
async def conn(database: str) -> AsyncIterator[asyncpg.Connection]:
    c = await asyncpg.connect(database)
    await migrate(c, [("platform", PLATFORM_MIGRATIONS), ("hierarchy", HIERARCHY_MIGRATIONS)])
    try:
        yield c
    finally:
        await c.close()


class Tree:
    """VN → 15 (Lào Cai) → 02989, 02953, 02947; VN → 10 (another province)."""

    def __init__(self) -> None:
        self.ids: dict[str, UUID] = {k: uuid.uuid4() for k in ("VN", "15", "10", "02989", "02953", "02947")}
        self.events: list[IntegrationEvent] = [
            self._reg("VN", None, "country", "VN"),
            self._reg("15", "VN", "province", "VN.15"),
            self._reg("10", "VN", "province", "VN.10"),
            self._reg("02989", "15", "commune", "VN.15.02989"),
            self._reg("02953", "15", "commune", "VN.15.02953"),
            self._reg("02947", "15", "commune", "VN.15.02947"),
        ]

    def _reg(self, code: str, parent: str | None, kind: str, path: str) -> OrgUnitRegistered:
        return OrgUnitRegistered(org_path=path, org_unit_id=self.ids[code], code=code, name=f"Đơn vị {code}",
                                 kind=kind, parent_id=self.ids[parent] if parent else None, registered_at=T0)


async def _load(conn: asyncpg.Connection, events: list[IntegrationEvent]) -> None:
    for e in events:
        await hierarchy.apply(conn, e)


async def _subtree(conn: asyncpg.Connection, root: UUID, on: date | None = None) -> set[UUID]:
    return set(await hierarchy.subtree_ids(conn, root, on))


async def test_paths_are_derived_and_a_move_changes_them_from_its_day(conn: asyncpg.Connection) -> None:
    t = Tree()
    await _load(conn, t.events)
    moved = OrgUnitMoved(org_path="VN.10.02947", org_unit_id=t.ids["02947"], old_parent_id=t.ids["15"],
                         parent_id=t.ids["10"], old_path="VN.15.02947", effective_on=D_MOVE, moved_at=T0)
    assert await hierarchy.apply(conn, moved)
    assert not await hierarchy.apply(conn, moved), "the same event twice changes nothing"
    now = await hierarchy.unit(conn, t.ids["02947"])
    before = await hierarchy.unit(conn, t.ids["02947"], date(2025, 6, 30))
    assert now is not None and now.path == "VN.10.02947"
    assert before is not None and before.path == "VN.15.02947"
    assert t.ids["02947"] not in await _subtree(conn, t.ids["15"])
    assert t.ids["02947"] in await _subtree(conn, t.ids["15"], date(2025, 6, 30))
    old_path = await hierarchy.unit_by_path(conn, "VN.15.02947")
    assert old_path is not None and old_path.id == t.ids["02947"], "an old path still finds the unit"
    assert [a.code for a in await hierarchy.ancestors(conn, t.ids["02947"])] == ["VN", "10", "02947"]


async def test_merge_makes_the_successor_carry_the_merged_units(conn: asyncpg.Connection) -> None:
    t = Tree()
    await _load(conn, t.events)
    merged = OrgUnitsMerged(org_path="VN.15.02989", successor_id=t.ids["02989"], successor_name="Đơn vị 02989",
                            merged_ids=[t.ids["02953"]], merged_paths=["VN.15.02953"],
                            effective_on=date(2025, 7, 1), merged_at=T0)
    assert await hierarchy.apply(conn, merged)
    assert not await hierarchy.apply(conn, merged)
    assert await _subtree(conn, t.ids["02989"]) == {t.ids["02989"], t.ids["02953"]}
    assert t.ids["02953"] in await _subtree(conn, t.ids["15"])
    assert await _subtree(conn, t.ids["02989"], date(2025, 6, 1)) == {t.ids["02989"]}
    assert await hierarchy.carrier(conn, t.ids["02953"]) == t.ids["02989"]
    ended = await hierarchy.unit(conn, t.ids["02953"])
    assert ended is not None and ended.ended and ended.successor_id == t.ids["02989"]
    assert ended.path == "VN.15.02953", "an ended unit keeps the path it had on its last day"
    assert await hierarchy.unit(conn, t.ids["02953"], date(2025, 8, 1)) is None


async def test_split_sends_named_entities_to_their_successor_and_the_rest_to_the_default(
        conn: asyncpg.Connection) -> None:
    t = Tree()
    await _load(conn, t.events)
    named, other = uuid.uuid4(), uuid.uuid4()
    split = OrgUnitSplit(org_path="VN.15.02947", org_unit_id=t.ids["02947"], shares=[
        SplitShare(org_unit_id=t.ids["02989"], org_path="VN.15.02989", entity_ids=[named]),
        SplitShare(org_unit_id=t.ids["02953"], org_path="VN.15.02953")],
        default_successor_id=t.ids["02953"], effective_on=date(2025, 7, 1), split_at=T0)
    assert await hierarchy.apply(conn, split)
    assert not await hierarchy.apply(conn, split)
    assert await hierarchy.carrier(conn, t.ids["02947"], named) == t.ids["02989"]
    assert await hierarchy.carrier(conn, t.ids["02947"], other) == t.ids["02953"]


async def test_dissolve_moves_children_and_rename_keeps_history(conn: asyncpg.Connection) -> None:
    t = Tree()
    await _load(conn, t.events)
    await hierarchy.apply(conn, OrgUnitRenamed(org_path="VN.15", org_unit_id=t.ids["15"], old_name="Đơn vị 15",
                                               name="Tỉnh Lào Cai", effective_on=date(2025, 7, 1), renamed_at=T0))
    renamed = await hierarchy.unit(conn, t.ids["15"])
    earlier = await hierarchy.unit(conn, t.ids["15"], date(2025, 1, 1))
    assert renamed is not None and renamed.name == "Tỉnh Lào Cai"
    assert earlier is not None and earlier.name == "Đơn vị 15"
    await hierarchy.apply(conn, OrgUnitDissolved(org_path="VN.15", org_unit_id=t.ids["15"], successor_id=t.ids["10"],
                                                 effective_on=date(2025, 7, 2), dissolved_at=T0))
    kid = await hierarchy.unit(conn, t.ids["02989"])
    assert kid is not None and kid.path == "VN.10.02989"
    assert {t.ids["02989"], t.ids["02953"], t.ids["02947"], t.ids["15"]} <= await _subtree(conn, t.ids["10"])


async def test_out_of_order_events_are_refused_until_what_they_need_arrives(conn: asyncpg.Connection) -> None:
    t = Tree()
    with pytest.raises(HierarchyOutOfOrder):
        await hierarchy.apply(conn, t.events[1])
    await _load(conn, t.events)
    assert (await hierarchy.unit_by_path(conn, "VN.15.02989")) is not None


async def test_a_split_also_sends_what_the_unit_had_inherited_by_a_merge(conn: asyncpg.Connection) -> None:
    t = Tree()
    await _load(conn, t.events)
    inherited = uuid.uuid4()
    await hierarchy.apply(conn, OrgUnitsMerged(
        org_path="VN.15.02947", successor_id=t.ids["02947"], successor_name="Đơn vị 02947", merged_ids=[t.ids["02953"]],
        merged_paths=["VN.15.02953"], effective_on=date(2025, 7, 1), merged_at=T0))
    await hierarchy.apply(conn, OrgUnitSplit(org_path="VN.15.02947", org_unit_id=t.ids["02947"], shares=[
        SplitShare(org_unit_id=t.ids["02989"], org_path="VN.15.02989", entity_ids=[inherited]),
        SplitShare(org_unit_id=t.ids["15"], org_path="VN.15")],
        default_successor_id=t.ids["15"], effective_on=date(2025, 8, 1), split_at=T0))
    assert await hierarchy.carrier(conn, t.ids["02953"], inherited) == t.ids["02989"]
    assert await hierarchy.carrier(conn, t.ids["02953"], uuid.uuid4()) == t.ids["15"]
