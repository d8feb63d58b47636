"""Internal domain events and the explicit name → class registry each service keeps.

Domain events are what an aggregate decided, in the service's own words; they are stored in the
service's event store and never leave it. What other services see is the separate public
contract (`shared.contracts`), mapped explicitly by the handler.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    NAME: ClassVar[str]


E = TypeVar("E", bound=type[DomainEvent])


class EventTypes:
    """Stored event names resolved through an explicit table, never by import path."""

    def __init__(self) -> None:
        self._by_name: dict[str, type[DomainEvent]] = {}

    def register(self, cls: E) -> E:
        if cls.NAME in self._by_name:
            raise ValueError(f"event name registered twice: {cls.NAME}")
        self._by_name[cls.NAME] = cls
        return cls

    def load(self, name: str, payload: dict[str, Any]) -> DomainEvent:
        try:
            cls = self._by_name[name]
        except KeyError:
            raise LookupError(f"unknown stored event type {name!r}") from None
        return cls.model_validate(payload)
