"""Streams and consumers as data: provisioning creates what is missing and keeps what operators added."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import StreamConfig, StreamSource

from services.evaluation.service import DEFINITION as EVALUATION
from services.registry.service import DEFINITION as REGISTRY
from shared.config import SERVICE_PORTS
from shared.messaging.delivery import Subscription
from shared.messaging.topology import ALL_STREAMS, check_consumers, ensure_streams, stream_of
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import free_port
from shared.runtime.up import Platform
from tests.integration.service_host import hosted

pytestmark = pytest.mark.integration


async def _noop(*_: Any) -> None:
    return None


def test_every_service_declares_the_stream_it_publishes_into() -> None:
    assert [s.name for s in REGISTRY.streams] == ["DVK_REGISTRY"]
    assert [s.name for s in EVALUATION.streams] == ["DVK_EVALUATION"]


async def test_provisioning_keeps_subjects_and_sources_an_operator_added(
        isolated_nats: EmbeddedNats, database: str) -> None:
    nc = await nats.connect(isolated_nats.url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        assert {s.name for s in ALL_STREAMS} <= {i.config.name for i in await js.streams_info()}
        # An operator links another stream in by hand and widens the subjects and the age limit.
        await js.add_stream(StreamConfig(name="HAND_MADE", subjects=["hand.>"]))
        have = (await js.stream_info(stream_of("registry"))).config
        have.subjects = [*have.subjects, "dvk-extra.registry.>"]
        have.sources = [StreamSource(name="HAND_MADE")]
        have.max_age = 0.0
        have.description = "Thêm nguồn bằng tay — added by hand"
        await js.update_stream(have)
        await ensure_streams(js)                          # a second provisioning ...
        async with hosted(REGISTRY, database, isolated_nats.url):  # ... and a service (re)starting
            pass
        kept = (await js.stream_info(stream_of("registry"))).config
        assert "dvk-extra.registry.>" in kept.subjects and "dvk.registry.*.>" in kept.subjects
        assert [s.name for s in kept.sources or []] == ["HAND_MADE"]
        assert (kept.max_age, kept.description) == (0.0, "Thêm nguồn bằng tay — added by hand")
        assert kept.duplicate_window == 120.0
    finally:
        await nc.close()


async def test_a_durable_whose_filter_was_changed_is_named_not_edited(
        isolated_nats: EmbeddedNats, caplog: pytest.LogCaptureFixture) -> None:
    nc = await nats.connect(isolated_nats.url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        await js.add_consumer(stream_of("registry"), durable_name="t__x",
                              filter_subject="dvk.registry.model_registered.>")
        same = Subscription("t__x", stream_of("registry"), "dvk.registry.model_registered.>", _noop)
        changed = Subscription("t__x", stream_of("registry"), "dvk.registry.org_unit_registered.>", _noop)
        assert await check_consumers(js, [same]) == []
        with caplog.at_level(logging.ERROR):
            assert await check_consumers(js, [changed]) == ["t__x"]
        assert "declare a new durable name" in caplog.text
        info = await js.consumer_info(stream_of("registry"), "t__x")
        assert info.config.filter_subject == "dvk.registry.model_registered.>", "left as it was"
    finally:
        await nc.close()


def test_the_embedded_server_takes_its_name_and_domain_from_the_instance(tmp_path: Any) -> None:
    env = {"DVK_INSTANCE": "tinh-15", "DVK_EMBEDDED_NATS_PORT": str(free_port())}
    env.update({f"DVK_{s.upper()}_DATABASE_URL": "postgresql://unused/x" for s in SERVICE_PORTS})
    platform = Platform(tmp_path, base_env=env)
    try:
        platform.start_infrastructure()
        assert platform.nats is not None
        conf = (tmp_path / "nats" / "nats.conf").read_text()
        assert 'server_name: "dvk-tinh-15"' in conf and 'domain: "tinh-15"' in conf
    finally:
        platform.stop()


async def test_the_server_reports_the_domain(tmp_path: Any) -> None:
    server = EmbeddedNats(tmp_path / "n", free_port(), monitor_port=free_port(), server_name="dvk-xa-02989",
                          jetstream_domain="xa-02989")
    server.start()
    try:
        async with httpx.AsyncClient() as client:
            varz = (await client.get(f"http://127.0.0.1:{server.monitor_port}/varz")).json()
        assert varz["server_name"] == "dvk-xa-02989"
        assert varz["jetstream"]["config"]["domain"] == "xa-02989"
    finally:
        server.stop()
