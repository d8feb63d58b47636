"""Sessions kept in the web's own database: a random id in the cookie, its SHA-256 in the table.

A session holds the user's short-lived registry token and its claims, a CSRF secret and the chosen
language; it ends when the token does, so an expired session sends the person back to sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg


def _hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


@dataclass(frozen=True)
class Session:
    token: str
    user: dict[str, Any]
    csrf_secret: str
    language: str | None
    expires_at: datetime

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(UTC)

    @property
    def roles(self) -> set[str]:
        return set(self.user.get("roles", []))

    def csrf_valid(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf_secret, submitted or "")


class SessionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create(self, token: str, user: dict[str, Any], expires_in: float, language: str | None) -> str:
        session_id = secrets.token_urlsafe(32)
        await self.pool.execute(
            "insert into web_sessions (id_hash, token, claims, csrf_secret, language, expires_at) "
            "values ($1, $2, $3::jsonb, $4, $5, $6)",
            _hash(session_id), token, json.dumps(user), secrets.token_urlsafe(32), language,
            datetime.now(UTC) + timedelta(seconds=expires_in))
        # Sessions long past their end go with each sign-in: no job to run, the table stays small.
        await self.pool.execute("delete from web_sessions where expires_at < now() - interval '1 day'")
        return session_id

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id or len(session_id) > 100:
            return None
        row = await self.pool.fetchrow(
            "select token, claims, csrf_secret, language, expires_at from web_sessions where id_hash = $1",
            _hash(session_id))
        if row is None:
            return None
        return Session(row["token"], json.loads(row["claims"]), row["csrf_secret"], row["language"],
                       row["expires_at"])

    async def set_language(self, session_id: str, language: str) -> None:
        await self.pool.execute("update web_sessions set language = $2 where id_hash = $1", _hash(session_id),
                                language)

    async def delete(self, session_id: str) -> None:
        await self.pool.execute("delete from web_sessions where id_hash = $1", _hash(session_id))
