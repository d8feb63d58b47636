"""Helpers for the platform's long-running background loops."""

from __future__ import annotations

import asyncio


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that an error raised on the way out has hidden.

    Cancelling a task in the middle of a database call can surface as another error (asyncpg fails its
    rollback on the interrupted connection with `InterfaceError`). A loop that logs errors and starts
    again would then swallow its own cancellation and never stop — holding up a service's shutdown and
    the event loop's close. Call this first in such a loop's `except Exception` branch.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
