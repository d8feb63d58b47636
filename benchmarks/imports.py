"""Importing an agency's units: `ImportOrgUnits` with N rows in one command (the registry in process).

The rows are what an agency loads — 1 department per 100 units, the rest under them — beneath a
province. Raw ceiling, same rows: bare asyncpg writing the event, outbox, code and hierarchy rows of
every unit with COPY in one transaction. The line checks that every unit stands in the hierarchy.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import date

from benchmarks.report import Report
from benchmarks.store import ADMIN, _registry_executor
from services.registry.commands import ImportOrgUnits, ImportRow


def agency_rows(count: int) -> list[ImportRow]:
    rows = []
    for i in range(count):
        if i % 100 == 0:
            rows.append(ImportRow(code=f"SO{i // 100}", name=f"Sở, ban, ngành số {i // 100}", kind="department"))
        else:
            rows.append(ImportRow(code=f"DV{i}", name=f"Đơn vị trực thuộc số {i}", kind="office",
                                  parent_code=f"SO{i // 100}"))
    return rows


async def bench_import(dsn: str, count: int, report: Report) -> None:
    executor, pool, root = await _registry_executor(dsn, 2)
    try:
        async with pool.acquire() as conn:
            for table in ("raw_events", "raw_outbox", "raw_codes", "raw_versions"):
                await conn.execute(f"drop table if exists {table}")
            await conn.execute("create table raw_events (like events including all)")
            await conn.execute("create table raw_outbox (like outbox including all)")
            await conn.execute("create table raw_codes (like org_unit_codes including all)")
            await conn.execute("create table raw_versions (like org_unit_versions including all)")
            rows = agency_rows(count)
            started = time.perf_counter()
            async with conn.transaction():
                ids = [uuid.uuid4() for _ in rows]
                payloads = [f'{{"code": "{r.code}", "name": "{r.name}"}}' for r in rows]
                await conn.copy_records_to_table("raw_events", columns=(
                    "event_id", "stream_id", "stream_type", "version", "event_type", "payload", "metadata", "hash"),
                    records=[(uuid.uuid4(), f"org-unit-{i}", "org_unit", 1, "OrgUnitCreated", p, '{"actor": "b"}',
                              hashlib.sha256(p.encode()).digest()) for i, p in zip(ids, payloads, strict=True)])
                await conn.copy_records_to_table("raw_outbox", columns=("event_id", "subject", "headers", "body"),
                    records=[(uuid.uuid4(), "dvk.registry.org_unit_registered.VN._", "{}", p.encode())
                             for p in payloads])
                await conn.copy_records_to_table("raw_codes", columns=("org_unit_id", "parent_key", "code"),
                    records=[(i, root, r.code) for i, r in zip(ids, rows, strict=True)])
                await conn.copy_records_to_table("raw_versions", columns=(
                    "org_unit_id", "valid_from", "code", "name", "kind", "parent_id"),
                    records=[(i, date.today(), r.code, r.name, r.kind, root) for i, r in zip(ids, rows, strict=True)])
            raw = count / (time.perf_counter() - started)
            before = await conn.fetchval("select count(*) from org_unit_versions")
        started = time.perf_counter()
        outcome = await executor.dispatch(ImportOrgUnits(parent_id=root, rows=rows), ADMIN, "bench-import")
        elapsed = time.perf_counter() - started
        name = f"org unit import, {count:,} rows in one command"
        report.line(name, count, elapsed, raw, "raw COPY, same rows", extra=f"{elapsed:.1f} s in all")
        after = await pool.fetchval("select count(*) from org_unit_versions")
        report.check(name, outcome.body == {"created": count, "existing": 0} and after - before == count,
                     f"{after - before} units in the hierarchy for {count} rows: {outcome.body}")
    finally:
        await pool.close()
