"""Numbered migrations: applied once, recorded, and an edited applied file stops the service."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from shared.store.migrations import PLATFORM_MIGRATIONS, MigrationError, migrate, pending


async def test_migrations_apply_once_and_are_recorded(database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("create table a (id int);")
    scopes = [("platform", PLATFORM_MIGRATIONS), ("svc", tmp_path)]
    conn = await asyncpg.connect(database)
    first = await migrate(conn, scopes)
    assert [(m.scope, m.version) for m in first][-1] == ("svc", 1)
    assert await migrate(conn, scopes) == []
    (tmp_path / "0002_second.sql").write_text("create table b (id int);")
    assert await pending(conn, scopes) == 1
    assert [m.name for m in await migrate(conn, scopes)] == ["second"]
    recorded = await conn.fetch("select scope, version from schema_migrations where scope = 'svc' order by version")
    assert [r["version"] for r in recorded] == [1, 2]
    await conn.close()


async def test_an_applied_migration_that_changed_is_refused(database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("create table a (id int);")
    conn = await asyncpg.connect(database)
    await migrate(conn, [("svc", tmp_path)])
    (tmp_path / "0001_first.sql").write_text("create table a (id bigint);")
    with pytest.raises(MigrationError, match="write a new migration"):
        await migrate(conn, [("svc", tmp_path)])
    await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_broken.sql").write_text("create table c (id int); select * from no_such_table;")
    conn = await asyncpg.connect(database)
    with pytest.raises(asyncpg.UndefinedTableError):
        await migrate(conn, [("svc", tmp_path)])
    assert await conn.fetchval("select to_regclass('c')") is None
    assert await conn.fetchval("select count(*) from schema_migrations") == 0
    await conn.close()


def test_gaps_in_numbering_are_refused(tmp_path: Path) -> None:
    from shared.store.migrations import discover

    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0003_c.sql").write_text("")
    with pytest.raises(MigrationError, match="without gaps"):
        discover("svc", tmp_path)
