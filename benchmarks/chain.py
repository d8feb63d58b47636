"""The whole chain at fixed rates: `POST /models` → the registry's outbox → JetStream → evaluation's
read model → notifications' in-app inbox → a signed webhook to another system.

The four services run as `dvk up` runs them (their own processes, PostgreSQL with fsync on,
nats-server with credentials), on the same two cores as this process, which offers registrations on
a fixed schedule (benchmarks/load.py's open loop) and is the webhook's receiver. For each rate it
prints, per hop, the p50 / p99 time from the moment the request was due to the moment that hop held
the event — the 201 answer, the outbox row marked published, evaluation's inbox row, notifications'
inbox row, the webhook received — read from each service's own database and the receiver.

A rate is **sustained** when every request was answered 201, every event reached the inbox and the
webhook, and the chain kept up: p99 request → inbox within 1 s and request → webhook within 2 s (a
chain that falls behind builds a backlog, and its latencies grow with the run's length far past
these). The line checks that each registration was applied everywhere exactly once (one inbox row,
one notification, one webhook) — not refused, dead-lettered or duplicated. After the load it prints
each service's resident memory.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.load import Answer, Receiver, open_loop, post_json
from benchmarks.report import Report, percentile
from shared.auth.principal import Role
from shared.auth.tokens import issue_token
from shared.config import SERVICE_PORTS
from shared.runtime.postgres import free_port
from shared.runtime.up import Platform, database_name

MODEL_REGISTERED = "vn.dvk.registry.model_registered.v1"
SUSTAINED_INBOX_P99 = 1.0
SUSTAINED_WEBHOOK_P99 = 2.0
DRAIN_SECONDS = 60.0
"""How long the chain may take to hand on what it accepted, after the load stops, before the line fails."""

HOPS = ("answered 201", "published to JetStream", "evaluation read model", "notifications inbox", "webhook received")


@dataclass(frozen=True)
class Step:
    rate: float
    offered: int
    hops: dict[str, list[float]]

    def p99(self, hop: str) -> float:
        return percentile(self.hops[hop], 0.99)

    @property
    def sustained(self) -> bool:
        return (len(self.hops["webhook received"]) == self.offered
                and self.p99("notifications inbox") <= SUSTAINED_INBOX_P99
                and self.p99("webhook received") <= SUSTAINED_WEBHOOK_P99)


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (fields 14 and 15 of /proc/<pid>/stat, after the command name)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0  # a PostgreSQL backend that ended between the listing and the read
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    out.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return out


def cpu_by_process(platform: Platform) -> dict[str, float]:
    """CPU seconds so far of each service, PostgreSQL (the postmaster and its backends) and nats-server.

    A backend that ended took its CPU with it, so the platform's pooled, long-lived connections are
    what this counts; the benchmark's own short connections are not the platform's cost anyway."""
    assert platform.postgres is not None and platform.nats is not None
    cpu = {name: _cpu_seconds(proc.pid) for name, proc in platform.services.items()}
    postmaster = int((platform.postgres.data_dir / "postmaster.pid").read_text().split()[0])
    cpu["postgres"] = sum(_cpu_seconds(pid) for pid in [postmaster, *_children(postmaster)])
    cpu["nats"] = _cpu_seconds(platform.nats.pid) if platform.nats.pid else 0.0
    cpu["load generator"] = sum(os.times()[:2])
    return cpu


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _eventually(check: Any, within: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


class Chain:
    def __init__(self, platform: Platform, receiver: Receiver, owner_id: str, token: str) -> None:
        self.platform, self.receiver = platform, receiver
        url = httpx.URL(platform.url("registry"))
        self.host, self.port = url.host, url.port or 80
        self._frame = post_json(self.host, self.port, "/models", {"Authorization": f"Bearer {token}"})
        self._body = {"owner_org_unit_id": owner_id, "recipient_kind": "collective", "field": "kinh_te",
                      "year": 2025}
        self._run = uuid.uuid4().hex[:8]

    def request(self, i: int) -> bytes:
        return self._frame(json.dumps({**self._body, "title": f"Mô hình dân vận khéo {self._run}-{i}"}).encode())

    async def _db(self, service: str) -> asyncpg.Connection:
        assert self.platform.postgres is not None
        return await asyncpg.connect(self.platform.postgres.dsn(database_name(service)))

    async def run(self, rate: float, seconds: float) -> tuple[Step, list[str]]:
        """Offer `rate` registrations a second for `seconds`; each hop's latencies and what went wrong."""
        self.receiver.received.clear()
        answers: list[Answer] = await open_loop(self.host, self.port, self.request, rate, seconds)
        problems = [f"{sum(a.status != 201 for a in answers)} requests not answered 201"] \
            if any(a.status != 201 for a in answers) else []
        due = {json.loads(a.body)["id"]: a for a in answers if a.status == 201}
        registry, evaluation, notifications = [await self._db(s) for s in ("registry", "evaluation", "notifications")]
        try:
            # The public event's id (the outbox row's), which every consumer and the webhook carry.
            outbox = await registry.fetch(
                """select event_id, published_at, convert_from(body, 'UTF8')::jsonb ->> 'model_id' as model_id
                   from outbox where convert_from(body, 'UTF8')::jsonb ->> 'model_id' = any($1::text[])""",
                list(due))
            model_of = {r["event_id"]: r["model_id"] for r in outbox}
            ids = list(model_of)
            if len(ids) != len(due):
                problems.append(f"{len(ids)} events recorded for {len(due)} registrations")

            async def drained() -> bool:
                delivered = {json.loads(body)["id"] for _, body in self.receiver.received}
                inbox = await notifications.fetchval(
                    "select count(*) from notifications where event_id = any($1::uuid[])", ids)
                return inbox >= len(ids) and len({str(i) for i in ids} & delivered) >= len(ids)

            if not await _eventually(drained, DRAIN_SECONDS):
                problems.append(f"not every event reached the inbox and the webhook within {DRAIN_SECONDS:.0f} s")
            published = await registry.fetch(
                "select event_id, extract(epoch from published_at) as at from outbox "
                "where event_id = any($1::uuid[]) and published_at is not null", ids)
            evaluated = await evaluation.fetch(
                "select event_id, extract(epoch from processed_at) as at from inbox "
                "where consumer = 'evaluation__model_registered' and event_id = any($1::uuid[])", ids)
            notified = await notifications.fetch(
                "select event_id, extract(epoch from created_at) as at from notifications "
                "where event_id = any($1::uuid[])", ids)
            consumed = await notifications.fetchval(
                "select count(*) from inbox where consumer = 'notifications__model_registered' "
                "and event_id = any($1::uuid[])", ids)
        finally:
            for conn in (registry, evaluation, notifications):
                await conn.close()
        received: dict[str, list[float]] = {}
        for at, body in self.receiver.received:
            received.setdefault(json.loads(body)["id"], []).append(at)

        def since_due(rows: list[asyncpg.Record]) -> list[float]:
            return [float(r["at"]) - due[model_of[r["event_id"]]].due for r in rows]

        hops = {
            "answered 201": [a.latency for a in due.values()],
            "published to JetStream": since_due(published),
            "evaluation read model": since_due(evaluated),
            "notifications inbox": since_due(notified),
            "webhook received": [ats[0] - due[model_of[uuid.UUID(e)]].due for e, ats in received.items()
                                 if uuid.UUID(e) in model_of],
        }
        offered = len(answers)
        for name, rows, want in (("evaluation inbox rows", len(evaluated), offered),
                                 ("notifications inbox rows", consumed, offered),
                                 ("notifications", len(notified), offered),
                                 ("webhooks received", sum(len(v) for v in received.values()), offered)):
            if rows != want:
                problems.append(f"{name}: {rows} for {want} registrations")
        return Step(rate, offered, hops), problems


