"""The notifications service's one aggregate: a webhook endpoint another system registered.

Why event-sourced at all, when the inbox is not: who subscribed which outside system to which
units' events, and who switched it off, is an audit question ("why did the portal receive this
commune's inspection results?") that must be answerable after the fact, with the actor recorded.

Pure: ids, times and the secret's fingerprint arrive with the call; the methods only decide.

The secret itself is never in an event. The event store is append-only and kept forever, so a
secret written there could never be erased or rotated away; the event records only a fingerprint
(to tell later which secret was issued) and the secret lives in `webhook_secrets`, state that an
operator can rotate or wipe. So `webhook_endpoints` is a projection that can be rebuilt from the
events, while `webhook_secrets` is not a projection and is kept as it is.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.domain.aggregate import Aggregate, DomainError
from shared.domain.events import DomainEvent, EventTypes

EVENT_TYPES = EventTypes()


@EVENT_TYPES.register
class WebhookEndpointRegistered(DomainEvent):
    NAME = "WebhookEndpointRegistered"
    endpoint_id: UUID
    url: str
    description: str | None
    org_path: str
    """Subtree filter: events about this unit or any unit below it."""
    event_types: tuple[str, ...]
    """CloudEvents types to send; empty means every type the service consumes."""
    secret_fingerprint: str
    """`sha256:<first 16 hex>` of the secret — identifies it without revealing it."""
    at: datetime
    org_unit_id: UUID | None = None
    """The unit of `org_path` (None in events stored before units had ids)."""


@EVENT_TYPES.register
class WebhookEndpointDisabled(DomainEvent):
    NAME = "WebhookEndpointDisabled"
    endpoint_id: UUID
    at: datetime


class WebhookEndpoint(Aggregate):
    """Stream `webhook-<id>`: registered once, disabled at most once, never re-enabled
    (a fresh registration gets a fresh secret, which is what a re-enable should mean)."""

    def __init__(self) -> None:
        super().__init__()
        self.registered: WebhookEndpointRegistered | None = None
        self.disabled_at: datetime | None = None

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, WebhookEndpointRegistered):
            self.registered = event
        elif isinstance(event, WebhookEndpointDisabled):
            self.disabled_at = event.at

    @property
    def active(self) -> bool:
        return self.registered is not None and self.disabled_at is None

    @classmethod
    def register(cls, *, endpoint_id: UUID, url: str, description: str | None, org_path: str,
                 event_types: tuple[str, ...], secret_fingerprint: str, at: datetime,
                 org_unit_id: UUID | None = None) -> WebhookEndpoint:
        if not url.startswith(("http://", "https://")):
            raise DomainError("webhook_url_scheme", url=url)
        endpoint = cls()
        endpoint.record(WebhookEndpointRegistered(
            endpoint_id=endpoint_id, url=url, description=description, org_path=org_path, org_unit_id=org_unit_id,
            event_types=tuple(dict.fromkeys(event_types)), secret_fingerprint=secret_fingerprint, at=at))
        return endpoint

    def disable(self, *, at: datetime) -> None:
        if self.registered is None:
            raise DomainError("webhook_unknown")
        if self.disabled_at is not None:
            raise DomainError("webhook_already_disabled", endpoint_id=self.registered.endpoint_id)
        self.record(WebhookEndpointDisabled(endpoint_id=self.registered.endpoint_id, at=at))
