"""FastAPI dependencies that turn the Authorization header into a Principal, or a 401/403."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.principal import Principal, Role
from shared.auth.tokens import ExpiredToken, InvalidToken, verify_token
from shared.http.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="JWT from `dvk token` or the agency's identity provider")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(401, "unauthenticated")
    settings = request.app.state.platform
    try:
        return verify_token(settings.signing_secret(), credentials.credentials, settings.jwt_issuer)
    except ExpiredToken as exc:
        raise ApiError(401, "token_expired") from exc
    except InvalidToken as exc:
        raise ApiError(401, "unauthenticated") from exc


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting only holders of one of `roles` (administrators always pass)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_any(*roles, Role.ADMINISTRATOR):
            raise ApiError(403, "forbidden_role", roles=", ".join(r.value for r in roles))
        return principal

    return dependency


Reader = Annotated[Principal, Depends(current_principal)]
"""Any signed-in user: for queries, which then filter by the caller's scope."""
