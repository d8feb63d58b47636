"""The OpenAPI document tells integrators the truth about refusals: the platform's one error body and,
for each operation, the statuses it can answer.

FastAPI documents only a 422 in its own shape. The statuses here are derived from what the document
itself says an operation is — whether it needs a token, names an entity in its path, takes a body,
decides a command — by the rules the error handlers (`shared/http/errors.py`) and the edge
(`shared/http/body_limit.py`) apply, so it cannot drift from a hand-kept list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class Message(BaseModel):
    vi: str = Field(description="Tiếng Việt")
    en: str = Field(description="English")


class FieldError(BaseModel):
    field: str = Field(description="Trường bị từ chối, dạng `a.b.0` — the refused field, as a dotted path")
    code: str
    message: Message


class ErrorDetail(BaseModel):
    code: str = Field(description="Mã lỗi ổn định — a stable code to branch on, e.g. `forbidden_scope`")
    message: Message
    fields: list[FieldError] | None = Field(default=None, description="Only for `validation_failed`")


class ErrorBody(BaseModel):
    """Mọi lời từ chối có cùng một dạng — every refusal has this one shape."""

    error: ErrorDetail


DESCRIPTIONS = {
    400: "Nội dung không phải JSON hợp lệ — the body does not parse as JSON",
    401: "Chưa đăng nhập, token không hợp lệ hoặc đã hết hạn — no valid bearer token (`unauthenticated`) "
         "or it has expired (`token_expired`)",
    403: "Không có vai trò hoặc ngoài phạm vi đơn vị — the role or the unit scope does not allow it",
    404: "Không tìm thấy (hoặc ngoài phạm vi) — not found, or not within the caller's scope",
    409: "Xung đột: trạng thái không cho phép, hoặc tranh chấp đồng thời — refused by the current state "
         "(e.g. quota reached, code taken) or lost a concurrent race; retry with the same Idempotency-Key",
    412: "Đã có thay đổi sau lần bạn đọc — changed since the version `If-Match` names (the answer says what)",
    413: "Nội dung yêu cầu quá lớn — the request body exceeds the limit",
    415: "Nội dung không gửi dạng JSON — the body was not sent as `Content-Type: application/json`",
    422: "Dữ liệu không hợp lệ, kèm lỗi từng trường — invalid input, with field-level messages",
    428: "Thiếu If-Match — send `If-Match` with the ETag of what you read",
    503: "Cơ sở dữ liệu tạm thời không sẵn sàng — the database is unavailable; retry after Retry-After",
}


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The refusals an operation can answer, read from what its own document says it is: a bearer
    token (`security`), an entity in its path, a body, a command."""
    parameters = operation.get("parameters", [])
    statuses = []
    if operation.get("security"):
        statuses += [401, 403]
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    writes = method in ("post", "put", "patch", "delete")
    if writes:
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [400, 413, 415]
    if parameters or "requestBody" in operation:
        statuses.append(422)
    if any(p.get("in") == "header" and p.get("name") == "If-Match" for p in parameters):
        statuses += [412, 428]
    if writes or operation.get("security"):
        statuses.append(503)
    return sorted(statuses)


def summary(operation: dict[str, Any]) -> str:
    """The operation's title as people read it: the first paragraph of its docstring, Vietnamese first
    with English beside it (`Đăng ký mô hình — register a model`), not the function's name."""
    first = " ".join((operation.get("description") or "").split("\n\n", 1)[0].split())
    return first.rstrip(".") if first else str(operation.get("summary", ""))


def install_openapi(app: FastAPI) -> None:
    """Replace each operation's error responses by the platform's own, once, when first asked."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for name, model in (("ErrorBody", ErrorBody),):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(definition.pop("$defs", {}))
            components[name] = definition
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for path in schema.get("paths", {}).values():
            for method, operation in path.items():
                operation["summary"] = summary(operation)
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for status in error_statuses(method, operation):
                    responses[str(status)] = {"description": DESCRIPTIONS[status],
                                              "content": {"application/json": {"schema": ref}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
