"""`dvk republish`: stored events sent again with their own ids change nothing downstream."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import nats
import pytest

from services.evaluation.service import DEFINITION as EVALUATION
from services.registry.service import DEFINITION as REGISTRY
from shared.runtime.cli import main
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import EmbeddedPostgres
from tests.conftest import auth
from tests.integration.polling import eventually
from tests.integration.service_host import hosted

ADMIN = auth()


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_republished_events_keep_their_ids_and_apply_nowhere_twice(
        database: str, postgres: EmbeddedPostgres, isolated_nats: EmbeddedNats,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    evaluation_db_name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(evaluation_db_name)
    evaluation_db = postgres.dsn(evaluation_db_name)
    async with hosted(REGISTRY, database, isolated_nats.url) as (_, registry), \
            hosted(EVALUATION, evaluation_db, isolated_nats.url) as (_, _evaluation):
        root = await registry.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                   headers=ADMIN)
        for i in range(3):
            r = await registry.post("/models", headers=ADMIN, json={
                "title": f"Mô hình {i}", "owner_org_unit_id": root.json()["id"], "recipient_kind": "collective",
                "field": "kinh_te", "year": 2025})
            assert r.status_code == 201, r.text

        async def known() -> bool:
            return await _count(evaluation_db, "select count(*) from known_models") == 3

        await eventually(known, within=15)
        nc = await nats.connect(isolated_nats.url)
        try:
            js = nc.jetstream()
            before = (await js.stream_info("DVK_REGISTRY")).state.messages
            monkeypatch.setenv("DVK_REGISTRY_DATABASE_URL", database)
            code = await asyncio.to_thread(main, ["republish", "--from", "1", "registry"])
            assert code == 0
            assert "registry: 4 " in capsys.readouterr().out  # the org unit and the three models

            async def sent_again() -> bool:
                return await _count(database, "select count(*) from outbox where published_at is null") == 0

            await eventually(sent_again, within=15)
            # Same Nats-Msg-Id: JetStream's duplicate window kept every copy out of the stream.
            assert (await js.stream_info("DVK_REGISTRY")).state.messages == before
        finally:
            await nc.close()
        assert await _count(evaluation_db, "select count(*) from known_models") == 3
        models_inbox = "select count(*) from inbox where consumer = 'evaluation__model_registered'"
        assert await _count(evaluation_db, models_inbox) == 3
        # Received once each, however often sent: the three models and the unit (its hierarchy consumer).
        assert await _count(evaluation_db, "select count(*) from events") == 4
