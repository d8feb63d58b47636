"""The base of every command body: strict about shape, and about what text may contain.

Control characters (NUL above all, which PostgreSQL cannot store in text or jsonb) are refused at
the edge with a field-level message, so they can never turn an accepted request into a 500 or a
stored event that no consumer can read.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: Any) -> Any:
    if isinstance(value, str) and _CONTROL.search(value):
        raise PydanticCustomError("string_control_characters", "contains control characters")
    if isinstance(value, list):
        for item in value:
            _check_text(item)
    return value


class CommandInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _check_text(value)
