"""The supervisor's back-off, on real child processes and a clock the test moves: a part that keeps
dying waits longer each time, one that stayed up a minute starts afresh, and each restart is counted."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, cast

from shared.runtime.supervisor import BACKOFF_SECONDS, STABLE_AFTER_SECONDS, Supervisor


@dataclass
class Host:
    """What the supervisor uses of `Platform`: its children and how to start one."""

    exit_code: int = 3
    nats: None = None
    postgres: None = None
    services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: int = 0

    def start_service(self, service: str) -> None:
        self.started += 1
        proc = subprocess.Popen([sys.executable, "-c", f"import sys; sys.exit({self.exit_code})"])
        proc.wait(30)
        self.services[service] = proc


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_part_that_keeps_dying_waits_longer_each_time_and_one_that_held_starts_afresh() -> None:
    host, clock, lines = Host(), Clock(), cast(list[str], [])
    host.start_service("registry")
    supervisor = Supervisor(cast(Any, host), say=lines.append, clock=clock)

    supervisor.check()  # found dead: waits its first back-off
    assert host.started == 1 and "died (exit 3)" in lines[-1]
    clock.now += BACKOFF_SECONDS[0]
    supervisor.check()
    assert host.started == 2 and supervisor.restarts["registry"] == 1
    assert "restarted registry (restart 1)" in lines[-1]

    supervisor.check()  # dead again at once: the next back-off is longer
    clock.now += BACKOFF_SECONDS[0]
    supervisor.check()
    assert host.started == 2
    clock.now += BACKOFF_SECONDS[1] - BACKOFF_SECONDS[0]
    supervisor.check()
    assert host.started == 3 and supervisor.restarts["registry"] == 2

    clock.now += STABLE_AFTER_SECONDS  # it held a minute (as far as the supervisor can tell)
    supervisor.check()
    clock.now += BACKOFF_SECONDS[0]
    supervisor.check()
    assert host.started == 4 and supervisor.restarts["registry"] == 3


def test_a_part_that_cannot_start_is_tried_again_later() -> None:
    host, clock, lines = Host(), Clock(), cast(list[str], [])
    host.start_service("awards")

    def broken(service: str) -> None:
        raise RuntimeError("awards exited with 1")

    host.start_service = broken  # type: ignore[method-assign]
    supervisor = Supervisor(cast(Any, host), say=lines.append, clock=clock)
    supervisor.check()
    clock.now += BACKOFF_SECONDS[0]
    supervisor.check()
    assert "could not restart awards" in lines[-1] and supervisor.restarts["awards"] == 0
