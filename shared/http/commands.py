"""The few lines every command route shares: context, idempotency key, execution, response."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.auth.principal import Principal
from shared.commands import CommandExecutor, Transaction
from shared.observability.logging import correlation_id
from shared.subjects import ORG_PATH_PATTERN

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="Repeat a POST with the same key and body to get the first answer again, never a second effect"),
]


async def run_command(
    executor: CommandExecutor,
    command: str,
    principal: Principal,
    handler: Callable[[Transaction], Awaitable[BaseModel]],
    *,
    payload: Any,
    idempotency_key: str | None,
    success_status: int = 201,
    retries_on_conflict: int = 0,
) -> JSONResponse:
    ctx = executor.context(command, principal, correlation_id.get() or str(uuid.uuid4()))
    outcome = await executor.execute(ctx, handler, idempotency_key=idempotency_key, payload=payload,
                                     success_status=success_status, retries_on_conflict=retries_on_conflict)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


YearFilter = Annotated[int | None, Query(ge=2000, le=2100, description="Năm — the year, e.g. 2025")]
"""A year in a query string, bounded like the years commands accept (never a database overflow)."""

UnderFilter = Annotated[str | None, Query(pattern=ORG_PATH_PATTERN, max_length=400,
                                          description="Org path: this unit and those below it (default: your scope)")]