async def _setup(platform: Platform, token: str, receiver_url: str) -> str:
    """A province and a commune; a webhook for registrations under the country; the commune's id."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        registry = platform.url("registry")
        root = (await client.post(f"{registry}/org-units", json={"code": "VN", "name": "Việt Nam",
                                                                  "kind": "country"})).json()
        province = (await client.post(f"{registry}/org-units", json={
            "code": "15", "name": "Tỉnh Lào Cai", "kind": "province", "parent_id": root["id"]})).json()
        commune = (await client.post(f"{registry}/org-units", json={
            "code": "02989", "name": "Xã Bảo Hà", "kind": "commune", "parent_id": province["id"]})).json()

        async def knows_the_country() -> bool:
            answer = await client.get(f"{platform.url('notifications')}/admin/dead-letters")
            return answer.status_code == 200

        if not await _eventually(knows_the_country, 30):
            raise RuntimeError("notifications never learnt the country's unit")
        hook = await client.post(f"{platform.url('notifications')}/webhooks", json={
            "url": receiver_url, "description": "Hệ thống đo hiệu năng", "org_path": "VN",
            "event_types": [MODEL_REGISTERED]})
        hook.raise_for_status()
        return str(commune["id"])


async def bench_chain(data_dir: Path, rates: list[float], seconds: float, report: Report) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DVK_")}
    env.update({f"DVK_{s.upper()}_PORT": str(free_port()) for s in SERVICE_PORTS})
    env.update({"DVK_EMBEDDED_NATS_PORT": str(free_port()), "DVK_EMBEDDED_PG_PORT": str(free_port()),
                "DVK_LOG_LEVEL": "WARNING", "DVK_WEBHOOK_ALLOWED_TARGETS": '["127.0.0.1/32"]'})
    platform = Platform(data_dir, base_env=env)
    receiver = Receiver()
    try:
        platform.start_infrastructure()
        platform.start_services()
        await asyncio.to_thread(platform.wait_ready)
        token = issue_token(platform.secret(), subject="bench", name="Đo hiệu năng", roles=list(Role),
                            org_scope="VN")
        port = await receiver.start()
        owner = await _setup(platform, token, f"http://127.0.0.1:{port}/hooks/dvk")
        chain = Chain(platform, receiver, owner, token)
        _, problems = await chain.run(20, 1)  # every service knows the units; pools and caches warm
        if problems:
            report.check("whole chain, warm-up", False, "; ".join(problems))
            return
        steps = []
        for rate in rates:
            before = cpu_by_process(platform)
            step, problems = await chain.run(rate, seconds)
            after = cpu_by_process(platform)
            steps.append(step)
            name = f"whole chain at {rate:,.0f} registrations/s"
            hops = "  ".join(f"{hop.split()[0]} {percentile(step.hops[hop], 0.5) * 1000:,.0f}/"
                             f"{step.p99(hop) * 1000:,.0f}" for hop in HOPS)
            print(f"{name:<52} {'sustained' if step.sustained else 'behind':>11}   p50/p99 ms: {hops}", flush=True)
            cost = "  ".join(f"{who} {(after[who] - before[who]) * 1000 / max(1, step.offered):.1f}"
                             for who in after)
            print(f"{'':<52} CPU ms per registration: {cost}", flush=True)
            report.check(name, not problems, "; ".join(problems))
        best = max((s.rate for s in steps if s.sustained), default=0.0)
        print(f"{'whole chain: highest sustained rate':<52} {best:>9,.0f}/s", flush=True)
        rss = "  ".join(f"{name} {_rss_mb(proc.pid):,.0f}" for name, proc in platform.services.items())
        print(f"{'resident memory after the load (MiB)':<52} {rss}", flush=True)
    finally:
        await receiver.stop()
        platform.stop()
