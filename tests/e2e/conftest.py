"""Helpers of the tests that drive the platform as processes (the `platform` fixture is in tests/conftest.py,
shared with the browser tests)."""

from __future__ import annotations

import secrets
from uuid import UUID

import asyncpg
import httpx

from services.registry import users
from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.runtime.up import Platform


def bearer(platform: Platform, roles: list[Role] | None = None, org: str = "VN",
           sub: str = "e2e-user") -> dict[str, str]:
    token = issue_token(platform.secret(), subject=sub, name="Cán bộ kiểm thử", roles=roles or list(Role),
                        org_scope=org)
    return {"Authorization": f"Bearer {token}"}


async def create_commune_officer(platform: Platform, password: str) -> tuple[str, str]:
    """A registrar of Xã Bảo Hà in a tree of the caller's own, stored by the registry as `dvk up --demo`
    stores its users; a second login of the same unit (`<login>.khoa`) for tests that lock one out.
    Returns the login and the tree's root code."""
    root_code = f"W{secrets.token_hex(4)}"
    async with httpx.AsyncClient(headers=bearer(platform, org=root_code), timeout=10) as admin:
        root = await admin.post(f"{platform.url('registry')}/org-units",
                                json={"code": root_code, "name": "Cây thử trang web", "kind": "country"})
        assert root.status_code == 201, root.text
        commune = await admin.post(f"{platform.url('registry')}/org-units",
                                   json={"code": "02989", "name": "Xã Bảo Hà", "kind": "commune",
                                         "parent_id": root.json()["id"]})
        assert commune.status_code == 201, commune.text
    login = f"canbo.{root_code.lower()}"
    conn = await asyncpg.connect(platform.env["DVK_REGISTRY_DATABASE_URL"])
    try:
        for name in (login, f"{login}.khoa"):
            assert await users.insert(conn, login=name, name="Nguyễn Thị Hà", roles=[Role.REGISTRAR],
                                      org_unit_id=UUID(commune.json()["id"]),
                                      password_hash=await users.hash_password(password))
    finally:
        await conn.close()
    return login, root_code
