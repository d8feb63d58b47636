"""Throughput of the platform's hot paths beside the raw ceiling of the same machine, in one run.

    make bench        (or: python -m benchmarks.run [--events N])

Starts its own embedded PostgreSQL (fsync on, as `dvk up` runs it) and nats-server in a temporary
directory, then measures each path and its raw ceiling with the same shape of work (see each module):
benchmarks/store.py (append, commands on 1 and 8 connections), benchmarks/messaging.py (relay,
consumer) and benchmarks/edge.py (`POST /models` over HTTP at
concurrency 1, 8 and 32). Every line checks that it measured what it names; a failed check makes
the run exit 1.
Figures are printed, never asserted: they vary by machine (docs/performance.md records this one's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
from pathlib import Path

import nats

from benchmarks.chain import bench_chain
from benchmarks.edge import bench_http
from benchmarks.imports import bench_import
from benchmarks.messaging import bench_consumer, bench_relay
from benchmarks.peer import bench_peer_commands, bench_peer_http
from benchmarks.rebuild import bench_rebuild
from benchmarks.report import Report
from benchmarks.store import bench_append, bench_command
from shared.runtime.nats import EmbeddedNats
from shared.runtime.postgres import EmbeddedPostgres, free_port


async def bench(events: int, rates: list[float], seconds: float, peer: bool, report: Report) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dvk-bench-"))
    pg = EmbeddedPostgres(tmp / "pg", free_port())
    nt = EmbeddedNats(tmp / "nats", free_port())
    pg.start()
    nt.start()
    try:
        for name in ("append", "command", "relay", "consumer", "rebuild", "import", "peer"):
            pg.create_database(f"bench_{name}")
        await bench_append(pg.dsn("bench_append"), events, report)
        for connections in (1, 8):
            await bench_command(pg.dsn("bench_command"), events, connections, report)
        nc = await nats.connect(nt.url)
        js = nc.jetstream()
        await bench_relay(pg.dsn("bench_relay"), js, events, report)
        await bench_consumer(pg.dsn("bench_consumer"), nt.url, js, events, report)
        await nc.close()
        await bench_rebuild(pg.dsn("bench_rebuild"), events * 25, report)
        await bench_import(pg.dsn("bench_import"), events * 5, report)
        await bench_http(tmp / "platform", max(50, events // 4), report)
        if peer:
            await bench_peer_commands(pg, events, report)
            await bench_peer_http(pg, tmp / "peer", max(50, events // 4), report)
        await bench_chain(tmp / "chain", rates, seconds, report)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'peak resident memory of this process':<52} {rss_mb:>9,.1f} MiB")
    finally:
        nt.stop()
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--chain-rates", default="100,200,300,400,500",
                        help="registrations per second offered to the whole chain, one step each")
    parser.add_argument("--chain-seconds", type=float, default=10.0, help="how long each step lasts")
    parser.add_argument("--peer", action="store_true", help="also measure the eventsourcing library (bench extra)")
    args = parser.parse_args()
    rates = [float(r) for r in args.chain_rates.split(",")]
    print(f"{args.events} each; {os.cpu_count()} CPUs; PostgreSQL with fsync on (the embedded default)\n")
    report = Report()
    asyncio.run(bench(args.events, rates, args.chain_seconds, args.peer, report))
    if report.failures:
        print("\n".join(["", "Lines that did not measure what they name:", *report.failures]))
        sys.exit(1)


if __name__ == "__main__":
    main()
