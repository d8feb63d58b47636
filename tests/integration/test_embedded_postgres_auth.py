"""The embedded PostgreSQL as `dvk up` runs it: passwords over TCP, each service's own role reaching
only its own database, and a data directory from an older version (trust, one owner) brought to the
same rules at its next start."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from shared.runtime.deploy_secrets import write_postgres_secrets
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


ROLE_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "service-role.sh"


def _run_role_script(server: EmbeddedPostgres, secrets: Path, service: str) -> None:
    """The script as the image's entrypoint runs it: psql on the path, the superuser's password known."""
    psql_dir = str(Path(server.program("psql")).parent)
    ran = subprocess.run(["sh", str(ROLE_SCRIPT)], capture_output=True, text=True, timeout=60, env={
        **os.environ, "PATH": f"{psql_dir}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
        "PGPORT": str(server.port), "PGPASSWORD": server.password(), "POSTGRES_USER": "postgres",
        "DVK_SERVICE_ROLE": f"dvk_{service}",
        "DVK_SERVICE_ROLE_PASSWORD_FILE": str(secrets / f"postgres-{service}.password")})
    assert ran.returncode == 0, ran.stderr


async def test_the_compose_role_script_gives_each_service_its_own_role_from_dvk_secrets(
        server: EmbeddedPostgres, tmp_path: Path) -> None:
    """deploy/postgres/service-role.sh as the official image runs it when a volume is first created,
    with the files `dvk secrets DIR` writes: the service's DSN then works and reaches its database
    only, as its own role (the same rules as the embedded server's)."""
    secrets = tmp_path / "secrets"
    write_postgres_secrets(secrets, ["registry", "awards"], host_of="127.0.0.1", port=server.port)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in secrets.iterdir())
    for service in ("registry", "awards"):
        _run_role_script(server, secrets, service)
    registry = (secrets / "postgres-registry.url").read_text().strip()
    conn = await asyncpg.connect(registry, timeout=10)
    await conn.execute("create table models (id int)")
    assert await conn.fetchval("select current_user") == "dvk_registry"
    await conn.close()
    awards_db = urlsplit((secrets / "postgres-awards.url").read_text().strip()).path
    assert await _refused(registry.rsplit("/", 1)[0] + awards_db) == "InsufficientPrivilegeError"
    wrong = registry.replace(urlsplit(registry).password or "", "guess")
    assert await _refused(wrong) == "InvalidPasswordError"
    again = write_postgres_secrets(secrets, ["registry"], host_of="127.0.0.1", port=server.port)
    assert (secrets / "postgres-registry.url").read_text().strip() == registry, "a rerun changed a password"
    assert len(again) == 3
