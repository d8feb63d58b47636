"""One function per user command. The account's events (audit, with the acting administrator in
their metadata) and the `users` row change in the same transaction; the row holds the hash.

An administrator acts only on users whose scope lies in their own subtree, and only gives scopes
inside it — so nobody can grant a role over units above their own.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
from pydantic import BaseModel

from services.registry import users
from services.registry.handlers import HANDLERS
from services.registry.user_accounts import UserAccount
from services.registry.user_commands import (
    ChangeUserRoles,
    ChangeUserScope,
    CreateUser,
    DisableUser,
    EnableUser,
    SetUserPassword,
)
from shared import hierarchy
from shared.auth.principal import Role
from shared.auth.scope import covers, ensure_covers
from shared.commands import Transaction
from shared.domain.aggregate import DomainError, InvalidInput
from shared.http.errors import not_found


class UserOut(BaseModel):
    """Người dùng — a user as administrators see them (never the password or its hash)."""

    login: str
    name: str
    roles: list[Role]
    org_unit_id: UUID
    org_scope: str
    disabled: bool


def user_stream(login: str) -> str:
    return f"user-{login.lower()}"


async def user_out(conn: asyncpg.Connection, user: users.User) -> UserOut:
    view = await hierarchy.unit(conn, await hierarchy.carrier(conn, user.org_unit_id))
    return UserOut(login=user.login, name=user.name, roles=list(user.roles), org_unit_id=user.org_unit_id,
                   org_scope=view.path if view else "", disabled=user.disabled)


async def _scope_unit(tx: Transaction, org_unit_id: UUID) -> None:
    if await hierarchy.unit(tx.conn, org_unit_id) is None:
        raise InvalidInput("org_unit_id", "org_unit_unknown")
    await ensure_covers(tx.conn, tx.ctx.principal, org_unit_id)


async def _account(tx: Transaction, login: str) -> UserAccount:
    """The user a route's path names; one outside the caller's subtree is as unknown as a missing one."""
    account = await tx.load(UserAccount, user_stream(login))
    if account is None or account.org_unit_id is None or not await covers(
            tx.conn, tx.ctx.principal, account.org_unit_id):
        raise not_found("user_not_found", login=login)
    return account


async def _answer(tx: Transaction, login: str) -> UserOut:
    found = await users.credentials(tx.conn, login)
    assert found is not None
    return await user_out(tx.conn, found.user)


async def _save(tx: Transaction, account: UserAccount) -> None:
    if account.pending:  # disabling a disabled user records nothing
        await tx.save(account, user_stream(account.login), "user")


@HANDLERS.handles(CreateUser, status=201)
async def create_user(cmd: CreateUser, tx: Transaction) -> UserOut:
    await _scope_unit(tx, cmd.org_unit_id)
    account = await tx.load(UserAccount, user_stream(cmd.login)) or UserAccount()
    account.create(login=cmd.login, name=cmd.name, roles=cmd.roles, org_unit_id=cmd.org_unit_id, at=tx.ctx.now)
    await _save(tx, account)
    if not await users.insert(tx.conn, login=cmd.login, name=cmd.name, roles=cmd.roles, org_unit_id=cmd.org_unit_id,
                              password_hash=cmd.password_hash):
        raise DomainError("user_login_taken", login=cmd.login)
    return await _answer(tx, cmd.login)


@HANDLERS.handles(DisableUser, status=200)
async def disable_user(cmd: DisableUser, tx: Transaction) -> UserOut:
    account = await _account(tx, cmd.login)
    account.disable(tx.ctx.now)
    await _save(tx, account)
    await users.update(tx.conn, cmd.login, disabled=True)
    return await _answer(tx, cmd.login)


@HANDLERS.handles(EnableUser, status=200)
async def enable_user(cmd: EnableUser, tx: Transaction) -> UserOut:
    account = await _account(tx, cmd.login)
    account.enable(tx.ctx.now)
    await _save(tx, account)
    await users.update(tx.conn, cmd.login, disabled=False)
    return await _answer(tx, cmd.login)


@HANDLERS.handles(ChangeUserScope, status=200)
async def change_user_scope(cmd: ChangeUserScope, tx: Transaction) -> UserOut:
    account = await _account(tx, cmd.login)
    await _scope_unit(tx, cmd.org_unit_id)
    account.rescope(cmd.org_unit_id, tx.ctx.now)
    await _save(tx, account)
    await users.update(tx.conn, cmd.login, org_unit_id=cmd.org_unit_id)
    return await _answer(tx, cmd.login)


@HANDLERS.handles(ChangeUserRoles, status=200)
async def change_user_roles(cmd: ChangeUserRoles, tx: Transaction) -> UserOut:
    account = await _account(tx, cmd.login)
    account.set_roles(cmd.roles, tx.ctx.now)
    await _save(tx, account)
    await users.update(tx.conn, cmd.login, roles=cmd.roles)
    return await _answer(tx, cmd.login)


@HANDLERS.handles(SetUserPassword, status=200)
async def set_user_password(cmd: SetUserPassword, tx: Transaction) -> UserOut:
    account = await _account(tx, cmd.login)
    account.password_set(tx.ctx.now)
    await _save(tx, account)
    await users.update(tx.conn, cmd.login, password_hash=cmd.password_hash)
    return await _answer(tx, cmd.login)
