"""The hierarchy copy of a service that receives the registry's events, as a rebuildable projection.

The registry's org-unit events a service receives are recorded in its own log (shared/projections/
inbound.py); this projection applies them, so the copy can be rebuilt from that log like every other
read model. Rebuilding replays them in the order they were applied live — an event that arrived before
the one it needed was retried and recorded only once it applied — so `HierarchyOutOfOrder` cannot recur.
"""

from __future__ import annotations

import asyncpg

from shared.contracts import ORG_UNIT_EVENTS, contract_for
from shared.hierarchy.model import apply
from shared.projections import Projection
from shared.store.event_store import StoredEvent


class HierarchyProjection(Projection):
    tables = ("org_unit_versions", "org_unit_ends", "org_entity_assignments")
    handles = frozenset(c.ce_type() for c in ORG_UNIT_EVENTS)

    async def apply(self, conn: asyncpg.Connection, event: StoredEvent) -> None:
        await apply(conn, contract_for(event.event_type).model_validate(event.payload))


def hierarchy_projection(service: str) -> Projection:
    """The projection `<service>.hierarchy` (its name keys the tracking row)."""
    named = type(f"{service.capitalize()}HierarchyProjection", (HierarchyProjection,),
                 {"name": f"{service}.hierarchy"})
    projection: Projection = named()
    return projection
