"""The notifications service on real NATS, PostgreSQL and HTTP: inbox rows and signed webhooks,
exactly once, with retries — observed through its API and a real receiver."""

from __future__ import annotations

import json
import uuid
from typing import Any

from prometheus_client import REGISTRY
from standardwebhooks.webhooks import Webhook

from shared.auth.principal import Role
from shared.contracts import ModelRegistered
from shared.runtime.nats import EmbeddedNats
from tests.conftest import auth
from tests.integration.test_notifications_support import (
    Hosted,
    Receiver,
    award_granted,
    eventually,
    inspection_passed,
    model_registered,
    publish,
    running,
)

ADMIN = auth([Role.ADMINISTRATOR], org="VN")
VIEWER_VN15 = auth([Role.VIEWER], org="VN.15", sub="viewer-15")


async def register(svc: Hosted, receiver: Receiver, **body: Any) -> dict[str, Any]:
    r = await svc.client.post("/webhooks", json={"url": receiver.url, "description": "Cổng thông tin tỉnh", **body},
                              headers=ADMIN)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def deliveries(svc: Hosted, endpoint_id: str) -> list[dict[str, Any]]:
    r = await svc.client.get(f"/webhooks/{endpoint_id}/deliveries", headers=ADMIN)
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["items"]
    return found


