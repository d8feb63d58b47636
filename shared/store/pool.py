"""The service's connection pool.

asyncpg resets every connection it takes back (`RESET ALL; UNLISTEN *; CLOSE ALL; advisory unlock`):
one more round trip on every command and every query. The platform keeps no session state on pooled
connections — settings are `set local`, LISTEN and the relay's lock live on dedicated connections,
and the projection rebuild and migrations unlock their advisory locks in `finally` — so the pool only
does what asyncpg always does on release (roll back a transaction left open, drop listeners) and
skips the reset query.
"""

from __future__ import annotations

from typing import Any

import asyncpg


async def _no_session_state_to_reset(_: asyncpg.Connection) -> None:
    """See the module's docstring: nothing session-wide is ever set on a pooled connection."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                                   reset=_no_session_state_to_reset, **kwargs)
    return pool
