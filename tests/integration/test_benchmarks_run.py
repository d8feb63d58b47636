"""`make bench` runs, and each of its lines checks what it measured: a small run here keeps the
benchmarks working as the code under them changes (the figures themselves are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.load import Receiver, closed_loop, open_loop, post_json
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

LINES = ("event store append", "command RegisterModel, 1 connection", "command RegisterModel, 8 connections",
         "outbox relay", "consumer (fetch", "POST /models over HTTP, concurrency 1",
         "POST /models over HTTP, concurrency 8", "POST /models over HTTP, concurrency 32",
         "projection rebuild (registry.models)", "org unit import, 300 rows", "whole chain at 20 registrations/s",
         "CPU ms per registration", "whole chain: highest sustained rate", "resident memory after the load",
         "peak resident memory")


def test_a_small_benchmark_run_measures_every_line_and_passes_its_checks() -> None:
    ran = subprocess.run([sys.executable, "-m", "benchmarks.run", "--events", "60", "--chain-rates", "20",
                          "--chain-seconds", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for line in LINES:
        assert line in ran.stdout, f"no line {line!r} in:\n{ran.stdout}"
    assert "CHECK FAILED" not in ran.stdout
    assert ran.stdout.count("×") == 7, "a line lost its raw ceiling"


async def test_the_load_generator_offers_its_schedule_and_counts_every_answer() -> None:
    """The open loop starts rate × seconds requests whatever the answers do, and each one is seen
    arriving; the closed loop sends every request it was given over its connections."""
    receiver = Receiver()
    port = await receiver.start()
    try:
        frame = post_json("127.0.0.1", port, "/hooks", {"X-Test": "1"})
        answers = await open_loop("127.0.0.1", port, lambda i: frame(json.dumps({"i": i}).encode()), 200, 0.25)
        assert sorted(json.loads(body)["i"] for _, body in receiver.received) == list(range(50))
        assert [a.status for a in answers] == [204] * 50
        assert all(a.latency >= 0 for a in answers)
        elapsed, closed = await closed_loop("127.0.0.1", port, [frame(b'{"i": -1}')] * 30, 4)
        assert len(closed) == 30 and elapsed > 0 and len(receiver.received) == 80
    finally:
        await receiver.stop()
