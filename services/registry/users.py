"""People who sign in, as rows of the registry: hashing, look-up and the count of failed sign-ins.

Argon2 is deliberately slow and memory-hard, so hashing and verifying run in a worker thread: one
sign-in must not stall every other request the event loop serves. The hash is read only here and
never returned by anything that leaves this module except `verify`'s yes or no.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.auth.principal import Role

LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
"""1–64 characters a bearer token's `sub` and a NATS header can carry (ASCII, no spaces)."""
FREE_ATTEMPTS = 5
"""Wrong passwords in a row before a login has to wait."""
MAX_WAIT = timedelta(minutes=5)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("dvk-no-such-user")
"""Verified against when the login is unknown, so an unknown login costs as long as a wrong password."""


@dataclass(frozen=True)
class User:
    """A user as the platform may show them: everything but the password hash."""

    login: str
    name: str
    roles: tuple[Role, ...]
    org_unit_id: UUID
    disabled: bool


@dataclass(frozen=True)
class Credentials:
    user: User
    password_hash: str
    locked_until: datetime | None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown login) the same work is done and False returned."""
    matched = await asyncio.to_thread(_verify, password_hash or _DUMMY_HASH, password)
    return matched and password_hash is not None


def backoff(failures: int) -> timedelta:
    """How long a login waits after `failures` wrong passwords in a row: nothing for the first four,
    then 2 s, 4 s, 8 s … doubling up to five minutes."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    exponent = min(failures - FREE_ATTEMPTS, 16)
    return min(timedelta(seconds=2 * 2 ** exponent), MAX_WAIT)


def _user(row: asyncpg.Record) -> User:
    return User(login=row["login"], name=row["name"], roles=tuple(Role(r) for r in row["roles"]),
                org_unit_id=row["org_unit_id"], disabled=row["disabled"])


async def credentials(conn: asyncpg.Connection, login: str) -> Credentials | None:
    row = await conn.fetchrow(
        """select login, name, roles, org_unit_id, disabled, password_hash, locked_until
           from users where login_key = lower($1)""", login)
    if row is None:
        return None
    return Credentials(user=_user(row), password_hash=row["password_hash"], locked_until=row["locked_until"])


async def record_failure(conn: asyncpg.Connection, login: str, now: datetime) -> datetime | None:
    """Count one more wrong password in the database (atomically, whichever copy served it); returns
    until when the login must now wait, if it must."""
    failures = await conn.fetchval(
        "update users set failed_attempts = failed_attempts + 1 where login_key = lower($1) "
        "returning failed_attempts", login)
    if failures is None:
        return None
    wait = backoff(int(failures))
    if not wait:
        return None
    until = now + wait
    await conn.execute("update users set locked_until = greatest(locked_until, $2) where login_key = lower($1)",
                       login, until)
    return until


async def record_success(conn: asyncpg.Connection, login: str) -> None:
    await conn.execute(
        "update users set failed_attempts = 0, locked_until = null "
        "where login_key = lower($1) and (failed_attempts <> 0 or locked_until is not null)", login)


async def insert(conn: asyncpg.Connection, *, login: str, name: str, roles: list[Role], org_unit_id: UUID,
                 password_hash: str) -> bool:
    """Add a user; False when the login (in any letter case) is taken."""
    status = await conn.execute(
        """insert into users (login_key, login, name, roles, org_unit_id, password_hash)
           values (lower($1), $1, $2, $3, $4, $5) on conflict (login_key) do nothing""",
        login, name, sorted(r.value for r in roles), org_unit_id, password_hash)
    return bool(status.endswith(" 1"))
