"""Hops through the database, declared where a reader looks for them: in the service definition.

Some work continues after a commit in another loop of the same service: the outbox relay publishes
the rows a command queued, the webhook worker posts the deliveries a consumer queued. A statement
trigger on the table sends `NOTIFY <channel>` when the inserting transaction commits, and the loop
listening on the channel wakes at once (it also polls, so a lost notification only delays it).

A `Wakeup` names that hop — which table wakes which loop on which channel — and installs its own
trigger at start, so the hop is read in `ServiceDefinition.wakeups`, not discovered in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class Wakeup:
    channel: str
    """The LISTEN/NOTIFY channel."""
    table: str
    """A committed insert into this table wakes the listener."""
    wakes: str
    """Who listens, for people reading the definition (e.g. `OutboxRelay`, shared/messaging/relay.py)."""

    def __post_init__(self) -> None:
        for name in (self.channel, self.table):
            if not _NAME.match(name):
                raise ValueError(f"not a plain SQL name: {name!r}")

    @property
    def trigger(self) -> str:
        return f"{self.table}_wakes_{self.channel}"

    async def install(self, conn: asyncpg.Connection) -> None:
        """Create or replace the statement trigger: one notification per inserting statement, sent
        by PostgreSQL only if and when the transaction commits."""
        await conn.execute(f"""
            create or replace function {self.channel}_notify() returns trigger language plpgsql as $$
            begin
                perform pg_notify('{self.channel}', '');
                return null;
            end $$;
            create or replace trigger {self.trigger} after insert on {self.table}
                for each statement execute function {self.channel}_notify();""")

    async def listen(self, conn: asyncpg.Connection, wake: Callable[..., Any]) -> None:
        await conn.add_listener(self.channel, wake)

    async def signal(self, conn: asyncpg.Connection) -> None:
        """Wake the listener without an insert (e.g. after rows were queued again by an update)."""
        await conn.execute("select pg_notify($1, '')", self.channel)


OUTBOX_WAKEUP = Wakeup(channel="dvk_outbox", table="outbox", wakes="OutboxRelay (shared/messaging/relay.py)")
"""Every service's first hop: a command's committed outbox rows wake the relay that publishes them."""
