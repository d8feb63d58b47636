"""What a projection is, and the set of them one service keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

import asyncpg

from shared.store.event_store import StoredEvent


class Projection(ABC):
    """One read model: `apply` must be idempotent per event and use unqualified table names.

    Unqualified names let a rebuild run the very same SQL against fresh tables (the rebuild's
    connection puts its own schema first on the `search_path`). Idempotent, because a rebuild's
    catch-up and a command may both have seen an event; a second apply must change nothing.
    """

    name: ClassVar[str]
    """Stable, `<service>.<read model>` (`registry.models`): it names the tracking row."""
    tables: ClassVar[tuple[str, ...]]
    """The tables this projection alone writes; a rebuild recreates exactly these."""
    handles: ClassVar[frozenset[str]]
    """Event types it applies: internal domain event names, or CloudEvents types of recorded inbound events."""

    @abstractmethod
    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        """Bring the tables up to date with one stored event."""

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[StoredEvent]) -> None:
        """Bring the tables up to date with many stored events, in log order.

        A rebuild replays the whole log through here, a batch at a time; a read model that can write
        a batch in one statement overrides this (one statement per event is what bounds a replay).
        """
        for event in events:
            await self.apply(conn, event)

    async def carry_over(self, conn: asyncpg.Connection) -> None:
        """Copy into the rebuilt tables (first on the search path) what the log does not hold.

        Called in the swap's transaction, with the live tables still in `public`. Most projections
        hold nothing but the log; the in-app inbox keeps who read what.
        """
        del conn


class Projections:
    """A service's projections, looked up by name and by the event types they handle."""

    def __init__(self, projections: Iterable[Projection] = ()) -> None:
        self._by_name: dict[str, Projection] = {}
        for projection in projections:
            if projection.name in self._by_name:
                raise ValueError(f"two projections named {projection.name}")
            self._by_name[projection.name] = projection

    def __iter__(self) -> Iterator[Projection]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Projection | None:
        return self._by_name.get(name)

    async def apply(self, conn: asyncpg.Connection, events: Iterable[StoredEvent]) -> None:
        """Hand each event to every projection that handles it, in the caller's transaction."""
        for event in events:
            for projection in self._by_name.values():
                if event.event_type in projection.handles:
                    await projection.apply(conn, event)
