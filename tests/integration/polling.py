"""Waiting for something that happens asynchronously, with a bound, failing with a clear message."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T] | T], within: float = 5.0, every: float = 0.05) -> T:
    """Poll `check` (plain or async) until it returns something truthy; fail with the last value."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s; last value: {value!r}")
        await asyncio.sleep(every)
