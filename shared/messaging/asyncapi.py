"""An AsyncAPI 3.0 document of what a service publishes and consumes, built from its declarations.

Generated from the same contract classes and subscriptions the service runs with, so it cannot
drift from the code; served at `/asyncapi.json` next to `/openapi.json`.
"""

from __future__ import annotations

from typing import Any

from shared.contracts import ALL_CONTRACTS, IntegrationEvent
from shared.contracts.catalogue import schema_of
from shared.messaging.delivery import Subscription
from shared.messaging.topology import stream_of

_CE_HEADERS = {
    "type": "object",
    "required": ["ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "Nats-Msg-Id"],
    "properties": {
        "ce-specversion": {"const": "1.0"},
        "ce-id": {"type": "string", "format": "uuid", "description": "Event id; equals Nats-Msg-Id"},
        "ce-source": {"type": "string", "description": "urn:dvk:<instance>:<service>"},
        "ce-type": {"type": "string"},
        "ce-time": {"type": "string", "format": "date-time"},
        "ce-subject": {"type": "string", "description": "The entity, e.g. models/<id>"},
        "ce-orgpath": {"type": "string", "description": "Org path the event is about"},
        "ce-actor": {"type": "string"},
        "ce-correlationid": {"type": "string"},
        "ce-causationid": {"type": "string"},
        "Nats-Msg-Id": {"type": "string"},
    },
}


def _message(contract: type[IntegrationEvent]) -> dict[str, Any]:
    return {"name": contract.ce_type(), "title": contract.__name__, "contentType": "application/json",
            "headers": _CE_HEADERS, "payload": schema_of(contract)}


def asyncapi_document(service: str, title: str, version: str, publishes: list[type[IntegrationEvent]],
                      subscriptions: list[Subscription]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for contract in publishes:
        key = f"{contract.SERVICE}.{contract.NAME}"
        channels[key] = {
            "address": f"dvk.{contract.SERVICE}.{contract.NAME}.{{orgPath}}._",
            "description": f"JetStream stream {stream_of(contract.SERVICE)}",
            "parameters": {"orgPath": {"description": "Org path, root first, dot-separated"}},
            "messages": {contract.NAME: _message(contract)},
        }
        operations[f"publish_{contract.NAME}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"}}
    by_name = {f"{c.SERVICE}.{c.NAME}": c for c in ALL_CONTRACTS}
    for sub in subscriptions:
        parts = sub.filter_subject.split(".")
        key = f"{parts[1]}.{parts[2]}"
        found = by_name.get(key)
        if key not in channels and found is not None:
            channels[key] = {"address": sub.filter_subject, "messages": {found.NAME: _message(found)}}
        elif key not in channels:  # a filter over every event of a service (e.g. the hierarchy's consumer)
            channels[key] = {"address": sub.filter_subject, "messages": {
                c.NAME: _message(c) for c in ALL_CONTRACTS if parts[1] == c.SERVICE}}
        operations[f"receive_{sub.consumer}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{key}"},
            "description": sub.description, "x-durable-consumer": sub.consumer, "x-stream": sub.stream,
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": version,
                 "description": "CloudEvents 1.0 in binary mode over NATS JetStream."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
    }
