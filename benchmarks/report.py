"""How a benchmark line is printed and checked: the platform's rate beside the raw ceiling measured in
the same run, with the same shape of work, and a check that what was measured is what the line names
(rows written, events applied — not refused or dead-lettered). A line whose check fails says so and
makes `make bench` exit 1: a fast figure for the wrong work is worse than none."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    rates: dict[str, float] = field(default_factory=dict)
    """Each line's rate by its name, for the lines that compare the platform with the peer."""

    def line(self, name: str, count: int, seconds: float, ceiling: float | None = None,
             ceiling_name: str = "raw", extra: str = "") -> float:
        rate = count / seconds
        text = f"{name:<52} {rate:>9,.0f}/s"
        if ceiling:
            text += f"   {ceiling_name} {ceiling:>9,.0f}/s  = {rate / ceiling:4.2f}×"
        print(text + (f"   {extra}" if extra else ""), flush=True)
        self.rates[name] = rate
        return rate

    def versus(self, name: str, ours: float, peer: float, extra: str = "") -> None:
        """The platform's rate beside the peer's, measured in the same run on the same servers."""
        text = f"{name:<52} {ours:>9,.0f}/s   peer {peer:>9,.0f}/s  = {ours / peer:4.2f}× the peer"
        print(text + (f"   {extra}" if extra else ""), flush=True)

    def check(self, name: str, ok: bool, detail: str) -> None:
        """`ok` is what the line claims it measured; when it is false the line's figure is void."""
        if not ok:
            self.failures.append(f"{name}: {detail}")
            print(f"    ✗ KIỂM TRA THẤT BẠI / CHECK FAILED — {detail}", flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def in_parallel(total: int, workers: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Run `one(i)` for i in range(total) from `workers` concurrent loops; the elapsed seconds."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started
