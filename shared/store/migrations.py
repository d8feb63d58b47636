"""Numbered SQL migrations: the platform's own, then the service's, applied at start and recorded.

Files are `NNNN_name.sql`. An applied file must never change — its checksum is recorded and a
mismatch stops the service — so a change of schema (or of a consumer's configuration) is always a
new file. Concurrent starts of several copies serialise on an advisory lock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x64766B_6D6967  # "dvk" "mig"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    scope: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(scope: str, directory: Path) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name must be NNNN_name.sql: {path}")
        found.append(Migration(scope, int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"{scope} migrations must be numbered 1..n without gaps: {versions}")
    return found


async def migrate(conn: asyncpg.Connection, scopes: list[tuple[str, Path]]) -> list[Migration]:
    """Apply what is missing; return what was applied now."""
    applied_now: list[Migration] = []
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute("""
            create table if not exists schema_migrations (
                scope text not null, version integer not null, name text not null,
                checksum text not null, applied_at timestamptz not null default now(),
                primary key (scope, version))""")
        recorded = {(r["scope"], r["version"]): r["checksum"]
                    for r in await conn.fetch("select scope, version, checksum from schema_migrations")}
        for scope, directory in scopes:
            for migration in discover(scope, directory):
                key = (scope, migration.version)
                if key in recorded:
                    if recorded[key] != migration.checksum:
                        raise MigrationError(
                            f"{scope} migration {migration.version} ({migration.name}) changed after it "
                            "was applied; write a new migration instead")
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "insert into schema_migrations (scope, version, name, checksum) values ($1, $2, $3, $4)",
                        scope, migration.version, migration.name, migration.checksum)
                applied_now.append(migration)
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


async def pending(conn: asyncpg.Connection, scopes: list[tuple[str, Path]]) -> int:
    """How many migrations are still to apply (readiness fails while any are)."""
    exists = await conn.fetchval("select to_regclass('schema_migrations') is not null")
    recorded = set()
    if exists:
        rows = await conn.fetch("select scope, version from schema_migrations")
        recorded = {(r["scope"], r["version"]) for r in rows}
    return sum(1 for scope, d in scopes for m in discover(scope, d) if (scope, m.version) not in recorded)
