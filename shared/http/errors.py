"""Turning every refusal into one error shape, with field-level messages in Vietnamese and English.

    {"error": {"code": "validation_failed",
               "message": {"vi": "...", "en": "..."},
               "fields": [{"field": "title", "code": "missing", "message": {"vi": "...", "en": "..."}}]}}
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain.aggregate import DomainError, InvalidInput
from shared.i18n import message
from shared.store.event_store import ConcurrencyError

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_048_576
"""1 MiB: the default of `DVK_MAX_BODY_BYTES`; a command is a few kilobytes."""
"""The largest request body any route reads (shared/http/body_limit.py)."""


@dataclass
class FieldProblem:
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code,
                "message": message(f"field.{self.code}", **self.params).as_dict()}


class ApiError(Exception):
    def __init__(self, status: int, code: str, fields: list[FieldProblem] | None = None, /, **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.fields = fields or []
        self.params = params
        self.headers: dict[str, str] = {}
        """Sent with the answer (e.g. `Retry-After` on a 429)."""


def not_found(what: str = "not_found", /, **params: Any) -> ApiError:
    return ApiError(404, what, **params)


def invalid_field(field_name: str, code: str, /, **params: Any) -> ApiError:
    """A value well-formed but unacceptable (e.g. an unknown org unit): 422 on that field."""
    return ApiError(422, "validation_failed", [FieldProblem(field_name, code, params)])


def error_body(code: str, fields: list[FieldProblem] | None = None, /, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message(code, **params).as_dict()}
    if fields:
        body["fields"] = [f.as_dict() for f in fields]
    return {"error": body}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def problems_from_validation(errors: list[dict[str, Any]]) -> list[FieldProblem]:
    problems = []
    for err in errors:
        ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
        if "error" in ctx:
            ctx["error"] = str(ctx["error"])
        code = err["type"] if message(f"field.{err['type']}") != message("field.unknown") else "unknown"
        problems.append(FieldProblem(_field_name(tuple(err["loc"])), code, ctx))
    return problems


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def body_refusal(request: Request, errors: list[dict[str, Any]]) -> JSONResponse | None:
    """A body that is not JSON at all gets its own answer, not a field-level "must be an object":
    415 when it was not sent as JSON, 400 with the position when it does not parse."""
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "json_invalid":
            position = loc[1] if len(loc) > 1 else 0
            error = str((err.get("ctx") or {}).get("error", ""))
            return JSONResponse(error_body("invalid_json", position=position, error=error), status_code=400)
        content_type = request.headers.get("content-type", "")
        if loc == ("body",) and err["type"] != "missing" and not _is_json(content_type):
            return JSONResponse(error_body("unsupported_media_type", content_type=content_type or "—"),
                                status_code=415)
    return None


def allowed_methods(routes: list[Any], path: str) -> set[str]:
    """Every method some route takes at `path` — Starlette's `Allow` names only the first route that
    matched the path, though GET and POST of one path are two routes."""
    found: set[str] = set()
    for route in routes:
        nested = getattr(getattr(route, "original_router", None), "routes", None)
        if nested is None and not hasattr(route, "methods"):
            nested = getattr(route, "routes", None)
        if nested:
            found |= allowed_methods(list(nested), path)
        elif getattr(route, "methods", None) and getattr(route, "path_regex", None) is not None \
                and route.path_regex.match(path):
            found |= set(route.methods)
    return found


def _http_code(status: int) -> str:
    return {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(status, "validation_failed")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        refusal = body_refusal(request, errors)
        if refusal is not None:
            return refusal
        return JSONResponse(error_body("validation_failed", problems_from_validation(errors)), status_code=422)

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer", **exc.headers} if exc.status == 401 else exc.headers
        return JSONResponse(error_body(exc.code, exc.fields, **exc.params), status_code=exc.status,
                            headers=headers or None)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, InvalidInput):
            fields = [FieldProblem(p.field, p.code, dict(p.params)) for p in exc.problems]
            return JSONResponse(error_body("validation_failed", fields), status_code=exc.status)
        return JSONResponse(error_body(exc.code, **exc.params), status_code=exc.status)

    @app.exception_handler(ConcurrencyError)
    async def _conflict(_: Request, exc: ConcurrencyError) -> JSONResponse:
        return JSONResponse(error_body("conflict_retry"), status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (no such path, a method the path does not take) keep their
        # headers: a 405 must say in `Allow` what the path does take.
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = allowed_methods(list(request.app.router.routes), request.url.path) - {"HEAD"}
            headers["Allow"] = ", ".join(sorted(allowed)) or headers.get("Allow", "")
        code = _http_code(exc.status_code)
        params = {"method": request.method, "allow": headers.get("Allow", "—")} if exc.status_code == 405 else {}
        return JSONResponse(error_body(code, **params), status_code=exc.status_code, headers=headers or None)

    @app.exception_handler(OSError)
    @app.exception_handler(asyncpg.InternalClientError)  # a connection broken in the middle of a query
    @app.exception_handler(asyncpg.PostgresConnectionError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(asyncpg.CannotConnectNowError)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        # The database is down or restarting. A commit may or may not have landed before the link
        # broke; sending the same request with the same Idempotency-Key settles it either way.
        log.warning("database unavailable: %r", exc)
        return JSONResponse(error_body("service_unavailable"), status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error"), status_code=500)
