"""HTTP routes for administering users: administrators, within their own scope's subtree.

Passwords are hashed here, in a worker thread, before the command exists (see user_commands.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.registry import users
from services.registry.user_commands import (
    ChangeUserRoles,
    ChangeUserScope,
    CreateUser,
    DisableUser,
    EnableUser,
    LoginPath,
    NewPassword,
    NewRoles,
    NewScope,
    NewUser,
    SetUserPassword,
)
from services.registry.user_handlers import UserOut, user_out
from shared import hierarchy
from shared.auth.dependencies import require
from shared.auth.principal import Principal, Role
from shared.auth.scope import query_root
from shared.http.commands import IdempotencyKey, UnderFilter, UnitFilter, run_command
from shared.http.pages import Page, PageParams
from shared.runtime.service import Runtime

router = APIRouter()
Administrator = Annotated[Principal, Depends(require(Role.ADMINISTRATOR))]


@router.post("/users", status_code=201, tags=["users"], response_model=UserOut)
async def create_user(body: NewUser, runtime: Runtime, principal: Administrator,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Tạo người dùng — add a user with an initial password, scoped within the administrator's subtree."""
    password_hash = await users.hash_password(body.password)
    cmd = CreateUser(login=body.login, name=body.name, roles=body.roles, org_unit_id=body.org_unit_id,
                     password_hash=password_hash)
    return await run_command(runtime.executor, cmd, principal, idempotency_key)


@router.get("/users", tags=["users"], response_model=Page[UserOut])
async def list_users(runtime: Runtime, principal: Administrator, paging: PageParams, unit_id: UnitFilter = None,
                     under: UnderFilter = None) -> Page[UserOut]:
    """Người dùng trong phạm vi — the users scoped within the caller's subtree (or below `unit_id`/`under`)."""
    async with runtime.pool.acquire() as conn:
        root = await query_root(conn, principal, unit_id, under)
        if root is None:
            return paging.of([], 0)
        found, total = await users.listed_under(conn, await hierarchy.subtree_ids(conn, root), paging.limit,
                                                paging.offset)
        items = [await user_out(conn, u) for u in found]
    return Page[UserOut](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post("/users/{login}/disable", tags=["users"], response_model=UserOut)
async def disable_user(login: LoginPath, runtime: Runtime, principal: Administrator,
                       idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Khoá người dùng — the user can no longer sign in (tokens already given run out by themselves)."""
    return await run_command(runtime.executor, DisableUser(login=login), principal, idempotency_key)


@router.post("/users/{login}/enable", tags=["users"], response_model=UserOut)
async def enable_user(login: LoginPath, runtime: Runtime, principal: Administrator,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Mở khoá người dùng — the user may sign in again."""
    return await run_command(runtime.executor, EnableUser(login=login), principal, idempotency_key)


@router.put("/users/{login}/scope", tags=["users"], response_model=UserOut)
async def change_user_scope(login: LoginPath, body: NewScope, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đổi phạm vi — scope the user to another unit of the administrator's subtree."""
    return await run_command(runtime.executor, ChangeUserScope(login=login, org_unit_id=body.org_unit_id),
                             principal, idempotency_key)


@router.put("/users/{login}/roles", tags=["users"], response_model=UserOut)
async def change_user_roles(login: LoginPath, body: NewRoles, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đổi vai trò — replace the user's roles."""
    return await run_command(runtime.executor, ChangeUserRoles(login=login, roles=body.roles), principal,
                             idempotency_key)


@router.post("/users/{login}/password", tags=["users"], response_model=UserOut)
async def set_user_password(login: LoginPath, body: NewPassword, runtime: Runtime, principal: Administrator,
                            idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Đặt lại mật khẩu — set a new password (and clear the count of wrong ones)."""
    password_hash = await users.hash_password(body.password)
    return await run_command(runtime.executor, SetUserPassword(login=login, password_hash=password_hash),
                             principal, idempotency_key)
