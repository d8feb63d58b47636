"""The base of every public integration event.

A contract is a published API: other services and other agencies' systems parse it. So:
- its identity is an explicit `(service, name, version)`, never a Python import path;
- it is a tolerant reader (unknown fields are ignored) so adding an optional field never breaks
  an older subscriber;
- a breaking change is a new version, a new class beside the old one.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.subjects import ORG_PATH_PATTERN


class IntegrationEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    SERVICE: ClassVar[str]
    NAME: ClassVar[str]
    VERSION: ClassVar[int]

    org_path: str = Field(
        description="Path of the org unit the event is about (not the unit that acted), root first.",
        pattern=ORG_PATH_PATTERN,
    )

    @classmethod
    def ce_type(cls) -> str:
        """CloudEvents `type`: reverse-DNS, service, snake-case name, major version."""
        return f"vn.dvk.{cls.SERVICE}.{cls.NAME}.v{cls.VERSION}"

    @classmethod
    def schema_file(cls) -> str:
        return f"{cls.ce_type()}.json"
