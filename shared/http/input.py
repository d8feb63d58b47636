"""The base of every command body: strict about shape, about numbers, and about what text may contain.

A number or a yes/no is taken only as itself: `"year": "2025"` or `"count": true` is refused on its
field, since a client that sends a year as text has a bug a lenient parse would hide. Pydantic's own
strict mode cannot be used for this: FastAPI validates the decoded body as Python objects, where
strict mode would also refuse the UUIDs, dates and enumerations that JSON can only carry as text.

Control characters (NUL above all, which PostgreSQL cannot store in text or jsonb) are refused at
the edge with a field-level message, so they can never turn an accepted request into a 500 or a
stored event that no consumer can read.
"""

from __future__ import annotations

import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: Any) -> Any:
    if isinstance(value, str) and _CONTROL.search(value):
        raise PydanticCustomError("string_control_characters", "contains control characters")
    if isinstance(value, list):
        for item in value:
            _check_text(item)
    return value


_SCALAR_ERRORS = {bool: "bool_type", int: "int_type", float: "float_type"}


def _scalar_kind(annotation: Any) -> type | None:
    """`int`, `float` or `bool` when the field holds only that (or None), else None."""
    options = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    kinds = {o for o in options if o is not type(None)}
    if len(kinds) == 1 and (kind := kinds.pop()) in _SCALAR_ERRORS:
        return kind  # type: ignore[no-any-return]
    return None


def _check_scalar(kind: type, value: Any) -> Any:
    accepted = (int, float) if kind is float else (kind,)
    if value is not None and (not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool))):
        raise PydanticCustomError(_SCALAR_ERRORS[kind], "wrong type")
    return value


class CommandInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_input(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        kind = _scalar_kind(field.annotation) if field is not None else None
        if kind is not None:
            return _check_scalar(kind, value)
        return _check_text(value)
