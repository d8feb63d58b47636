"""A background loop that restarts after errors still stops when it is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from shared.runtime.tasks import raise_if_cancelling


async def test_a_cancellation_hidden_by_another_error_still_stops_the_loop() -> None:
    restarts = 0

    async def restarting_loop() -> None:
        nonlocal restarts
        while True:
            try:
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    raise RuntimeError("rollback on an interrupted connection failed") from None
            except Exception:
                raise_if_cancelling()
                restarts += 1

    task = asyncio.create_task(restarting_loop())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)
    assert restarts == 0

