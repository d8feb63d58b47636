"""The aggregate base: pure decisions over state rebuilt from the aggregate's own events.

No I/O, clock or randomness inside: ids and times come in with the command, so a unit test is
given(events) → when(command) → then(events) with nothing to fake.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from shared.domain.events import DomainEvent


class DomainError(Exception):
    """A command the aggregate refuses. `code` selects the bilingual message shown to people."""

    status = 409

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Aggregate:
    def __init__(self) -> None:
        self.version = 0
        self.pending: list[DomainEvent] = []

    @classmethod
    def rehydrate(cls, events: Iterable[DomainEvent]) -> Self:
        aggregate = cls()
        for event in events:
            aggregate.apply(event)
            aggregate.version += 1
        return aggregate

    def record(self, event: DomainEvent) -> None:
        """Apply a new decision now so later checks in the same command see it."""
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    @property
    def expected_version(self) -> int:
        """The version the stream had when loaded: what the append asserts."""
        return self.version
