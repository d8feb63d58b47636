"""A benchmark line whose check fails is reported and fails the run (benchmarks/report.py)."""

from __future__ import annotations

import pytest

from benchmarks.report import Report, percentile


def test_a_failed_check_is_printed_and_kept(capsys: pytest.CaptureFixture[str]) -> None:
    report = Report()
    assert report.line("consumer", 100, 0.5, ceiling=400.0) == 200.0
    report.check("consumer", True, "fine")
    assert report.failures == []
    report.check("consumer", False, "0 of 100 applied, 100 dead-lettered")
    assert report.failures == ["consumer: 0 of 100 applied, 100 dead-lettered"]
    out = capsys.readouterr().out
    assert "0.50×" in out and "CHECK FAILED" in out


def test_percentiles_of_samples() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 0.5) == 51.0
    assert percentile(samples, 0.99) == 100.0
