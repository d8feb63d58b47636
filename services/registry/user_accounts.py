"""A user account's history, as the registry's internal events: who created, disabled, re-scoped or
re-roled whom, and when a password was set — never the password or its hash, which live only in the
`users` table. These events are the audit trail (hash-chained with the rest of the store); they are
not published.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.registry.event_types import EVENT_TYPES
from shared.auth.principal import Role
from shared.domain.aggregate import Aggregate, DomainError
from shared.domain.events import DomainEvent


@EVENT_TYPES.register
class UserCreated(DomainEvent):
    NAME = "UserCreated"
    login: str
    name: str
    roles: list[Role]
    org_unit_id: UUID
    at: datetime


@EVENT_TYPES.register
class UserDisabled(DomainEvent):
    NAME = "UserDisabled"
    at: datetime


@EVENT_TYPES.register
class UserEnabled(DomainEvent):
    NAME = "UserEnabled"
    at: datetime


@EVENT_TYPES.register
class UserScopeChanged(DomainEvent):
    NAME = "UserScopeChanged"
    old_org_unit_id: UUID
    org_unit_id: UUID
    at: datetime


@EVENT_TYPES.register
class UserRolesChanged(DomainEvent):
    NAME = "UserRolesChanged"
    old_roles: list[Role]
    roles: list[Role]
    at: datetime


@EVENT_TYPES.register
class UserPasswordSet(DomainEvent):
    """That an administrator set a new password, and when; nothing of the password itself."""

    NAME = "UserPasswordSet"
    at: datetime


class UserAccount(Aggregate):
    def __init__(self) -> None:
        super().__init__()
        self.login = ""
        self.roles: list[Role] = []
        self.org_unit_id: UUID | None = None
        self.disabled = False

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, UserCreated):
            self.login, self.roles, self.org_unit_id = event.login, list(event.roles), event.org_unit_id
        elif isinstance(event, UserDisabled):
            self.disabled = True
        elif isinstance(event, UserEnabled):
            self.disabled = False
        elif isinstance(event, UserScopeChanged):
            self.org_unit_id = event.org_unit_id
        elif isinstance(event, UserRolesChanged):
            self.roles = list(event.roles)

    def create(self, *, login: str, name: str, roles: list[Role], org_unit_id: UUID, at: datetime) -> None:
        if self.org_unit_id is not None:
            raise DomainError("user_login_taken", login=login)
        self.record(UserCreated(login=login, name=name, roles=sorted(set(roles)), org_unit_id=org_unit_id, at=at))

    def disable(self, at: datetime) -> None:
        if not self.disabled:
            self.record(UserDisabled(at=at))

    def enable(self, at: datetime) -> None:
        if self.disabled:
            self.record(UserEnabled(at=at))

    def rescope(self, org_unit_id: UUID, at: datetime) -> None:
        assert self.org_unit_id is not None
        if org_unit_id != self.org_unit_id:
            self.record(UserScopeChanged(old_org_unit_id=self.org_unit_id, org_unit_id=org_unit_id, at=at))

    def set_roles(self, roles: list[Role], at: datetime) -> None:
        wanted = sorted(set(roles))
        if wanted != sorted(self.roles):
            self.record(UserRolesChanged(old_roles=sorted(self.roles), roles=wanted, at=at))

    def password_set(self, at: datetime) -> None:
        self.record(UserPasswordSet(at=at))
