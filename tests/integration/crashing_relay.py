"""A relay process that dies (os._exit, like SIGKILL: no cleanup) right after publishing its first
row and before marking it — the worst moment for at-least-once delivery."""

from __future__ import annotations

import asyncio
import os
import sys

import nats

from shared.messaging.relay import OutboxRelay


async def main(dsn: str, nats_url: str) -> None:
    nc = await nats.connect(nats_url)

    async def die(_: int) -> None:
        await nc.flush()
        os._exit(137)

    relay = OutboxRelay(dsn, nc.jetstream(), "registry", poll_seconds=0.1, after_publish=die)
    await relay.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
