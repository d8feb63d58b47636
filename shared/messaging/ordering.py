"""An event that arrived before one it depends on (a commune before its province, a merge before its
successor): not a failure of the effect, only too early.

Consumers may apply a batch in parallel and sources copy streams independently, so this is normal
and short-lived. The delivery puts such a message back with back-off, logged at INFO and never
counted towards a dead letter; one still waiting after many deliveries is logged as a warning, so an
earlier event that never comes is seen.
"""

from __future__ import annotations


class EarlierEventMissing(Exception):
    """Raised by an effect or projection that needs an event this consumer has not applied yet."""


PATIENCE = 20
"""Deliveries after which a message still waiting is logged as a warning (it keeps waiting)."""
