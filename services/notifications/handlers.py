"""One function per command of the notifications service: load, let the aggregate decide, save, project.

Nothing here publishes a public contract: which outside systems listen is this service's own
business, so its events stay internal (`publishes=[]`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.notifications import projections
from services.notifications.commands import RegisterWebhook
from services.notifications.domain import WebhookEndpoint, WebhookEndpointDisabled, WebhookEndpointRegistered
from services.notifications.webhooks import fingerprint
from shared.commands import Transaction
from shared.http.errors import ApiError, FieldProblem, not_found


class RegisteredWebhook(BaseModel):
    """The 201 answer: the only place the secret is ever shown (a retry with the same
    Idempotency-Key answers the same body, so a client that lost the answer can still get it)."""

    id: UUID
    url: str
    description: str | None
    org_path: str
    event_types: list[str]
    status: str
    secret: str
    secret_fingerprint: str
    created_at: datetime
    version: int


class DisabledWebhook(BaseModel):
    id: UUID
    status: str
    cancelled_deliveries: int
    version: int


def webhook_stream(endpoint_id: UUID) -> str:
    return f"webhook-{endpoint_id}"


async def register_webhook(cmd: RegisterWebhook, endpoint_id: UUID, secret: str,
                           tx: Transaction) -> RegisteredWebhook:
    principal = tx.ctx.principal
    org_path = cmd.org_path or principal.org_scope
    if not principal.covers(org_path):
        # A field problem, not only a 403: the caller can fix it by choosing another org_path.
        params = {"org_path": org_path, "scope": principal.org_scope}
        problem = FieldProblem("org_path", "webhook_org_path_outside_scope", params)
        raise ApiError(403, "forbidden_scope", [problem], **params)
    endpoint = WebhookEndpoint.register(
        endpoint_id=endpoint_id, url=str(cmd.url), description=cmd.description, org_path=org_path,
        event_types=tuple(cmd.event_types), secret_fingerprint=fingerprint(secret), at=tx.ctx.now)
    registered = endpoint.pending[0]
    assert isinstance(registered, WebhookEndpointRegistered)
    await tx.save(endpoint, webhook_stream(endpoint_id), "webhook_endpoint")
    await projections.add_secret(tx.conn, endpoint_id, secret)
    return RegisteredWebhook(
        id=endpoint_id, url=registered.url, description=registered.description, org_path=registered.org_path,
        event_types=list(registered.event_types), status="active", secret=secret,
        secret_fingerprint=registered.secret_fingerprint, created_at=registered.at, version=endpoint.version)


async def disable_webhook(endpoint_id: UUID, tx: Transaction) -> DisabledWebhook:
    endpoint = await tx.load(WebhookEndpoint, webhook_stream(endpoint_id))
    if endpoint is None or endpoint.registered is None or not tx.ctx.principal.covers(endpoint.registered.org_path):
        raise not_found("webhook_unknown")  # outside the caller's scope looks the same as absent
    endpoint.disable(at=tx.ctx.now)
    disabled = endpoint.pending[0]
    assert isinstance(disabled, WebhookEndpointDisabled)
    await tx.save(endpoint, webhook_stream(endpoint_id), "webhook_endpoint")
    cancelled = await projections.cancel_deliveries(tx.conn, endpoint_id)
    return DisabledWebhook(id=endpoint_id, status="disabled", cancelled_deliveries=cancelled, version=endpoint.version)
