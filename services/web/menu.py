"""What the menu offers each role: a page appears only to those whose roles its API would serve."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    href: str
    label_id: str
    roles: frozenset[str] | None = None
    """None: every signed-in person."""


MENU = [
    MenuItem("/", "home"),
    MenuItem("/models", "models"),
    MenuItem("/inbox", "inbox"),
]


def menu_for(roles: set[str]) -> list[MenuItem]:
    return [item for item in MENU if item.roles is None or item.roles & roles]
