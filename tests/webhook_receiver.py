"""A real HTTP server on 127.0.0.1 standing in for another system's webhook endpoint.

uvicorn runs in its own thread and event loop, so it answers however busy the test's loop is; it
records every request and answers scripted statuses.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from shared.runtime.postgres import free_port
from tests.integration.polling import eventually


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)
    """Answered in order, then 200 for ever."""
    requests: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        config = uvicorn.Config(self._app, host="127.0.0.1", port=self.port, interface="asgi3", lifespan="off",
                                log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/dvk"

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    async def _app(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                   send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        with self._lock:
            self.requests.append(Received(scope["path"], {k.decode(): v.decode() for k, v in scope["headers"]}, body,
                                          time.monotonic()))
            status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"try later"})

    async def __aenter__(self) -> Receiver:
        self._thread.start()
        await eventually(lambda: self._server.started, within=10)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.should_exit = True
        await asyncio.to_thread(self._thread.join, 10)
