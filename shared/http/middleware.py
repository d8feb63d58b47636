"""Correlation ids and RED metrics for every HTTP request."""

from __future__ import annotations

import time
import uuid

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from shared.observability.logging import correlation_id
from shared.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

HEADER = "X-Correlation-Id"


def _route_template(request: Request) -> str:
    """The matched route's path template, so metric labels stay bounded (no ids in them). Read after
    routing, from the route the router put in the scope: routers included into the app are not in
    its flat list of routes."""
    return getattr(request.scope.get("route"), "path", None) or "unmatched"


class ObservabilityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: object, service: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.service = service

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        incoming = request.headers.get(HEADER, "")
        cid = incoming if incoming and len(incoming) <= 128 and incoming.isascii() else str(uuid.uuid4())
        token = correlation_id.set(cid)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers[HEADER] = cid
            return response
        finally:
            correlation_id.reset(token)
            route = _route_template(request)
            if route not in ("/metrics",):
                HTTP_SECONDS.labels(self.service, request.method, route).observe(time.perf_counter() - started)
                HTTP_REQUESTS.labels(self.service, request.method, route, f"{status // 100}xx").inc()
