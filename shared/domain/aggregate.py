"""The aggregate base: pure decisions over state rebuilt from the aggregate's own events.

No I/O, clock or randomness inside: ids and times come in with the command, so a unit test is
given(events) → when(command) → then(events) with nothing to fake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

from shared.domain.events import DomainEvent


class DomainError(Exception):
    """A command the aggregate refuses. `code` selects the bilingual message shown to people."""

    status = 409

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of a command: `field` is a dotted path such as `scores.2.score`."""

    field: str
    code: str
    params: dict[str, object]


class InvalidInput(DomainError):
    """A refusal caused by fields of the command rather than the aggregate's state: HTTP 422 naming
    each field, in the same shape as a validation error at the edge."""

    status = 422

    def __init__(self, field: str, code: str, /, **params: object) -> None:
        super().__init__(code, **params)
        self.problems = [Problem(field, code, dict(params))]

    @property
    def field(self) -> str:
        return self.problems[0].field

    @classmethod
    def of(cls, problems: list[Problem]) -> InvalidInput:
        """Everything wrong at once, so the person fixes the form in one go."""
        first = problems[0]
        error = cls(first.field, first.code, **first.params)
        error.problems = list(problems)
        return error


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
