"""Tamper evidence: an edit made around the database's refusal is named by `dvk audit verify`."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.domain.events import DomainEvent, EventTypes
from shared.runtime.cli import main
from shared.store.event_store import EventStore, StoredEvent

TYPES = EventTypes()


@TYPES.register
class Noted(DomainEvent):
    NAME = "Noted"
    text: str


async def _streams(db: str) -> dict[str, list[StoredEvent]]:
    store = EventStore(TYPES)
    conn = await asyncpg.connect(db)
    written = {}
    for name in ("model-a", "model-b", "model-c"):
        written[name] = await store.append(
            conn, f"{name}-{uuid.uuid4()}", "model", 0,
            [(uuid.uuid4(), Noted(text=f"{name} bước {i}")) for i in range(1, 5)], {"actor": "cán bộ"})
    await conn.close()
    return written


async def _as_superuser(db: str, statement: str, *args: object) -> None:
    conn = await asyncpg.connect(db)
    try:
        async with conn.transaction():
            await conn.execute("alter table events disable trigger events_append_only")
            await conn.execute(statement, *args)
            await conn.execute("alter table events enable trigger events_append_only")
    finally:
        await conn.close()


async def _verify(db: str, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command line as an operator runs it (its own event loop, hence a thread)."""
    monkeypatch.setenv("DVK_REGISTRY_DATABASE_URL", db)
    code = await asyncio.to_thread(main, ["audit", "verify", "registry"])
    return code, capsys.readouterr().out


async def test_an_intact_store_verifies(platform_db: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    await _streams(platform_db)
    code, out = await _verify(platform_db, monkeypatch, capsys)
    assert code == 0, out
    assert "intact (3 streams)" in out


async def test_an_edited_payload_and_a_deleted_event_are_named(platform_db: str, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    written = await _streams(platform_db)
    edited = written["model-a"][1]
    deleted = written["model-b"][2]
    await _as_superuser(platform_db, """update events set payload = '{"text": "sửa lén"}' where event_id = $1""",
                        edited.event_id)
    await _as_superuser(platform_db, "delete from events where event_id = $1", deleted.event_id)
    code, out = await _verify(platform_db, monkeypatch, capsys)
    assert code == 1
    lines = [line for line in out.splitlines() if "BROKEN" in line]
    assert len(lines) == 2, out
    edit_line = next(line for line in lines if edited.stream_id in line)
    assert f"version=2 position={edited.position} event_id={edited.event_id} problem=content_differs" in edit_line
    successor = written["model-b"][3]
    gap_line = next(line for line in lines if deleted.stream_id in line)
    assert f"version=4 position={successor.position} event_id={successor.event_id}" in gap_line
    assert "versions 3–3 are missing" in gap_line
    assert written["model-c"][0].stream_id not in out


async def test_a_rehashed_edit_is_named_at_its_successor(platform_db: str, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Someone who also recomputes the edited row's own hash still breaks the link to the next one."""
    written = await _streams(platform_db)
    edited = written["model-c"][0]
    await _as_superuser(platform_db, """
        update events set payload = '{"text": "sửa lén"}' where event_id = $1;
        """.strip(), edited.event_id)
    await _as_superuser(platform_db, """
        update events e set hash = sha256(dvk_genesis_hash() || dvk_event_content(e)) where event_id = $1""",
                        edited.event_id)
    code, out = await _verify(platform_db, monkeypatch, capsys)
    assert code == 1
    assert f"stream={edited.stream_id} version=2" in out and "problem=prev_hash_differs" in out


async def test_the_trigger_chains_each_event_to_its_predecessor(platform_db: str) -> None:
    written = await _streams(platform_db)
    conn = await asyncpg.connect(platform_db)
    rows = await conn.fetch("select version, prev_hash, hash from events where stream_id = $1 order by version",
                            written["model-a"][0].stream_id)
    await conn.close()
    assert rows[0]["prev_hash"] is None
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert len({r["hash"] for r in rows}) == 4
