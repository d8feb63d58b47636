"""Bearer tokens: HS256 JWTs with the user's roles and org scope (PyJWT does the cryptography).

Claims: `sub` (user id), `name`, `roles` (list), `org` (scope path), `iss`, `iat`, `exp`.
An instance's services share one signing secret from the environment or a file; a deployment
that has an identity provider can swap this for its tokens as long as the claims are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from shared.auth.principal import Principal, Role
from shared.subjects import split_path

ALGORITHM = "HS256"
_SUBJECT = re.compile(r"^[\x21-\x7e]{1,200}$")
"""A user id travels in NATS headers (`ce-actor`), which must be printable ASCII."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_identity(subject: str, name: str) -> None:
    if not _SUBJECT.match(subject):
        raise ValueError("sub must be 1-200 printable ASCII characters")
    if _CONTROL.search(name):
        raise ValueError("name must not contain control characters")


class InvalidToken(Exception):
    pass


class ExpiredToken(InvalidToken):
    """Told apart from a bad token so a person is asked to sign in again rather than to check a key."""


def issue_token(secret: str, *, subject: str, name: str, roles: Iterable[Role | str], org_scope: str,
                issuer: str = "dvk", lifetime: timedelta = timedelta(hours=12),
                org_unit_id: UUID | None = None) -> str:
    split_path(org_scope)
    _check_identity(subject, name)
    now = datetime.now(UTC)
    claims = {"sub": subject, "name": name, "roles": sorted(Role(r).value for r in roles), "org": org_scope,
              "iss": issuer, "iat": now, "exp": now + lifetime}
    if org_unit_id is not None:
        claims["org_unit"] = str(org_unit_id)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str, issuer: str = "dvk") -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer,
                            options={"require": ["sub", "exp", "iss", "org", "roles"]})
        roles = frozenset(Role(r) for r in claims["roles"])
        split_path(claims["org"])
        _check_identity(str(claims["sub"]), str(claims.get("name", claims["sub"])))
        org_unit_id = UUID(str(claims["org_unit"])) if claims.get("org_unit") else None
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredToken(str(exc)) from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc
    return Principal(subject=str(claims["sub"]), name=str(claims.get("name", claims["sub"])), roles=roles,
                     org_scope=claims["org"], org_unit_id=org_unit_id)
