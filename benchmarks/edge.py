"""`POST /models` over HTTP against a real registry process (`dvk serve registry`: uvicorn with uvloop
and httptools, the service's whole middleware and dependency stack, its own PostgreSQL role, fsync on).

The load comes from this process at concurrency 1, 8 and 32 through the lean generator of
benchmarks/load.py (kept-alive connections, httptools) — on the same cores as the service, as on a
small agency server; each line gives requests per second and the p50 / p99 latency, and checks that
every request registered a model (201, and the list's total grew by as many).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks.load import closed_loop, post_json
from benchmarks.report import Report, percentile
from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.runtime.postgres import free_port
from shared.runtime.up import Platform


async def _load(url: httpx.URL, frame: Callable[[bytes], bytes], body: dict[str, object], total: int,
                concurrency: int) -> tuple[float, list[float], int]:
    requests = [frame(json.dumps({**body, "title": f"Mô hình dân vận khéo số {i}"}).encode()) for i in range(total)]
    elapsed, answers = await closed_loop(url.host, url.port or 80, requests, concurrency)
    return elapsed, [a.latency for a in answers], sum(a.status != 201 for a in answers)


async def bench_http(data_dir: Path, requests: int, report: Report) -> None:
    env = {**os.environ, "DVK_EMBEDDED_NATS_PORT": str(free_port()), "DVK_EMBEDDED_PG_PORT": str(free_port()),
           "DVK_REGISTRY_PORT": str(free_port()), "DVK_LOG_LEVEL": "WARNING"}
    env.pop("DVK_NATS_URL", None)
    platform = Platform(data_dir, base_env=env)
    try:
        platform.start_infrastructure()
        platform.start_service("registry")
        await asyncio.to_thread(platform.wait_ready, 90.0, {"registry"})
        token = issue_token(platform.secret(), subject="bench", name="Đo hiệu năng", roles=list(Role), org_scope="VN")
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=platform.url("registry"), limits=limits, timeout=30) as client:
            root = await client.post("/org-units", json={"code": "VN", "name": "Việt Nam", "kind": "country"},
                                     headers=headers)
            root.raise_for_status()
            body = {"owner_org_unit_id": root.json()["id"], "recipient_kind": "collective", "field": "kinh_te",
                    "year": 2025}
            url = httpx.URL(platform.url("registry"))
            frame = post_json(url.host, url.port or 80, "/models", headers)
            await _load(url, frame, body, 50, 8)  # warm-up: connections, statement caches
            for concurrency in (1, 8, 32):
                before = (await client.get("/models", params={"limit": 1}, headers=headers)).json()["total"]
                elapsed, latencies, refused = await _load(url, frame, body, requests, concurrency)
                name = f"POST /models over HTTP, concurrency {concurrency}"
                report.line(name, requests, elapsed, extra=f"p50 {percentile(latencies, 0.5) * 1000:5.1f} ms  "
                                                           f"p99 {percentile(latencies, 0.99) * 1000:5.1f} ms")
                after = (await client.get("/models", params={"limit": 1}, headers=headers)).json()["total"]
                report.check(name, refused == 0 and after - before == requests,
                             f"{refused} refused, {after - before} of {requests} models registered")
    finally:
        platform.stop()
