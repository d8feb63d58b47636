"""Correlation ids and RED metrics for every HTTP request."""

from __future__ import annotations

import time
import uuid

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from shared.observability.logging import correlation_id
from shared.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

HEADER = "X-Correlation-Id"


def _route_template(request: Request) -> str:
    """The route's path template, so metric labels stay bounded (no ids in them)."""
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is Match.FULL:
            return getattr(route, "path", "unmatched")
    return "unmatched"


class ObservabilityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, service: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        incoming = request.headers.get(HEADER, "")
        cid = incoming if incoming and len(incoming) <= 128 and incoming.isascii() else str(uuid.uuid4())
        token = correlation_id.set(cid)
        route = _route_template(request)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers[HEADER] = cid
            return response
        finally:
            correlation_id.reset(token)
            if route not in ("/metrics",):
                HTTP_SECONDS.labels(self.service, request.method, route).observe(time.perf_counter() - started)
                HTTP_REQUESTS.labels(self.service, request.method, route, f"{status // 100}xx").inc()
