"""The outbox relay: copies committed outbox rows to JetStream, in order, at least once.

- It reads the outbox, not the events table, so a sequence gap left by a rolled-back transaction
  never hides a row.
- One relay per database is active: it holds a session advisory lock on a dedicated connection;
  other copies wait as standbys and take over when that connection dies.
- It wakes on NOTIFY from the outbox's wake-up (`OUTBOX_WAKEUP`) and polls as a fallback (a relay
  that was down when the row was written). The wake-up flag is cleared *before* a batch is read, so a
  notification that arrives while a batch is being published starts the next batch at once.
- Rows are published pipelined: a window of up to `window` messages is sent before their
  acknowledgements are awaited, as a JetStream client should (a round trip per message is what
  limits a one-by-one publisher). A window never holds two rows about the same entity (`ce-subject`),
  so an entity's events reach JetStream in the order they were committed even when a publish fails
  and is retried: its later rows wait for the next window, which is sent only once this one is
  acknowledged.
- Each row is published with `Nats-Msg-Id` = event id, and only rows JetStream acknowledged are
  marked. A crash in between publishes the row again on restart; JetStream's duplicate window drops
  it, and beyond that window the subscribers' inbox does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from nats.js import JetStreamContext

from shared.observability.metrics import OUTBOX_LAG_SECONDS, OUTBOX_PENDING, OUTBOX_PUBLISHED, RELAY_ACTIVE
from shared.runtime.tasks import raise_if_cancelling
from shared.store.wakeups import OUTBOX_WAKEUP

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x64766B_72656C  # "dvk" "rel"

AfterPublish = Callable[[int], Awaitable[None]]
"""Fault-injection point for tests: called for each row JetStream acknowledged, before it is marked."""


class OutboxRelay:
    def __init__(self, dsn: str, js: JetStreamContext, service: str, *, poll_seconds: float = 1.0,
                 batch_size: int = 500, window: int = 250, ack_timeout: float = 5.0,
                 after_publish: AfterPublish | None = None) -> None:
        self.dsn = dsn
        self.js = js
        self.service = service
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.window = window
        self.ack_timeout = ack_timeout
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self._pending_counted_at = float("-inf")
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
                self._wake.clear()  # before reading: a NOTIFY during the batch is kept for the next one
                published = await self.publish_batch(conn)
                if published < self.batch_size:
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
        """Publish up to `batch_size` rows and mark those JetStream acknowledged, in one transaction.

        A failed publish still marks what was acknowledged before it is raised, so a retry sends only
        what JetStream has not confirmed."""
        failure: BaseException | None = None
        async with conn.transaction():
            rows = await conn.fetch(
                """select id, subject, headers, headers->>'ce-subject' as entity, body, created_at from outbox
                   where published_at is null order by id limit $1 for update skip locked""",
                self.batch_size)
            acked: list[int] = []
            for window in entity_windows(rows, self.window):
                failure = await self._publish_window(window, acked)
                if failure is not None:
                    break
            if acked:
                await conn.execute("update outbox set published_at = now() where id = any($1::bigint[])", acked)
            OUTBOX_PUBLISHED.labels(self.service).inc(len(acked))
        await self._refresh_pending(conn, short=len(rows) < self.batch_size and failure is None)
        if failure is not None:
            raise failure
        return len(acked)

    async def _publish_window(self, window: list[asyncpg.Record], acked: list[int]) -> BaseException | None:
        """Send every row of the window, then await their acknowledgements (bounded by `ack_timeout`);
        the ids acknowledged are appended in outbox order. Returns the first failure, if any."""
        futures: list[asyncio.Future[Any]] = []
        failure: BaseException | None = None
        try:
            for row in window:
                futures.append(await self.js.publish_async(row["subject"], bytes(row["body"]),
                                                           headers=json.loads(row["headers"])))
        except Exception as exc:  # the connection went away while sending: what was sent may still be acked
            failure = exc
        if futures:
            done, pending = await asyncio.wait(futures, timeout=self.ack_timeout)
            for future in pending:
                future.cancel()
            now = datetime.now(UTC)
            for row, future in zip(window, futures, strict=False):
                error = future.exception() if future in done and not future.cancelled() else TimeoutError(
                    f"JetStream did not acknowledge {row['subject']} in {self.ack_timeout}s")
                if error is None:
                    if self.after_publish is not None:
                        await self.after_publish(row["id"])
                    acked.append(row["id"])
                    OUTBOX_LAG_SECONDS.labels(self.service).observe((now - row["created_at"]).total_seconds())
                elif failure is None:
                    failure = error
        return failure

    async def _refresh_pending(self, conn: asyncpg.Connection, *, short: bool) -> None:
        """The backlog gauge without counting the outbox after every batch: a short batch means nothing
        was left when it was read; otherwise the count is refreshed at most once per poll interval."""
        if short:
            OUTBOX_PENDING.labels(self.service).set(0)
            return
        now = asyncio.get_running_loop().time()
        if now - self._pending_counted_at >= self.poll_seconds:
            self._pending_counted_at = now
            OUTBOX_PENDING.labels(self.service).set(
                await conn.fetchval("select count(*) from outbox where published_at is null"))


def entity_windows(rows: list[asyncpg.Record], size: int) -> list[list[asyncpg.Record]]:
    """Consecutive runs of at most `size` rows, each about distinct entities (see the module's docstring)."""
    windows: list[list[asyncpg.Record]] = []
    current: list[asyncpg.Record] = []
    entities: set[str] = set()
    for row in rows:
        entity = row["entity"] or f"#{row['id']}"
        if len(current) >= size or entity in entities:
            windows.append(current)
            current, entities = [], set()
        current.append(row)
        entities.add(entity)
    if current:
        windows.append(current)
    return windows
