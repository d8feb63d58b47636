"""Helpers for the notifications integration tests (no tests here; the name keeps it beside them).

- `Receiver` (from `tests.webhook_receiver`): a real HTTP server on 127.0.0.1 that records requests.
- `Hosted`: the notifications service running in-process on its own database and nats-server,
  plus a JetStream client to publish with and a database connection to count rows with.
- Event factories and `publish`, which sends a CloudEvent exactly as a service's relay would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
import httpx
import nats
from nats.js import JetStreamContext
from nats.js.api import PubAck

from services.notifications.service import DEFINITION
from tests.events import AT, award_granted, cloud_event, inspection_passed, model_registered, org_units, publish
from tests.integration.polling import eventually
from tests.integration.service_host import hosted
from tests.webhook_receiver import Received, Receiver

T = TypeVar("T")


@dataclass
class Hosted:
    client: httpx.AsyncClient
    js: JetStreamContext
    db: asyncpg.Connection

    async def count(self, table: str, where: str = "true", *args: object) -> int:
        return int(await self.db.fetchval(f"select count(*) from {table} where {where}", *args))

    async def applied(self, consumer: str, ack: PubAck, within: float = 5.0) -> None:
        """Wait until the durable consumer has acknowledged the published message (or later ones)."""
        async def done() -> bool:
            info = await self.js.consumer_info(ack.stream, consumer)
            return info.ack_floor is not None and (info.ack_floor.stream_seq or 0) >= ack.seq
        await eventually(done, within)


UNITS = org_units("VN.15.04321", "VN.20.00001")


@asynccontextmanager
async def running(database: str, nats_url: str, **settings: object) -> AsyncIterator[Hosted]:
    """The notifications service as it runs in production, started first so it creates the streams."""
    async with hosted(DEFINITION, database, nats_url, **settings) as (_, client):
        nc = await nats.connect(nats_url)
        db = await asyncpg.connect(database)
        try:
            js = nc.jetstream()
            for unit in UNITS:  # the service's own copy of the tree, as the registry would send it
                await publish(js, unit)

            async def tree_known() -> bool:
                return await db.fetchval("select count(distinct org_unit_id) from org_unit_versions") == len(UNITS)

            await eventually(tree_known, within=15)
            yield Hosted(client, js, db)
        finally:
            await db.close()
            await nc.close()


__all__ = ["AT", "Hosted", "Received", "Receiver", "award_granted", "cloud_event", "eventually",
           "inspection_passed", "model_registered", "publish", "running"]
