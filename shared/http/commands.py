"""What every command route shares: the idempotency key, dispatch by the command's class, the response."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.auth.principal import Principal
from shared.commands import CommandExecutor
from shared.observability.logging import correlation_id
from shared.subjects import ORG_PATH_PATTERN

C = TypeVar("C", bound=BaseModel)

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Repeat a POST with the same key and body to get the first answer again, never a second effect"),
]


async def run_command(executor: CommandExecutor, command: BaseModel, principal: Principal,
                      idempotency_key: str | None) -> JSONResponse:
    """The whole of a command route: the handler registered for the command's class decides it."""
    outcome = await executor.dispatch(command, principal, correlation_id.get() or str(uuid.uuid4()),
                                      idempotency_key)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


def targeted(command: type[C], body: BaseModel, **target: Any) -> C:
    """The command a route decides from its body and the entity its path names (`/org-units/{id}/move`).

    The body's class carries what the caller writes; the command's class (a subclass with the target
    fields) is the whole intent, so the handler, the idempotency record and the metrics see one object.
    """
    return command.model_validate(body.model_dump() | target)


YearFilter = Annotated[int | None, Query(ge=2000, le=2100, description="Năm — the year, e.g. 2025")]
"""A year in a query string, bounded like the years commands accept (never a database overflow)."""

UnitFilter = Annotated[uuid.UUID | None,
                       Query(description="Đơn vị — this unit and those below it (default: your scope)")]
"""A unit in a query string, by its stable id: what every list of a unit's subtree takes."""

UnderFilter = Annotated[str | None, Query(pattern=ORG_PATH_PATTERN, max_length=400,
                                          description="Org path: this unit and those below it (default: your scope)")]
