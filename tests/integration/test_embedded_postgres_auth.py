"""The embedded PostgreSQL as `dvk up` runs it: passwords over TCP, each service's own role reaching
only its own database, and a data directory from an older version (trust, one owner) brought to the
same rules at its next start."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from shared.runtime.postgres import EmbeddedPostgres, free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port(), fast_unsafe=True)
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


async def _refused(dsn: str) -> str:
    with pytest.raises(asyncpg.PostgresError) as refused:
        conn = await asyncpg.connect(dsn, timeout=10)
        await conn.close()
    return type(refused.value).__name__


async def test_no_one_connects_over_tcp_without_the_password(server: EmbeddedPostgres) -> None:
    assert await _refused(f"postgresql://postgres@127.0.0.1:{server.port}/postgres") == "InvalidPasswordError"
    assert await _refused(f"postgresql://postgres:guess@127.0.0.1:{server.port}/postgres") == "InvalidPasswordError"
    conn = await asyncpg.connect(server.dsn(), timeout=10)
    assert await conn.fetchval("select current_user") == "postgres"
    await conn.close()
    assert stat.S_IMODE(server.passwords_file.stat().st_mode) == 0o600


async def test_each_service_role_reaches_only_its_own_database(server: EmbeddedPostgres) -> None:
    registry = server.ensure_service_database("dvk_registry", "dvk_registry")
    server.ensure_service_database("dvk_awards", "dvk_awards")
    conn = await asyncpg.connect(registry, timeout=10)
    await conn.execute("create table models (id int)")  # it owns its database: migrations can run
    assert await conn.fetchval("select current_user") == "dvk_registry"
    await conn.close()
    other = registry.rsplit("/", 1)[0] + "/dvk_awards"
    assert await _refused(other) == "InsufficientPrivilegeError"
    assert server.ensure_service_database("dvk_registry", "dvk_registry") == registry  # idempotent


async def test_a_data_directory_from_before_is_brought_to_the_same_rules(server: EmbeddedPostgres) -> None:
    # As an older version left it: TCP trusted, the service's database and objects owned by the superuser.
    server.create_database("dvk_registry")
    conn = await asyncpg.connect(server.dsn("dvk_registry"), timeout=10)
    await conn.execute("""create table events (position bigint generated always as identity, n serial);
                          create function dvk_touch() returns int language sql as 'select 1';
                          create type phase as enum ('open');""")
    await conn.close()
    server.stop()
    (server.data_dir / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\nlocal all all trust\n")
    server.start()
    assert await _refused(f"postgresql://postgres@127.0.0.1:{server.port}/postgres") == "InvalidPasswordError"
    dsn = server.ensure_service_database("dvk_registry", "dvk_registry")
    conn = await asyncpg.connect(dsn, timeout=10)
    await conn.execute("""alter table events add column body text; insert into events (body) values ('x');
                          drop function dvk_touch(); drop type phase;""")
    assert await conn.fetchval("select count(*) from events") == 1
    await conn.close()
