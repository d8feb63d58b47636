"""Signing in: a login and password exchanged for the platform's short-lived bearer token.

Every refusal of a known or unknown login, a wrong password or a disabled user is the same 401, so
the answer never tells which logins exist. A login guessed at five times in a row waits (429 with
`Retry-After`), counted in the database so every copy of the registry agrees.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from services.registry import users
from shared import hierarchy
from shared.auth.tokens import issue_token
from shared.http.errors import ApiError
from shared.http.openapi import ErrorBody
from shared.runtime.service import Runtime

router = APIRouter()


class SignIn(BaseModel):
    """Đăng nhập — a login and its password (passwords are taken exactly as typed, spaces included)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"login": "canbo.baoha", "password": "mật khẩu"}]})
    login: str = Field(min_length=1, max_length=64, description="Tên đăng nhập — login (any letter case)")
    password: str = Field(min_length=1, max_length=1024, description="Mật khẩu — password")


class SignedInUser(BaseModel):
    login: str
    name: str
    roles: list[str]
    org_scope: str = Field(description="Đường dẫn hiện tại của đơn vị phạm vi — the scope unit's current path")
    org_unit_id: UUID


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Số giây token còn hiệu lực — seconds until the token expires")
    user: SignedInUser


class SignInRefused(ApiError):
    def __init__(self) -> None:
        super().__init__(401, "sign_in_failed")


class SignInPaused(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "sign_in_paused", seconds=retry_after)
        self.headers["Retry-After"] = str(retry_after)


def _seconds_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


@router.post("/auth/token", tags=["sign-in"], response_model=TokenOut, responses={
    401: {"model": ErrorBody, "description": "Sai tên đăng nhập hoặc mật khẩu — wrong login or password "
                                             "(which of the two is not said), or the user is disabled"},
    429: {"model": ErrorBody, "description": "Sai mật khẩu nhiều lần: chờ theo Retry-After — too many wrong "
                                             "passwords in a row; wait for Retry-After seconds"}})
async def sign_in(body: SignIn, request: Request, runtime: Runtime) -> TokenOut:
    """Đăng nhập — exchange a login and password for a bearer token (the web application signs people
    in through this)."""
    now = datetime.now(UTC)
    async with runtime.pool.acquire() as conn:
        found = await users.credentials(conn, body.login)
    if found is not None and found.locked_until is not None and found.locked_until > now:
        raise SignInPaused(_seconds_until(found.locked_until, now))
    matched = await users.verify_password(None if found is None else found.password_hash, body.password)
    if found is None:
        raise SignInRefused()
    async with runtime.pool.acquire() as conn:
        if not matched:
            await users.record_failure(conn, body.login, now)
            raise SignInRefused()
        await users.record_success(conn, body.login)
        if found.user.disabled:
            raise SignInRefused()
        scope = await hierarchy.unit(conn, await hierarchy.carrier(conn, found.user.org_unit_id))
    if scope is None:
        raise SignInRefused()
    settings = request.app.state.platform
    lifetime = timedelta(minutes=settings.sign_in_token_minutes)
    user = found.user
    token = issue_token(settings.signing_secret(), subject=user.login, name=user.name, roles=user.roles,
                        org_scope=scope.path, issuer=settings.jwt_issuer, lifetime=lifetime, org_unit_id=scope.id)
    return TokenOut(access_token=token, expires_in=int(lifetime.total_seconds()),
                    user=SignedInUser(login=user.login, name=user.name, roles=[r.value for r in user.roles],
                                      org_scope=scope.path, org_unit_id=scope.id))