async def test_event_reaches_the_inbox_and_one_signed_webhook_exactly_once(database: str,
                                                                         isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc, Receiver() as receiver:
        hook = await register(svc, receiver, org_path="VN.15", event_types=[ModelRegistered.ce_type()])
        assert hook["secret"].startswith("whsec_")

        ce, ack = await publish(svc.js, model_registered())
        # Same subtree but a type the endpoint did not ask for; and a unit outside its subtree.
        other_type, _ = await publish(svc.js, inspection_passed(at=ce.time))
        _, outside_ack = await publish(svc.js, model_registered(org_path="VN.20.00001"))

        async def inbox() -> list[dict[str, Any]]:
            r = await svc.client.get("/inbox", params={"org_path": "VN.15"}, headers=VIEWER_VN15)
            assert r.status_code == 200, r.text
            items: list[dict[str, Any]] = r.json()["items"]
            return items if len(items) == 2 else []

        items = await eventually(inbox, within=5)
        assert [i["event_id"] for i in items] == [other_type.id, ce.id]  # newest first
        mine = items[1]
        assert mine["org_path"] == "VN.15.04321" and mine["read"] is False
        assert mine["title"]["vi"] == ('Mô hình "Dân vận khéo trong xây dựng nông thôn mới" của Xã Bảo Hà '
                                       "đã được đăng ký")
        assert mine["title"]["en"].startswith('Model "Dân vận khéo trong xây dựng nông thôn mới" of Xã Bảo Hà')
        assert "15/10/2025" in mine["body"]["vi"]

        [request] = await eventually(receiver.received, within=5)
        assert request.path == "/hooks/dvk" and request.headers["content-type"] == "application/json"
        document = Webhook(hook["secret"]).verify(request.body, request.headers)
        assert document["id"] == ce.id and document["type"] == ModelRegistered.ce_type()
        assert document["specversion"] == "1.0" and document["source"] == ce.source
        assert document["subject"] == ce.subject and document["orgpath"] == "VN.15.04321"
        assert document["data"]["title"] == "Dân vận khéo trong xây dựng nông thôn mới"

        [delivery] = await eventually(lambda: _delivered(svc, hook["id"]), within=5)
        assert request.headers["webhook-id"] == delivery["id"]
        assert (delivery["attempts"], delivery["last_status_code"]) == (1, 200)

        # (a) The same event again with a new Nats-Msg-Id: JetStream stores it (the duplicate window
        # cannot see it), the consumer gets it, and the inbox absorbs it.
        _, again = await publish(svc.js, model_registered(), ce=ce, msg_id=str(uuid.uuid4()))
        assert not again.duplicate and again.seq > ack.seq
        await svc.applied("notifications__model_registered", again)
        await svc.applied("notifications__model_registered", outside_ack)
        assert await svc.count("notifications", "event_id = $1", uuid.UUID(ce.id)) == 1
        assert await svc.count("webhook_deliveries", "event_id = $1", uuid.UUID(ce.id)) == 1
        assert await svc.count("webhook_deliveries") == 1  # neither the other type nor the other unit
        assert await svc.count("inbox", "event_id = $1 and consumer = 'notifications__model_registered'",
                               uuid.UUID(ce.id)) == 1
        await _quiet(svc)
        assert len(receiver.received()) == 1


async def _delivered(svc: Hosted, endpoint_id: str) -> list[dict[str, Any]]:
    found = await deliveries(svc, endpoint_id)
    return found if found and all(d["status"] == "delivered" for d in found) else []


async def _quiet(svc: Hosted) -> None:
    """Wait until nothing is pending and a few worker polls have passed, so a stray send would show."""
    await eventually(lambda: _none_pending(svc), within=5)
    for _ in range(3):
        await eventually(lambda: _none_pending(svc), within=5, every=0.3)


async def _none_pending(svc: Hosted) -> bool:
    return await svc.count("webhook_deliveries", "status = 'pending'") == 0


def _failed_attempts() -> float:
    return REGISTRY.get_sample_value("dvk_webhook_deliveries_total", {"outcome": "failed"}) or 0.0


async def test_a_failing_receiver_gets_the_delivery_after_retries(database: str, isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc, Receiver(statuses=[500, 500]) as receiver:
        hook = await register(svc, receiver)  # no types: everything about its subtree (the caller's, VN)
        assert hook["org_path"] == "VN" and hook["event_types"] == []
        ce, _ = await publish(svc.js, award_granted())

        received = await eventually(lambda: _at_least(receiver, 3), within=15)
        assert len(received) == 3
        assert len({r.headers["webhook-id"] for r in received}) == 1  # stable across retries
        assert len({r.body for r in received}) == 1  # byte-identical body
        for r in received:
            assert Webhook(hook["secret"]).verify(r.body, r.headers)["id"] == ce.id
        first_gap, second_gap = received[1].at - received[0].at, received[2].at - received[1].at
        assert first_gap >= 0.9 and second_gap >= 1.8  # exponential back-off: ~1 s, then ~2 s

        [delivery] = await eventually(lambda: _delivered(svc, hook["id"]), within=5)
        assert delivery["id"] == received[0].headers["webhook-id"]
        assert (delivery["attempts"], delivery["last_status_code"], delivery["last_error"]) == (3, 200, None)
        assert delivery["delivered_at"] is not None
        await _quiet(svc)
        assert len(receiver.received()) == 3


async def _at_least(receiver: Receiver, n: int) -> list[Any]:
    received = receiver.received()
    return received if len(received) >= n else []


async def test_delivery_fails_for_good_after_max_attempts(database: str, isolated_nats: EmbeddedNats) -> None:
    failed_before = _failed_attempts()
    async with (running(database, isolated_nats.url, webhook_max_attempts=2) as svc,
                Receiver(statuses=[503] * 5) as receiver):
        hook = await register(svc, receiver, org_path="VN.15")
        await publish(svc.js, inspection_passed())

        async def failed() -> list[dict[str, Any]]:
            found = await deliveries(svc, hook["id"])
            return found if found and found[0]["status"] == "failed" else []

        [delivery] = await eventually(failed, within=10)
        assert (delivery["attempts"], delivery["last_status_code"]) == (2, 503)
        assert delivery["last_error"].startswith("HTTP 503")
        assert len(receiver.received()) == 2
        assert _failed_attempts() == failed_before + 1
        # The gauge is refreshed at the end of the worker's cycle, just after the row is committed.
        await eventually(lambda: REGISTRY.get_sample_value("dvk_webhook_deliveries_pending") == 0)


async def test_the_inbox_is_written_even_without_any_webhook(database: str, isolated_nats: EmbeddedNats) -> None:
    async with running(database, isolated_nats.url) as svc:
        ce, ack = await publish(svc.js, award_granted(org_path="VN.15.04321"))
        await svc.applied("notifications__award_granted", ack)
        r = await svc.client.get("/inbox", headers=VIEWER_VN15)
        [item] = r.json()["items"]
        assert item["event_id"] == ce.id and "được khen thưởng trong đợt \"Sơ kết 2023\"" in item["title"]["vi"]
        assert await svc.count("webhook_deliveries") == 0
        assert json.loads(json.dumps(item))["body"]["en"].startswith("On 15/10/2025")
