"""`dvk up --demo`'s users: one per role, scoped as the seeds would, each able to sign in; loading the
demo again changes nothing."""

from __future__ import annotations

import asyncio

import httpx

from shared.runtime.demo import DEMO_PASSWORD, DEMO_USERS, DemoLoader
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer

SCOPES = {"canbo.baoha": "VN.15.02989", "kiemtra.laocai": "VN.15", "thuky.hoidong": "VN.15",
          "uyvien.hoidong": "VN.15", "quantri": "VN.15", "xem": "VN.15"}


async def test_demo_users_sign_in_and_a_second_load_changes_nothing(platform: Platform) -> None:
    admin = bearer(platform)
    registry = platform.url("registry")
    loader = DemoLoader({"registry": registry}, admin["Authorization"].removeprefix("Bearer "))

    def load_users() -> list[dict[str, object]]:
        province, communes = loader.units()
        return loader.users(province, communes[0])

    first = await asyncio.to_thread(load_users)
    async with httpx.AsyncClient(headers=admin, timeout=10) as client:
        listed = (await client.get(f"{registry}/users", params={"limit": 500})).json()
        second = await asyncio.to_thread(load_users)
        assert second == first
        assert (await client.get(f"{registry}/users", params={"limit": 500})).json() == listed
        demo = {u["login"]: u for u in listed["items"] if u["login"] in SCOPES}
        assert {login: u["org_scope"] for login, u in demo.items()} == SCOPES
        roles = {role for _, _, rs, _ in DEMO_USERS for role in rs}
        assert roles == {"registrar", "inspector", "secretary", "council_member", "administrator", "viewer"}
        for login, scope in SCOPES.items():
            r = await client.post(f"{registry}/auth/token", json={"login": login, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            assert r.json()["user"]["org_scope"] == scope
