"""`make bench-peer`: the platform beside the `eventsourcing` library on the same PostgreSQL, same run.

- commands in process: the peer's `Application.save` of a new aggregate (one event) from 1 and from
  8 threads, beside the platform's `RegisterModel` on 1 and 8 connections (benchmarks/store.py);
- over HTTP: the peer's minimal FastAPI app (benchmarks/peer_app.py) under the same uvicorn and the
  same lean load generator, beside the platform's `POST /models` (benchmarks/edge.py), at concurrency
  1 / 8 / 32.

Each peer line checks that the peer stored what it was asked to (its events table grew by as many).
Needs the optional `bench` extra (`pip install -e '.[bench]'`, which `make bench-peer` does).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.load import closed_loop, post_json
from benchmarks.report import Report, percentile
from shared.runtime.postgres import SUPERUSER, EmbeddedPostgres, free_port

DATABASE = "bench_peer"
_BODY = {"owner_org_unit_id": "00000000-0000-0000-0000-000000000001", "recipient_kind": "collective",
         "field": "kinh_te", "year": 2025}


def peer_env(pg: EmbeddedPostgres, pool_size: int) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": DATABASE,
            "POSTGRES_HOST": pg.host, "POSTGRES_PORT": str(pg.port), "POSTGRES_USER": SUPERUSER,
            "POSTGRES_PASSWORD": pg.password(), "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": "0", "CREATE_TABLE": "y"}


async def _stored(pg: EmbeddedPostgres) -> int:
    """Events in the peer's table (`<application name>_events`: the app is `Models`)."""
    conn = await asyncpg.connect(pg.dsn(DATABASE))
    try:
        exists = await conn.fetchval("select to_regclass('public.models_events') is not null")
        return int(await conn.fetchval("select count(*) from models_events")) if exists else 0
    finally:
        await conn.close()


def _peer_commands(env: dict[str, str], commands: int, threads: int) -> float:
    from benchmarks.peer_app import Models  # the optional extra, imported only when it is there

    app = Models(env=env)
    app.register(title="Khởi động", **_BODY)  # warm-up: the pool's connections, the table

    def one(i: int) -> None:
        app.register(title=f"Mô hình dân vận khéo số {i}", **_BODY)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(commands)))
    elapsed = time.perf_counter() - started
    app.close()
    return elapsed


async def bench_peer_commands(pg: EmbeddedPostgres, commands: int, report: Report) -> None:
    for connections in (1, 8):
        ours = report.rates.get(f"command RegisterModel, {connections} connection{'s' if connections > 1 else ''}")
        before = await _stored(pg)
        elapsed = await asyncio.to_thread(_peer_commands, peer_env(pg, connections), commands, connections)
        stored = await _stored(pg) - before
        name = f"vs peer: command, {connections} connection{'s' if connections > 1 else ''}"
        report.versus(name, ours or float("nan"), commands / elapsed)
        report.check(name, stored == commands + 1 and ours is not None,
                     f"the peer stored {stored} events for {commands + 1} commands")


def _wait_listening(port: int, proc: subprocess.Popen[bytes], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the peer app exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the peer app did not listen on {port} within {within}s")


def _start_peer_app(pg: EmbeddedPostgres, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "peer.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.peer_app:app", "--host", "127.0.0.1", "--port", str(port),
             "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"],
            env={**os.environ, **peer_env(pg, 32)}, stdout=log, stderr=subprocess.STDOUT)
    _wait_listening(port, proc)
    return proc


async def bench_peer_http(pg: EmbeddedPostgres, data_dir: Path, requests: int, report: Report) -> None:
    port = free_port()
    proc = await asyncio.to_thread(_start_peer_app, pg, data_dir, port)
    try:
        frame = post_json("127.0.0.1", port, "/models", {})

        def batch(total: int) -> list[bytes]:
            return [frame(json.dumps({**_BODY, "title": f"Mô hình dân vận khéo số {i}"}).encode())
                    for i in range(total)]

        await closed_loop("127.0.0.1", port, batch(50), 8)  # warm-up, as the platform's line has
        for concurrency in (1, 8, 32):
            before = await _stored(pg)
            elapsed, answers = await closed_loop("127.0.0.1", port, batch(requests), concurrency)
            stored = await _stored(pg) - before
            latencies: list[Any] = [a.latency for a in answers]
            ours = report.rates.get(f"POST /models over HTTP, concurrency {concurrency}")
            name = f"vs peer: POST /models over HTTP, concurrency {concurrency}"
            report.versus(name, ours or float("nan"), requests / elapsed,
                          f"peer p50 {percentile(latencies, 0.5) * 1000:5.1f} ms  "
                          f"p99 {percentile(latencies, 0.99) * 1000:5.1f} ms")
            report.check(name, stored == requests and all(a.status == 201 for a in answers) and ours is not None,
                         f"the peer stored {stored} of {requests} models")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
