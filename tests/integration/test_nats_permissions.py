"""NATS as `dvk up` configures it: no anonymous client, each service publishing only its own subjects
and reaching only its own consumers — checked against a real nats-server with the generated
authorization and the platform's own provisioning and delivery code."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import nats
import nats.errors
import pytest
from nats.aio.client import Client

from shared.messaging.dead_letters import list_dead_letters
from shared.messaging.delivery import DeliveryProcessor, Subscription
from shared.messaging.permissions import service_permissions
from shared.messaging.subscriber import attach, consumer_broker
from shared.messaging.topology import ensure_streams, publishing_stream, stream_of, streams_for
from shared.runtime.nats import EmbeddedNats
from shared.runtime.nats_auth import (
    ADMIN_USER,
    CREDENTIALS_FILE,
    authorization_block,
    ensure_credentials,
    with_credentials,
)
from shared.runtime.postgres import free_port
from shared.subjects import event_subject, service_filter
from tests.events import cloud_event, model_registered, publish
from tests.integration.polling import eventually

pytestmark = pytest.mark.integration


async def _noop(*_: Any) -> None:
    return None


CONSUMER = Subscription("evaluation__model_registered", stream_of("registry"),
                        service_filter("registry", "model_registered"), _noop)


@dataclasses.dataclass
class Secured:
    server: EmbeddedNats
    passwords: dict[str, str]

    def url(self, user: str) -> str:
        return with_credentials(self.server.url, user, self.passwords[user])


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    passwords = ensure_credentials(tmp_path, ["registry", "evaluation"])
    permissions = {
        "registry": service_permissions("registry", [publishing_stream("registry")], []),
        "evaluation": service_permissions("evaluation", [publishing_stream("evaluation")], [CONSUMER]),
    }
    server = EmbeddedNats(tmp_path / "nats", free_port(), authorization=authorization_block(passwords, permissions))
    server.start()
    try:
        yield Secured(server, passwords)
    finally:
        server.stop()


class Violations:
    """What the server refused this client, as nats-py reports it (asynchronously, to the error callback)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def record(self, exc: Exception) -> None:
        self.seen.append(str(exc).lower())

    def refused(self, what: str) -> bool:
        return any("permissions violation" in seen and what.lower() in seen for seen in self.seen)


async def _connect(url: str, violations: Violations | None = None) -> Client:
    return await asyncio.wait_for(nats.connect(url, allow_reconnect=False, connect_timeout=2,
                                               error_cb=(violations or Violations()).record), 10)


@pytest.fixture
async def admin(secured: Secured) -> AsyncIterator[Client]:
    nc = await _connect(secured.url(ADMIN_USER))
    yield nc
    await asyncio.wait_for(nc.close(), 10)


def test_credentials_are_generated_once_and_private(tmp_path: Path) -> None:
    first = ensure_credentials(tmp_path, ["registry"])
    again = ensure_credentials(tmp_path, ["registry", "awards"])
    assert again["registry"] == first["registry"] and again[ADMIN_USER] == first[ADMIN_USER]
    assert len({*again.values()}) == 3
    path = tmp_path / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == again


async def test_an_anonymous_client_or_a_wrong_password_is_refused(secured: Secured) -> None:
    for url in (secured.server.url, with_credentials(secured.server.url, "registry", "not-the-password")):
        with pytest.raises((nats.errors.Error, OSError, TimeoutError)):
            await _connect(url)
    conf = secured.server.store_dir / "nats.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600


async def test_a_service_publishes_only_under_its_own_subjects(secured: Secured, admin: Client) -> None:
    await ensure_streams(admin.jetstream(), [publishing_stream("evaluation")])
    violations = Violations()
    registry = await _connect(secured.url("registry"), violations)
    try:
        js = registry.jetstream()
        await ensure_streams(js, [publishing_stream("registry")])  # its own stream: allowed
        _, ack = await publish(js, model_registered())
        assert ack.stream == stream_of("registry")
        forged = event_subject("evaluation", "inspection_passed", "VN.15.04321")
        with pytest.raises((nats.errors.Error, TimeoutError)):
            await js.publish(forged, b"{}", timeout=1)
        await eventually(lambda: violations.refused(f"publish to \"{forged}\""))
    finally:
        await asyncio.wait_for(registry.close(), 10)
    info = await admin.jetstream().stream_info(stream_of("evaluation"))
    assert info.state.messages == 0


async def test_a_service_reaches_only_its_own_consumers(secured: Secured) -> None:
    violations = Violations()
    evaluation = await _connect(secured.url("evaluation"), violations)
    try:
        js = evaluation.jetstream()
        await ensure_streams(js, streams_for([publishing_stream("evaluation")], [CONSUMER]))
        others = await js.pull_subscribe(service_filter("registry", "model_registered"), durable=CONSUMER.consumer,
                                         stream=CONSUMER.stream)
        await others.unsubscribe()
        with pytest.raises((nats.errors.Error, TimeoutError)):
            await js.pull_subscribe(service_filter("registry", "model_registered"),
                                    durable="notifications__model_registered", stream=CONSUMER.stream)
        await eventually(lambda: violations.refused("notifications__model_registered"))
    finally:
        await asyncio.wait_for(evaluation.close(), 10)


async def test_a_service_consumes_with_its_credentials_and_refuses_an_event_naming_another_source(
        secured: Secured, platform_db: str) -> None:
    pool = await asyncpg.create_pool(platform_db)
    applied: list[str] = []

    async def effect(conn: asyncpg.Connection, ce: Any, event: Any) -> None:
        applied.append(event.title)

    sub = dataclasses.replace(CONSUMER, handler=effect)
    registry = await _connect(secured.url("registry"))
    evaluation = await _connect(secured.url("evaluation"))
    broker = consumer_broker(secured.url("evaluation"))
    try:
        await ensure_streams(evaluation.jetstream(), streams_for([publishing_stream("evaluation")], [sub]))
        attach(broker, sub, DeliveryProcessor(pool, "evaluation", 3, [0.05]), ack_wait=5)
        await asyncio.wait_for(broker.start(), 20)
        js = registry.jetstream()
        await publish(js, model_registered(title="Mô hình thật"))
        # On the registry's own subject, but claiming to come from evaluation: not the registry's event.
        lie = model_registered(title="Mô hình mạo danh")
        await publish(js, lie, dataclasses.replace(cloud_event(lie), source="urn:dvk:test:evaluation"))

        async def settled() -> bool:
            return applied == ["Mô hình thật"] and len((await list_dead_letters(pool)).items) == 1

        await eventually(settled, within=20)
        [letter] = (await list_dead_letters(pool)).items
        assert letter.reason == "invalid" and "ce-source" in (letter.error or "")
    finally:
        await asyncio.wait_for(broker.stop(), 10)
        for nc in (registry, evaluation):
            await asyncio.wait_for(nc.close(), 10)
        await pool.close()
