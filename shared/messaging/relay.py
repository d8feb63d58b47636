"""The outbox relay: copies committed outbox rows to JetStream, in order, at least once.

- It reads the outbox, not the events table, so a sequence gap left by a rolled-back transaction
  never hides a row.
- One relay per database is active: it holds a session advisory lock on a dedicated connection;
  other copies wait as standbys and take over when that connection dies.
- It wakes on NOTIFY from the outbox's wake-up (`OUTBOX_WAKEUP`) and polls as a fallback (a lost notification, or a
  relay that was down when the row was written).
- Each row is published with `Nats-Msg-Id` = event id, then marked. A crash in between publishes
  the row again on restart; JetStream's duplicate window drops it, and beyond that window the
  subscribers' inbox does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
from nats.js import JetStreamContext

from shared.observability.metrics import OUTBOX_LAG_SECONDS, OUTBOX_PENDING, OUTBOX_PUBLISHED, RELAY_ACTIVE
from shared.runtime.tasks import raise_if_cancelling
from shared.store.wakeups import OUTBOX_WAKEUP

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x64766B_72656C  # "dvk" "rel"

AfterPublish = Callable[[int], Awaitable[None]]
"""Fault-injection point for tests: called after a row is published, before it is marked."""


class OutboxRelay:
    def __init__(self, dsn: str, js: JetStreamContext, service: str, *, poll_seconds: float = 1.0,
                 batch_size: int = 100, after_publish: AfterPublish | None = None) -> None:
        self.dsn = dsn
        self.js = js
        self.service = service
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self.active = False

    async def run(self) -> None:
        """Run until cancelled; reconnects after database or NATS failures."""
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception:
                raise_if_cancelling()
                log.exception("outbox relay for %s stopped; restarting", self.service)
                await asyncio.sleep(self.poll_seconds)

    async def _session(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            while not await conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LOCK_KEY):  # noqa: ASYNC110
                await asyncio.sleep(self.poll_seconds)
            self.active = True
            RELAY_ACTIVE.labels(self.service).set(1)
            await OUTBOX_WAKEUP.listen(conn, self._notified)
            while True:
                published = await self.publish_batch(conn)
                if published < self.batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):  # not wait_for: in 3.11 it can swallow a cancel
                        async with asyncio.timeout(self.poll_seconds):
                            await self._wake.wait()
        finally:
            self.active = False
            RELAY_ACTIVE.labels(self.service).set(0)
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        async with conn.transaction():
            rows = await conn.fetch(
                """select id, subject, headers, body, created_at from outbox
                   where published_at is null order by id limit $1 for update skip locked""",
                self.batch_size)
            for row in rows:
                headers: dict[str, str] = json.loads(row["headers"])
                await self.js.publish(row["subject"], bytes(row["body"]), headers=headers, timeout=5)
                if self.after_publish is not None:
                    await self.after_publish(row["id"])
                OUTBOX_LAG_SECONDS.labels(self.service).observe(
                    (datetime.now(UTC) - row["created_at"]).total_seconds())
            if rows:
                await conn.execute("update outbox set published_at = now() where id = any($1::bigint[])",
                                   [r["id"] for r in rows])
            OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        OUTBOX_PENDING.labels(self.service).set(
            await conn.fetchval("select count(*) from outbox where published_at is null"))
        return len(rows)
