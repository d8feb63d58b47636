"""`dvk users create|disable|list` against a running registry: the created user signs in, a disabled
one cannot, and the list never shows a password hash."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from contextlib import redirect_stdout

import httpx
import pytest

from shared.runtime.cli import main
from shared.runtime.up import Platform
from tests.e2e.conftest import bearer


def _dvk(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> tuple[int, object]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, json.loads(out.getvalue())


async def test_dvk_users_creates_lists_and_disables(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = platform.url("registry")
    admin = bearer(platform)
    async with httpx.AsyncClient(headers=admin, timeout=10) as client:
        root = await client.post(f"{registry}/org-units", headers={"Idempotency-Key": "demo-org-vn"},
                                 json={"code": "VN", "name": "Việt Nam", "kind": "country"})
        token = admin["Authorization"].removeprefix("Bearer ")
        common = ["--token", token, "--registry-url", registry]
        code, created = await asyncio.to_thread(
            _dvk, monkeypatch, "users", "create", "cli.tester", "--name", "Lê Văn Cường", "--roles", "viewer",
            "--org-unit", root.json()["id"], "--password-stdin", *common, stdin="mật khẩu dòng lệnh\n")
        assert code == 0, created
        signed = await client.post(f"{registry}/auth/token",
                                   json={"login": "cli.tester", "password": "mật khẩu dòng lệnh"})
        assert signed.status_code == 200, signed.text
        code, listed = await asyncio.to_thread(_dvk, monkeypatch, "users", "list", "--limit", "500", *common)
        assert code == 0 and "cli.tester" in [u["login"] for u in listed["items"]]  # type: ignore[index]
        assert "argon2" not in json.dumps(listed)
        code, disabled = await asyncio.to_thread(_dvk, monkeypatch, "users", "disable", "cli.tester", *common)
        assert code == 0 and disabled["disabled"] is True  # type: ignore[index]
        refused = await client.post(f"{registry}/auth/token",
                                    json={"login": "cli.tester", "password": "mật khẩu dòng lệnh"})
        assert refused.status_code == 401
        code, _ = await asyncio.to_thread(_dvk, monkeypatch, "users", "disable", "no.such.user", *common)
        assert code == 1
