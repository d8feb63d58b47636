"""`make bench` runs, and each of its lines checks what it measured: a small run here keeps the
benchmarks working as the code under them changes (the figures themselves are never asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

LINES = ("event store append", "command RegisterModel, 1 connection", "command RegisterModel, 8 connections",
         "outbox relay", "consumer (fetch", "POST /models over HTTP, concurrency 1",
         "POST /models over HTTP, concurrency 8", "POST /models over HTTP, concurrency 32", "peak resident memory")


def test_a_small_benchmark_run_measures_every_line_and_passes_its_checks() -> None:
    ran = subprocess.run([sys.executable, "-m", "benchmarks.run", "--events", "60"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for line in LINES:
        assert line in ran.stdout, f"no line {line!r} in:\n{ran.stdout}"
    assert "CHECK FAILED" not in ran.stdout
    assert ran.stdout.count("×") == 5, "a line lost its raw ceiling"
