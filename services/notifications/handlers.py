"""One function per command of the notifications service: load, let the aggregate decide, save, project.

Nothing here publishes a public contract: which outside systems listen is this service's own
business, so its events stay internal (`publishes=[]`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from services.notifications import projections
from services.notifications.commands import DisableWebhook, RegisterWebhook
from services.notifications.domain import WebhookEndpoint, WebhookEndpointDisabled, WebhookEndpointRegistered
from services.notifications.messages import TARGET_REASONS_VI
from services.notifications.targets import TargetRefused, check_target
from services.notifications.webhooks import fingerprint, new_secret
from shared import hierarchy
from shared.auth.scope import covers, resolve_scope
from shared.commands import CommandHandlers, Transaction
from shared.config import PlatformSettings
from shared.http.errors import ApiError, FieldProblem, invalid_field, not_found

HANDLERS = CommandHandlers()


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


async def _public_target(url: str) -> None:
    """Refused on the `url` field unless it resolves to public addresses (or the agency allowed it)."""
    try:
        await check_target(url, PlatformSettings().webhook_allowed_targets, unresolvable_ok=True)
    except TargetRefused as refused:
        raise invalid_field("url", "webhook_target_not_public", host=refused.host, address=refused.address,
                            reason=refused.reason, reason_vi=TARGET_REASONS_VI[refused.reason]) from refused


@HANDLERS.handles(RegisterWebhook, status=201)
async def register_webhook(cmd: RegisterWebhook, tx: Transaction) -> RegisteredWebhook:
    principal, endpoint_id, secret = tx.ctx.principal, uuid.uuid4(), new_secret()
    scope = await resolve_scope(tx.conn, principal)
    unit = await hierarchy.unit_by_path(tx.conn, cmd.org_path) if cmd.org_path else await hierarchy.unit(
        tx.conn, scope.unit_id)
    if unit is None or unit.ended:
        raise invalid_field("org_path", "org_unit_unknown", org_path=cmd.org_path)
    if not await covers(tx.conn, principal, unit.id):
        # A field problem, not only a 403: the caller can fix it by choosing another org_path.
        params = {"org_path": unit.path, "scope": scope.path}
        problem = FieldProblem("org_path", "webhook_org_path_outside_scope", params)
        raise ApiError(403, "forbidden_scope", [problem], **params)
    await _public_target(str(cmd.url))
    endpoint = WebhookEndpoint.register(
        endpoint_id=endpoint_id, url=str(cmd.url), description=cmd.description, org_path=unit.path,
        org_unit_id=unit.id,
        event_types=tuple(cmd.event_types), secret_fingerprint=fingerprint(secret), at=tx.ctx.now)
    registered = endpoint.pending[0]
    assert isinstance(registered, WebhookEndpointRegistered)
    await tx.save(endpoint, webhook_stream(endpoint_id), "webhook_endpoint")
    await projections.add_secret(tx.conn, endpoint_id, secret)
    return RegisteredWebhook(
        id=endpoint_id, url=registered.url, description=registered.description, org_path=registered.org_path,
        event_types=list(registered.event_types), status="active", secret=secret,
        secret_fingerprint=registered.secret_fingerprint, created_at=registered.at, version=endpoint.version)


@HANDLERS.handles(DisableWebhook, status=200)
async def disable_webhook(cmd: DisableWebhook, tx: Transaction) -> DisabledWebhook:
    endpoint_id = cmd.endpoint_id
    endpoint = await tx.load(WebhookEndpoint, webhook_stream(endpoint_id))
    registered = endpoint.registered if endpoint is not None else None
    unit = None if registered is None else await hierarchy.unit_of(tx.conn, registered.org_unit_id,
                                                                 registered.org_path)
    if endpoint is None or unit is None or not await covers(tx.conn, tx.ctx.principal, unit):
        raise not_found("webhook_unknown")  # outside the caller's scope looks the same as absent
    endpoint.disable(at=tx.ctx.now)
    disabled = endpoint.pending[0]
    assert isinstance(disabled, WebhookEndpointDisabled)
    await tx.save(endpoint, webhook_stream(endpoint_id), "webhook_endpoint")
    cancelled = await projections.cancel_deliveries(tx.conn, endpoint_id)
    return DisabledWebhook(id=endpoint_id, status="disabled", cancelled_deliveries=cancelled, version=endpoint.version)
