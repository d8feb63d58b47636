"""Who is acting: the claims of a verified bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    REGISTRAR = "registrar"          # cán bộ đăng ký mô hình
    INSPECTOR = "inspector"          # cán bộ kiểm tra, đánh giá
    COUNCIL_MEMBER = "council_member"  # thành viên Hội đồng thi đua, khen thưởng
    SECRETARY = "secretary"          # thư ký Hội đồng
    ADMINISTRATOR = "administrator"  # quản trị
    VIEWER = "viewer"                # xem


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str
    roles: frozenset[Role]
    org_scope: str
    """Org path whose subtree this user may act in (as the token named it; see `shared/auth/scope.py`)."""
    org_unit_id: UUID | None = None
    """The scope unit's stable id, when the token names it: preferred over the path, which can change."""

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Principal(subject="system", name="Hệ thống", roles=frozenset(), org_scope="")
"""The actor recorded on events a service decides by itself, reacting to another's event."""
