"""The registry's internal event types: one table for both of its aggregates (`org_units.py`,
`models.py`), read by its event store and its projections."""

from __future__ import annotations

from shared.domain.events import EventTypes

EVENT_TYPES = EventTypes()
