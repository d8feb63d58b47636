"""Read models as named projections of the service's own event log (DESIGN §3).

Every read model is a `Projection`: a stable name, the tables it owns, the event types it
handles and an idempotent `apply`. Commands feed them inline (`Transaction.save`), consumers
feed them the inbound events they record, and `rebuild` replays the log into fresh tables and
swaps them in while the service keeps serving.
"""

from shared.projections.base import Projection, Projections
from shared.projections.inbound import INBOUND_STREAM_TYPE, cloud_event_of, record_inbound

__all__ = ["INBOUND_STREAM_TYPE", "Projection", "Projections", "cloud_event_of", "record_inbound"]
