"""Structured JSON logs carrying the correlation id of whatever request or event is in hand."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class _CorrelationFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        record.service = self.service
        return True


MESSAGES_LOGGER = "dvk.messages"
"""FastStream's logger in every service (shared/runtime/service.py)."""


class IdleFetchIsNotAnError(logging.Filter):
    """An idle pull — nats-py raising the builtin `TimeoutError` from `fetch` when no message came — is
    logged by FastStream's supervisor as an ERROR with a traceback ("Task-N raised an exception,
    retrying"). Nothing failed: it is demoted to DEBUG, so a healthy service logs no ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, TimeoutError) and record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    ))
    handler.addFilter(_CorrelationFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx and httpcore log every request line, webhook URLs and their query strings included.
    for noisy in ("uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    messages = logging.getLogger(MESSAGES_LOGGER)
    if not any(isinstance(f, IdleFetchIsNotAnError) for f in messages.filters):
        messages.addFilter(IdleFetchIsNotAnError())
