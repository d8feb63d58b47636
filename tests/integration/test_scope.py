"""Token scopes resolved against the hierarchy when a request is served."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from shared import hierarchy
from shared.auth.principal import Principal, Role
from shared.auth.scope import covers, ensure_covers, resolve_scope
from shared.contracts import OrgUnitDissolved, OrgUnitMoved, OrgUnitRegistered
from shared.hierarchy import HIERARCHY_MIGRATIONS
from shared.http.errors import ApiError
from shared.store.migrations import PLATFORM_MIGRATIONS, migrate

pytestmark = pytest.mark.integration
T0 = datetime(2020, 1, 1, tzinfo=UTC)
Tree = tuple[asyncpg.Connection, dict[str, uuid.UUID]]
YESTERDAY = hierarchy.today() - timedelta(days=1)


@pytest.fixture
async def tree(database: str) -> AsyncIterator[Tree]:
    c = await asyncpg.connect(database)
    await migrate(c, [("platform", PLATFORM_MIGRATIONS), ("hierarchy", HIERARCHY_MIGRATIONS)])
    ids = {k: uuid.uuid4() for k in ("VN", "15", "10", "02989", "02953")}
    for code, parent, path in [("VN", None, "VN"), ("15", "VN", "VN.15"), ("10", "VN", "VN.10"),
                               ("02989", "15", "VN.15.02989"), ("02953", "15", "VN.15.02953")]:
        await hierarchy.apply(c, OrgUnitRegistered(
            org_path=path, org_unit_id=ids[code], code=code, name=f"Đơn vị {code}", kind="unit",
            parent_id=ids[parent] if parent else None, registered_at=T0))
    try:
        yield c, ids
    finally:
        await c.close()


def _user(org: str, unit: uuid.UUID | None = None) -> Principal:
    return Principal(subject="u1", name="Cán bộ", roles=frozenset({Role.REGISTRAR}), org_scope=org, org_unit_id=unit)


async def test_a_moved_communes_user_keeps_working_with_an_old_path_token(tree: Tree) -> None:
    conn, ids = tree
    await hierarchy.apply(conn, OrgUnitMoved(org_path="VN.10.02989", org_unit_id=ids["02989"], old_parent_id=ids["15"],
                                             parent_id=ids["10"], old_path="VN.15.02989", effective_on=YESTERDAY,
                                             moved_at=T0))
    scope = await resolve_scope(conn, _user("VN.15.02989"))
    assert (scope.unit_id, scope.path) == (ids["02989"], "VN.10.02989")
    assert await covers(conn, _user("VN.15.02989"), ids["02989"])
    assert not await covers(conn, _user("VN.15"), ids["02989"]), "the old province no longer covers it"
    assert await covers(conn, _user("VN.10"), ids["02989"])
    assert await covers(conn, _user("whatever", ids["10"]), ids["02989"]), "a unit id in the token wins"


async def test_a_dissolved_units_user_is_told_plainly(tree: Tree) -> None:
    conn, ids = tree
    await hierarchy.apply(conn, OrgUnitDissolved(org_path="VN.15.02953", org_unit_id=ids["02953"],
                                                 successor_id=ids["02989"], effective_on=YESTERDAY, dissolved_at=T0))
    with pytest.raises(ApiError) as refused:
        await resolve_scope(conn, _user("VN.15.02953"))
    assert refused.value.status == 403 and refused.value.code == "scope_unit_ended"
    assert refused.value.params["successor_vi"].endswith("Đơn vị 02989")
    with pytest.raises(ApiError) as unknown:
        await resolve_scope(conn, _user("VN.99"))
    assert unknown.value.code == "scope_unit_unknown"
    # What the dissolved unit owned is now carried by its successor, inside that commune's scope.
    await ensure_covers(conn, _user("VN.15.02989"), ids["02953"])
    with pytest.raises(ApiError) as outside:
        await ensure_covers(conn, _user("VN.10"), ids["02953"])
    assert outside.value.status == 403 and outside.value.code == "forbidden_scope"
