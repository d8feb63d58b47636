"""What each service may do on NATS, derived from its declared topology (DESIGN §7).

A service publishes events only under its own subjects (`dvk.<service>.>`), so a forged
`ModelRegistered` cannot come from evaluation's credentials; it reaches JetStream's API only for the
streams it provisions and the durable consumers it declares, so it cannot read or disturb another
service's consumers. Replies come back on `_INBOX.>`. The lists follow the JetStream API subjects
that nats-py and FastStream use (`$JS.API.STREAM.*`, `$JS.API.CONSUMER.*`, `$JS.ACK.*`); anything an
operator or a test needs beyond them goes through the instance's administrator user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.messaging.topology import StreamDecl, streams_for
from shared.subjects import service_filter

if TYPE_CHECKING:
    from shared.messaging.delivery import Subscription

API = "$JS.API"


def service_permissions(service: str, streams: Sequence[StreamDecl],
                        subscriptions: Sequence[Subscription]) -> dict[str, Any]:
    """The `permissions` block of one service's NATS user."""
    publish = [service_filter(service), f"{API}.INFO", f"{API}.STREAM.NAMES", f"{API}.STREAM.LIST"]
    for stream in sorted({s.name for s in streams_for(streams, subscriptions)}):
        publish += [f"{API}.STREAM.{verb}.{stream}" for verb in ("INFO", "CREATE", "UPDATE")]
    for sub in subscriptions:
        durable = f"{sub.stream}.{sub.consumer}"
        publish += [f"{API}.CONSUMER.INFO.{durable}", f"{API}.CONSUMER.CREATE.{durable}",
                    f"{API}.CONSUMER.CREATE.{durable}.>", f"{API}.CONSUMER.DURABLE.CREATE.{durable}",
                    f"{API}.CONSUMER.MSG.NEXT.{durable}", f"$JS.ACK.{durable}.>"]
    return {"publish": {"allow": publish}, "subscribe": {"allow": ["_INBOX.>"]}}
