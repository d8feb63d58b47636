"""Every service's own copy of the organisation hierarchy, and the questions asked of it.

The registry owns the hierarchy and publishes its changes (`ORG_UNIT_EVENTS`); each service keeps this
read model from them — the registry in the command's own transaction, the others through a durable
consumer — so that "which units are in X's subtree now / on date D" and "who carries U's models now"
are answered in one place, by unit id, never by matching a copied path.
"""

from shared.hierarchy.model import (
    HIERARCHY_MIGRATIONS,
    HierarchyOutOfOrder,
    OrgUnitView,
    ancestors,
    apply,
    carried_within,
    carrier,
    children,
    register_all,
    subtree_ids,
    today,
    unit,
    unit_by_path,
    unit_of,
    units,
)

__all__ = [
    "HIERARCHY_MIGRATIONS",
    "HierarchyOutOfOrder",
    "OrgUnitView",
    "ancestors",
    "apply",
    "carried_within",
    "carrier",
    "children",
    "register_all",
    "subtree_ids",
    "today",
    "unit",
    "unit_by_path",
    "unit_of",
    "units",
]
