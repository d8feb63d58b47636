"""Administering users: what an administrator sends, validated at the edge.

A password arrives only in a body (`NewUser`, `NewPassword`); the route hashes it before the command
is built, and the command carries the hash in a field left out of its dump, so neither the
idempotency record (which hashes the command) nor the stored events ever see password material.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from services.registry.users import LOGIN_PATTERN
from shared.auth.principal import Role

MIN_PASSWORD = 8
Login = Annotated[str, Field(pattern=LOGIN_PATTERN, description="Tên đăng nhập — login: 1–64 of A–Z a–z 0–9 . _ @ -")]
LoginPath = Annotated[str, Path(pattern=LOGIN_PATTERN, max_length=64, description="Tên đăng nhập — login")]
Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role), description="Vai trò — roles (at least one)")]
Password = Annotated[str, Field(min_length=MIN_PASSWORD, max_length=1024,
                                description=f"Mật khẩu — password, at least {MIN_PASSWORD} characters")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewUser(_Body):
    """Tạo người dùng — a user with an initial password, scoped to a unit of the caller's subtree."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "login": "canbo.baoha", "name": "Nguyễn Thị Hà", "roles": ["registrar"],
        "org_unit_id": "3f1c2a9e-0000-4000-8000-000000000001", "password": "đổi ngay khi đăng nhập"}]})
    login: Login
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="Họ tên — name")
    roles: Roles
    org_unit_id: UUID = Field(description="Đơn vị phạm vi — the unit whose subtree the user acts in")
    password: Password


class NewScope(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"org_unit_id": "3f1c2a9e-0000-4000-8000-000000000002"}]})
    org_unit_id: UUID = Field(description="Đơn vị phạm vi mới — the new scope unit")


class NewRoles(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"roles": ["inspector", "viewer"]}]})
    roles: Roles


class NewPassword(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"password": "mật khẩu mới 2025"}]})
    password: Password


class _UserCommand(BaseModel):
    login: str


class CreateUser(_UserCommand):
    name: str
    roles: list[Role]
    org_unit_id: UUID
    password_hash: str = Field(default="", exclude=True)


class DisableUser(_UserCommand):
    pass


class EnableUser(_UserCommand):
    pass


class ChangeUserScope(_UserCommand):
    org_unit_id: UUID


class ChangeUserRoles(_UserCommand):
    roles: list[Role]


class SetUserPassword(_UserCommand):
    password_hash: str = Field(default="", exclude=True)
